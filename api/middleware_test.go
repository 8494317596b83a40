package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/query"
)

// fakeBackend answers without an index. Search blocks until release is
// closed or the request's context ends, so tests control concurrency and
// deadlines exactly.
type fakeBackend struct {
	release chan struct{}
	started chan struct{}
}

func (f *fakeBackend) Search(ctx context.Context, r index.Request) (*index.Result, error) {
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &index.Result{Query: r.Query, Type: "article", Page: 1, Size: 10, Hits: []index.Hit{}}, nil
}

func (f *fakeBackend) Get(ctx context.Context, id string) (*article.Article, error) {
	return nil, index.ErrNotFound
}

func (f *fakeBackend) Suggest(ctx context.Context, prefix string, n int) ([]string, error) {
	return []string{}, nil
}

func (f *fakeBackend) Related(ctx context.Context, id string, n int) (*index.Result, error) {
	return nil, index.ErrNotFound
}

func (f *fakeBackend) Stats(ctx context.Context) (index.Stats, error) {
	return index.Stats{Articles: 2, Paragraphs: 14}, nil
}

// newTestServer builds a server with a fake write route, the way the
// ingest endpoints are registered.
func newTestServer(t *testing.T, cfg Config) (*Server, *strings.Builder) {
	t.Helper()
	var logs strings.Builder
	var mu sync.Mutex
	if cfg.Backend == nil {
		cfg.Backend = &fakeBackend{}
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	s := New(cfg)
	s.echo.POST("/v1/articles", func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]int{"bytes": len(b)})
	})
	s.echo.GET("/v1/admin/stats", func(c echo.Context) error { return c.JSON(200, map[string]string{}) })
	return s, &logs
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func doReq(s *Server, method, target, remote, auth string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr = remote
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("body %q is not the error shape: %v", rec.Body, err)
	}
	if e.Error.Message == "" {
		t.Errorf("error without a message: %s", rec.Body)
	}
	return e.Error.Code
}

const (
	loopback = "127.0.0.1:50000"
	remote   = "192.0.2.7:50000"
)

func TestAuth(t *testing.T) {
	open, _ := newTestServer(t, Config{})
	keyed, _ := newTestServer(t, Config{APIKeys: []string{"w1", "w2"}, ReadKeys: []string{"r1"}})
	for _, tc := range []struct {
		name           string
		s              *Server
		method, target string
		remote, auth   string
		status         int
		code           string
	}{
		{"no key: loopback write", open, "POST", "/v1/articles", loopback, "", 201, ""},
		{"no key: ipv6 loopback write", open, "POST", "/v1/articles", "[::1]:5000", "", 201, ""},
		{"no key: remote write", open, "POST", "/v1/articles", remote, "", 403, "forbidden"},
		{"no key: remote write, forged header", open, "POST", "/v1/articles", remote, "", 403, "forbidden"},
		{"no key: remote admin read", open, "GET", "/v1/admin/stats", remote, "", 403, "forbidden"},
		{"no key: remote read", open, "GET", "/v1/search?q=x", remote, "", 200, ""},
		{"key: write without key", keyed, "POST", "/v1/articles", loopback, "", 401, "unauthorized"},
		{"key: write wrong key", keyed, "POST", "/v1/articles", remote, "Bearer nope", 401, "unauthorized"},
		{"key: write basic auth", keyed, "POST", "/v1/articles", remote, "Basic dzE6", 401, "unauthorized"},
		{"key: write read key", keyed, "POST", "/v1/articles", remote, "Bearer r1", 403, "forbidden"},
		{"key: write first key", keyed, "POST", "/v1/articles", remote, "Bearer w1", 201, ""},
		{"key: write second key", keyed, "POST", "/v1/articles", remote, "bearer w2", 201, ""},
		{"key: read without key", keyed, "GET", "/v1/search?q=x", remote, "", 401, "unauthorized"},
		{"key: read wrong key", keyed, "GET", "/v1/search?q=x", remote, "Bearer w1x", 401, "unauthorized"},
		{"key: read read key", keyed, "GET", "/v1/search?q=x", remote, "Bearer r1", 200, ""},
		{"key: read api key", keyed, "GET", "/v1/search?q=x", remote, "Bearer w2", 200, ""},
		{"key: health open", keyed, "GET", "/healthz", remote, "", 200, ""},
		{"key: readyz open", keyed, "GET", "/readyz", remote, "", 200, ""},
		{"key: openapi open", keyed, "GET", "/openapi.json", remote, "", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := doReq(tc.s, tc.method, tc.target, tc.remote, tc.auth, strings.NewReader(`{}`), "X-Forwarded-For", "127.0.0.1", "X-Real-Ip", "127.0.0.1")
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.code != "" {
				if got := errorCode(t, rec); got != tc.code {
					t.Errorf("code %q, want %q", got, tc.code)
				}
			}
			if tc.status == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestKeySet(t *testing.T) {
	ks := newKeySet([]string{" a ", "", "bb"})
	for key, want := range map[string]bool{"a": true, "bb": true, "": false, "b": false, "a ": false, "bbb": false} {
		if got := ks.has(key); got != want {
			t.Errorf("has(%q) = %v", key, got)
		}
	}
}

// TestQueryLimitIsTheParsers: the API's query length limit is the query
// parser's, by default and however high a Config asks: one limit, one
// error code (query_too_long).
func TestQueryLimitIsTheParsers(t *testing.T) {
	for _, asked := range []int{0, query.MaxRunes + 244} {
		s, _ := newTestServer(t, Config{MaxQueryLen: asked})
		for _, n := range []int{query.MaxRunes, query.MaxRunes + 1} {
			rec := doReq(s, "GET", "/v1/search?q="+strings.Repeat("%E5%9C%B0", n), loopback, "", nil)
			if n <= query.MaxRunes && rec.Code != 200 {
				t.Errorf("MaxQueryLen %d, %d characters: %d %s, want 200", asked, n, rec.Code, rec.Body)
			}
			if n > query.MaxRunes && (rec.Code != 400 || errorCode(t, rec) != "query_too_long") {
				t.Errorf("MaxQueryLen %d, %d characters: %d %s, want 400 query_too_long", asked, n, rec.Code, rec.Body)
			}
		}
	}
}

func TestLimits(t *testing.T) {
	s, _ := newTestServer(t, Config{MaxBodyBytes: 100, MaxQueryLen: 5, MaxSize: 20})
	for _, tc := range []struct {
		name, method, target string
		body                 string
		status               int
		code                 string
	}{
		{"query at limit", "GET", "/v1/search?q=%E4%BA%8C%E4%B8%83%E7%BB%8F%E5%BC%80%E5%8C%BA", "", 200, ""},
		{"query over limit", "GET", "/v1/search?q=%E4%BA%8C%E4%B8%83%E7%BB%8F%E5%BC%80%E5%8C%BAx", "", 400, "query_too_long"},
		{"size at limit", "GET", "/v1/search?q=x&size=20", "", 200, ""},
		{"size over limit", "GET", "/v1/search?q=x&size=21", "", 400, "invalid_query"},
		{"body at limit", "POST", "/v1/articles", strings.Repeat("x", 100), 201, ""},
		{"body over limit", "POST", "/v1/articles", strings.Repeat("x", 101), 413, "too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := doReq(s, tc.method, tc.target, loopback, "", strings.NewReader(tc.body))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.code != "" {
				if got := errorCode(t, rec); got != tc.code {
					t.Errorf("code %q, want %q", got, tc.code)
				}
			}
		})
	}
}

func TestRequestTimeoutReachesBackend(t *testing.T) {
	fb := &fakeBackend{release: make(chan struct{})} // never released: only the deadline ends it
	s, _ := newTestServer(t, Config{Backend: fb, RequestTimeout: 50 * time.Millisecond})
	rec := doReq(s, "GET", "/v1/search?q=x", loopback, "", nil)
	if rec.Code != 503 || errorCode(t, rec) != "timeout" {
		t.Fatalf("status %d %s, want 503 timeout", rec.Code, rec.Body)
	}
}

func TestConcurrentSearchLimit(t *testing.T) {
	fb := &fakeBackend{release: make(chan struct{}), started: make(chan struct{}, 2)}
	s, logs := newTestServer(t, Config{Backend: fb, MaxConcurrentSearches: 2})
	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- doReq(s, "GET", "/v1/search?q=x", loopback, "", nil).Code
		}()
	}
	<-fb.started
	<-fb.started
	// Both slots are taken: the third search waits its turn in the queue,
	// then is refused.
	rec := doReq(s, "GET", "/v1/search?q=x", loopback, "", nil)
	if rec.Code != 503 || errorCode(t, rec) != "overloaded" || rec.Header().Get("Retry-After") == "" {
		t.Errorf("third search: %d %s Retry-After %q", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	// Other routes are not limited.
	if rec := doReq(s, "GET", "/v1/articles/x", loopback, "", nil); rec.Code != 404 {
		t.Errorf("article while searches are full: %d", rec.Code)
	}
	close(fb.release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("admitted search answered %d", c)
		}
	}
	if rec := doReq(s, "GET", "/v1/search?q=x", loopback, "", nil); rec.Code != 200 {
		t.Errorf("after release: %d", rec.Code)
	}
	m := doReq(s, "GET", "/metrics", loopback, "", nil).Body.String()
	for _, want := range []string{
		"zhsearch_searches_rejected_total 1",
		`zhsearch_searches_total{outcome="ok",route="/v1/search"} 3`,
		`zhsearch_searches_total{outcome="rejected",route="/v1/search"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(logs.String(), `"status":503`) {
		t.Errorf("no log line for the refused search:\n%s", logs)
	}
}

func TestCORS(t *testing.T) {
	off, _ := newTestServer(t, Config{})
	on, _ := newTestServer(t, Config{CORSOrigins: []string{"https://news.example.com"}, ReadKeys: []string{"r"}})
	origin := "https://news.example.com"
	pre := func(s *Server, origin string) *httptest.ResponseRecorder {
		return doReq(s, "OPTIONS", "/v1/search?q=x", remote, "", nil,
			"Origin", origin, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization")
	}
	if rec := pre(off, origin); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS off but preflight allowed: %v", rec.Header())
	}
	rec := pre(on, origin)
	if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), "authorization") {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
	if rec := pre(on, "https://evil.example"); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("unlisted origin allowed: %v", rec.Header())
	}
	rec = doReq(on, "GET", "/v1/search?q=x", remote, "Bearer r", nil, "Origin", origin)
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("actual request: %d %v", rec.Code, rec.Header())
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' "+origin) {
		t.Errorf("CSP %q does not let the CORS origin frame", csp)
	}
}

func TestSecurityHeaders(t *testing.T) {
	s, _ := newTestServer(t, Config{})
	for _, path := range []string{"/", "/healthz", "/v1/search?q=x", "/v1/nothing"} {
		h := doReq(s, "GET", path, loopback, "", nil).Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "SAMEORIGIN" ||
			h.Get("Referrer-Policy") == "" || h.Get("X-Request-Id") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
}

func TestRequestLogLine(t *testing.T) {
	s, logs := newTestServer(t, Config{APIKeys: []string{"sekrit-key"}})
	doReq(s, "POST", "/v1/articles", remote, "Bearer sekrit-key", strings.NewReader(`{"title":"body-text-here"}`), "X-Request-Id", "req-42")
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, `"msg":"request"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line == nil {
		t.Fatalf("no request line in %s", logs)
	}
	for k, want := range map[string]any{"request_id": "req-42", "route": "/v1/articles", "status": float64(201), "method": "POST"} {
		if line[k] != want {
			t.Errorf("%s = %v, want %v", k, line[k], want)
		}
	}
	if _, ok := line["latency_ms"]; !ok {
		t.Error("no latency")
	}
	if strings.Contains(logs.String(), "sekrit") || strings.Contains(logs.String(), "body-text-here") {
		t.Errorf("the log shows a key or a body: %s", logs)
	}
}

func TestQueuedSearchGetsAFreedSlot(t *testing.T) {
	fb := &fakeBackend{release: make(chan struct{}), started: make(chan struct{}, 2)}
	s, _ := newTestServer(t, Config{Backend: fb, MaxConcurrentSearches: 1})
	s.queueWait = time.Minute // the release below comes first, however slow the machine
	codes := make(chan int, 3)
	go func() { codes <- doReq(s, "GET", "/v1/search?q=x", loopback, "", nil).Code }()
	<-fb.started // the slot is taken
	go func() { codes <- doReq(s, "GET", "/v1/search?q=x", loopback, "", nil).Code }()
	for len(s.searchQueue) == 0 {
		time.Sleep(time.Millisecond)
	}
	// The queue (as long as the limit) is full: the next is refused at once.
	if rec := doReq(s, "GET", "/v1/search?q=x", loopback, "", nil); rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
		t.Errorf("search past a full queue: %d", rec.Code)
	}
	close(fb.release)
	<-fb.started // the queued search ran
	for i := 0; i < 2; i++ {
		if c := <-codes; c != 200 {
			t.Errorf("search answered %d", c)
		}
	}
}

// TestRequestIDIsChecked checks that a client's X-Request-Id is echoed
// only when it is at most 128 characters of [A-Za-z0-9._-]; any other is
// replaced by a fresh id.
func TestRequestIDIsChecked(t *testing.T) {
	srv := httptest.NewServer(New(Config{Backend: &slowBackend{}}))
	defer srv.Close()
	for _, tc := range []struct {
		name, id string
		kept     bool
	}{
		{"ordinary", "abc-123_X.y", true},
		{"128 characters", strings.Repeat("a", 128), true},
		{"129 characters", strings.Repeat("a", 129), false},
		{"space", "a b", false},
		{"slash", "a/b", false},
		{"non-ASCII", "请求", false},
		{"quote", `a"b`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+"/healthz", nil)
			req.Header.Set("X-Request-Id", tc.id)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("X-Request-Id")
			if got == "" || (got == tc.id) != tc.kept {
				t.Errorf("X-Request-Id %q answered %q; kept=%v wanted", tc.id, got, tc.kept)
			}
			if !goodRequestID(got) {
				t.Errorf("answered id %q is not a valid id", got)
			}
		})
	}
}
