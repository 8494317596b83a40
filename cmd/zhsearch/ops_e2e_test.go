package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// proc is a zhsearch server process started by a test.
type proc struct {
	base string
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs bytes.Buffer
	done chan error
}

// Logs returns what the process has written to stderr so far.
func (p *proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// waitLog waits until the log holds s.
func (p *proc) waitLog(t *testing.T, s string) {
	t.Helper()
	for !strings.Contains(p.Logs(), s) { // no time limit: go test's -timeout guards a hang
		time.Sleep(50 * time.Millisecond)
	}
}

// wait waits for the process to exit.
func (p *proc) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(within):
		t.Fatalf("process still running after %s:\n%s", within, p.Logs())
	}
	return nil
}

// startProc runs the binary with env added to the environment; it returns
// once the server answers /healthz.
func startProc(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{done: make(chan error, 1)}
	p.cmd = exec.Command(buildBinary(t), append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = append(os.Environ(), env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.logs.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	go func() {
		<-copied
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
		}
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
		}
	})
	// No time limit of ours: on a busy machine the dictionary may take
	// minutes to load. A server that never starts fails by exiting, or
	// by go test's -timeout.
	select {
	case addr := <-found:
		p.base = "http://" + addr
		for {
			if resp, err := http.Get(p.base + "/healthz"); err == nil {
				resp.Body.Close()
				return p
			}
			select {
			case err := <-p.done:
				t.Fatalf("server exited before answering: %v\n%s", err, p.Logs())
			case <-time.After(50 * time.Millisecond):
			}
		}
	case err := <-p.done:
		t.Fatalf("server exited: %v\n%s", err, p.Logs())
	}
	return nil
}

// call makes a request and returns the status, headers and body.
func call(t *testing.T, method, u, auth string, body io.Reader, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func errCode(t *testing.T, b []byte) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not the error shape: %s", b)
	}
	return e.Error.Code
}

const (
	writeKey = "wk-7f3a9c"
	readKey  = "rk-1b2d4e"
	origin   = "https://news.example.com"
)

var q = url.QueryEscape

// TestOpsHardenedServer runs one server with keys, CORS, small limits and
// JSON logs, and checks each from outside.
func TestOpsHardenedServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	p := startProc(t, []string{
		"ZHSEARCH_API_KEY=other-key," + writeKey,
		"ZHSEARCH_READ_KEY=" + readKey,
		"ZHSEARCH_CORS_ORIGINS=" + origin,
		"ZHSEARCH_LOG_FORMAT=json",
		"ZHSEARCH_MAX_QUERY_LEN=10",
		"ZHSEARCH_MAX_SIZE=1", // overridden by the flag below: flags win
	}, "--max-size", "5", "--max-body", "1KiB", "--max-searches", "1", "--read-header-timeout", "1s",
		"--data", filepath.Join(t.TempDir(), "data"), "--seed") // on disk, for snapshots
	search := p.base + "/v1/search?q=" + q("二七经开区")

	t.Run("auth", func(t *testing.T) {
		for _, tc := range []struct {
			name, method, u, auth string
			status                int
			code                  string
		}{
			{"read without key", "GET", search, "", 401, "unauthorized"},
			{"read wrong key", "GET", search, "Bearer nope", 401, "unauthorized"},
			{"read with read key", "GET", search, "Bearer " + readKey, 200, ""},
			{"read with api key", "GET", search, "Bearer " + writeKey, 200, ""},
			{"article without key", "GET", p.base + "/v1/articles/x", "", 401, "unauthorized"},
			{"health open", "GET", p.base + "/healthz", "", 200, ""},
			{"ready open", "GET", p.base + "/readyz", "", 200, ""},
			{"metrics open", "GET", p.base + "/metrics", "", 200, ""},
			{"write without key", "POST", p.base + "/v1/articles", "", 401, "unauthorized"},
			{"write wrong key", "POST", p.base + "/v1/articles", "Bearer " + writeKey + "x", 401, "unauthorized"},
			{"write with read key", "POST", p.base + "/v1/articles", "Bearer " + readKey, 403, "forbidden"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, _, b := call(t, tc.method, tc.u, tc.auth, strings.NewReader(`{}`))
				if status != tc.status {
					t.Fatalf("status %d, want %d: %s", status, tc.status, b)
				}
				if tc.code != "" && errCode(t, b) != tc.code {
					t.Errorf("body %s, want code %s", b, tc.code)
				}
			})
		}
	})

	t.Run("openapi", func(t *testing.T) {
		var res searchResult
		req, _ := http.NewRequest("GET", search, nil)
		req.Header.Set("Authorization", "Bearer "+readKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || len(res.Hits) == 0 {
			t.Fatalf("search: %v %+v", err, res)
		}
		resp.Body.Close()
		id := res.Hits[0].ID
		r, w := "Bearer "+readKey, "Bearer "+writeKey
		// an alert to read and delete (its id is made by the server)
		req, _ = http.NewRequest("POST", p.base+"/v1/alerts", strings.NewReader(`{"q": "地铁", "name": "e2e"}`))
		req.Header.Set("Authorization", w)
		req.Header.Set("Content-Type", "application/json")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var created struct{ ID string }
		if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != 201 {
			t.Fatalf("POST /v1/alerts: %d %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		al := created.ID
		checkOpenAPI(t, p.base, []apiCase{
			{"POST", "/v1/alerts", w, `{"q": "经济", "section": ["要闻"], "since": "-7d"}`, 201},
			{"POST", "/v1/alerts", w, `{"q": ""}`, 400},
			{"POST", "/v1/alerts", r, `{"q": "经济"}`, 403},
			{"POST", "/v1/alerts", w, `{"q": "经济", "webhook": "http://example.com/hook"}`, 400},
			{"GET", "/v1/alerts", r, "", 200},
			{"GET", "/v1/alerts/" + al, r, "", 200},
			{"GET", "/v1/alerts/al_nope", r, "", 404},
			{"GET", "/v1/alerts/" + al + "/matches?size=5", r, "", 200},
			{"GET", "/v1/alerts/" + al + "/matches?order=newest", r, "", 200},
			{"GET", "/v1/alerts/" + al + "/matches?since=soon", r, "", 400},
			{"GET", "/v1/alerts/stream", r, "", 200},
			{"DELETE", "/v1/alerts/" + al, w, "", 204},
			{"DELETE", "/v1/alerts/" + al, w, "", 404},
			{"GET", "/healthz", "", "", 200},
			{"GET", "/readyz", "", "", 200},
			{"GET", "/metrics", "", "", 200},
			{"GET", "/openapi.json", "", "", 200},
			{"GET", "/v1/search?q=" + q("二七经开区") + "&snippets=2", r, "", 200},
			{"GET", "/v1/search?q=" + q("网格化") + "&type=paragraph&size=3", r, "", 200},
			{"GET", "/v1/search?q=", r, "", 400},
			{"GET", "/v1/search?q=" + q("二七经开区") + "&size=99", r, "", 400},
			{"GET", "/v1/search?q=" + q("二七经开区"), "", "", 401},
			{"GET", "/v1/articles/" + id, r, "", 200},
			{"GET", "/v1/articles/nope", r, "", 404},
			{"GET", "/v1/articles/nope", "Bearer bad", "", 401},
			{"GET", "/v1/search?q=" + q("经济") + "&sort=newest&facets=section,author,month&explain=true&section=" + q("聚焦高质量发展 全力以赴拼经济"), r, "", 200},
			{"GET", "/v1/search?q=" + q("招商引资成绩亮眼") + "&explain=true", r, "", 200}, // a subhead of the seed page
			{"GET", "/v1/search?q=" + q("社区") + "&type=paragraph&collapse=article&since=2020-01-01&boost=recent", r, "", 200},
			{"GET", "/v1/search?q=" + q("社区") + "&since=lastweek", r, "", 400},
			{"GET", "/v1/search?q=" + q("社区") + "&since=-7x", r, "", 400},
			{"GET", "/v1/search?q=" + q("社区") + "&since=-1y&until=today", r, "", 200},
			{"GET", "/v1/search?q=" + q("社区") + "&on=2020-04-01", r, "", 200},
			{"GET", "/v1/search?q=" + q("社区") + "&on=04-01", r, "", 200},
			{"GET", "/v1/search?q=" + q("社区") + "&on=04-31", r, "", 400},
			{"GET", "/v1/search?q=zhongnan", r, "", 200},
			{"GET", "/v1/export?q=" + q("社区") + "&limit=3", r, "", 200},
			{"GET", "/v1/suggest?q=jingji", r, "", 200},
			{"GET", "/v1/export?q=" + q("社区") + "&format=ndjson&limit=5", r, "", 200},
			{"GET", "/v1/export?q=" + q("社区") + "&format=xlsx", r, "", 400},
			{"PUT", "/v1/synonyms", w, `{"rules": ["世卫组织, 世界卫生组织, WHO"]}`, 200},
			{"POST", "/v1/synonyms", w, `{"rules": ["土豆 => 马铃薯"]}`, 200},
			{"POST", "/v1/synonyms", w, `{"rules": ["孤词"]}`, 400},
			{"POST", "/v1/synonyms", r, `{"rules": ["a, b"]}`, 403},
			{"GET", "/v1/synonyms?expand=WHO", r, "", 200},
			{"DELETE", "/v1/synonyms?rule=" + q("土豆 => 马铃薯"), w, "", 200},
			{"DELETE", "/v1/synonyms?rule=" + q("土豆 => 马铃薯"), w, "", 404},
			{"GET", "/v1/suggest?q=" + q("二七"), r, "", 200},
			{"GET", "/v1/suggest?q=", r, "", 400},
			{"GET", "/v1/examples?size=3", r, "", 200},
			{"GET", "/v1/examples?size=0", r, "", 400},
			{"GET", "/v1/articles/" + id + "/related?size=3", r, "", 200},
			{"GET", "/v1/articles/nope/related", r, "", 404},
			{"GET", "/v1/articles/" + id + "/entities", r, "", 200},
			{"GET", "/v1/articles/nope/entities", r, "", 404},
			{"GET", "/v1/analyze?text=" + q("二七经开区管委会") + "&mode=index", r, "", 200},
			{"GET", "/v1/analyze?text=" + q("二七经开区") + "&mode=query", r, "", 200},
			{"GET", "/v1/analyze?text=", r, "", 400},
			{"POST", "/v1/dictionary", w, `{"words": [{"word": "杉杉奥特莱斯", "freq": 1000, "pos": "nz"}]}`, 202},
			{"POST", "/v1/dictionary", w, `{"words": [{"word": "杉杉奥特莱斯", "freq": 1000, "pos": "nz"}]}`, 200},
			{"POST", "/v1/dictionary", w, `{"words": []}`, 400},
			{"POST", "/v1/dictionary", r, `{"words": [{"word": "景静"}]}`, 403},
			{"GET", "/v1/dictionary", r, "", 200},
			{"GET", "/v1/dictionary/reindex", r, "", 200},
			{"GET", "/v1/articles?size=1", r, "", 200},
			{"GET", "/v1/articles?size=1000", r, "", 400},
			{"POST", "/v1/articles", w, testArticle("oa-1", "甲乙丙"), 201},
			{"POST", "/v1/articles", w, testArticle("oa-1", "甲乙丙"), 200},
			{"POST", "/v1/articles", w, `{"title": ""}`, 400},
			{"POST", "/v1/articles", r, testArticle("oa-x", "甲"), 403},
			{"POST", "/v1/articles", "", testArticle("oa-x", "甲"), 401},
			{"POST", "/v1/articles", w, testArticle("oa-5", "甲乙丙"), 201}, // a copy of oa-1
			{"GET", "/v1/articles/oa-1/duplicates", r, "", 200},
			{"GET", "/v1/articles/oa-1/duplicates?size=101", r, "", 400},
			{"GET", "/v1/articles/nope/duplicates", r, "", 404},
			{"GET", "/v1/search?q=" + q("甲乙丙") + "&collapse=story", r, "", 200},
			{"PUT", "/v1/articles/oa-2", w, testArticle("", "丁戊"), 201},
			{"DELETE", "/v1/articles/oa-2", w, "", 204},
			{"DELETE", "/v1/articles/oa-2", w, "", 404},
			{"POST", "/v1/pages?source=e2e", w, "# 版面\n\n## 标题一\n\n第一段。\n", 201},
			{"POST", "/v1/admin/snapshot", w, "", 201},
			{"POST", "/v1/admin/snapshot", r, "", 403},
			{"GET", "/v1/dictionary?limit=1&offset=0", r, "", 200},
			{"GET", "/v1/dictionary?limit=0", r, "", 400},
		})
		// NDJSON and the media types the document lists but JSON cases
		// cannot send.
		checkOpenAPI(t, p.base, []apiCase{
			{"POST", "/v1/articles", w, testArticle("oa-3", "庚") + "\n" + testArticle("oa-4", "辛") + "\n", 200},
		}, "application/x-ndjson")
	})

	t.Run("cors", func(t *testing.T) {
		status, h, _ := call(t, "OPTIONS", search, "", nil,
			"Origin", origin, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "Authorization")
		if status != 204 || h.Get("Access-Control-Allow-Origin") != origin ||
			!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "GET") {
			t.Errorf("preflight: %d %v", status, h)
		}
		status, h, _ = call(t, "OPTIONS", search, "", nil, "Origin", "https://elsewhere.example", "Access-Control-Request-Method", "GET")
		if h.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight of an unlisted origin allowed: %d %v", status, h)
		}
		status, h, _ = call(t, "GET", search, "Bearer "+readKey, nil, "Origin", origin)
		if status != 200 || h.Get("Access-Control-Allow-Origin") != origin || !strings.Contains(h.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
			t.Errorf("actual request: %d %v", status, h)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") ||
			h.Get("Referrer-Policy") == "" {
			t.Errorf("security headers: %v", h)
		}
	})

	t.Run("limits", func(t *testing.T) {
		auth := "Bearer " + readKey
		for _, tc := range []struct {
			name, method, u string
			body            string
			status          int
			code            string
		}{
			{"query at 10", "GET", p.base + "/v1/search?q=" + q("二七经开区二七经开区"), "", 200, ""},
			{"query over 10", "GET", p.base + "/v1/search?q=" + q("二七经开区二七经开区x"), "", 400, "query_too_long"},
			{"size 5", "GET", search + "&size=5", "", 200, ""},
			{"size 6", "GET", search + "&size=6", "", 400, "invalid_query"},
			{"body over 1KiB", "POST", p.base + "/v1/articles", strings.Repeat("x", 1025), 413, "too_large"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := auth
				if tc.method == "POST" {
					a = "Bearer " + writeKey
				}
				status, _, b := call(t, tc.method, tc.u, a, strings.NewReader(tc.body))
				if status != tc.status {
					t.Fatalf("status %d, want %d: %s", status, tc.status, b)
				}
				if tc.code != "" && errCode(t, b) != tc.code {
					t.Errorf("body %s, want code %s", b, tc.code)
				}
			})
		}
	})

	t.Run("concurrent searches", func(t *testing.T) {
		// One search at a time: a burst must see some refused at once with
		// Retry-After, and none queued into a timeout or failed otherwise.
		u := p.base + "/v1/search?type=paragraph&size=5&snippets=10&q=" + q("社区 OR 发展")
		refused := 0
		for round := 0; round < 10 && refused == 0; round++ {
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i := 0; i < 24; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequest("GET", u, nil)
					req.Header.Set("Authorization", "Bearer "+readKey)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					mu.Lock()
					defer mu.Unlock()
					switch {
					case resp.StatusCode == 200:
					case resp.StatusCode == 503 && resp.Header.Get("Retry-After") != "" && strings.Contains(string(b), `"overloaded"`):
						refused++
					default:
						t.Errorf("status %d %s", resp.StatusCode, b)
					}
				}()
			}
			wg.Wait()
		}
		if refused == 0 {
			t.Error("no search was refused in 10 bursts of 24 with --max-searches 1")
		}
	})

	t.Run("slowloris", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")); err != nil {
			t.Fatal(err)
		}
		// The client's deadline only keeps a broken server from hanging
		// the test: what is checked is who hangs up, not how soon.
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
		_, err = io.ReadAll(conn) // returns when the server hangs up
		if isTimeout(err) {
			t.Errorf("a client that never finished its headers kept the connection until the client gave up (--read-header-timeout 1s)")
		}
	})

	t.Run("metrics", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			call(t, "GET", search, "Bearer "+readKey, nil)
		}
		var ready struct{ Articles, Paragraphs int }
		getJSON(t, p.base+"/readyz", 200, &ready)
		status, h, b := call(t, "GET", p.base+"/metrics", "", nil)
		if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Fatalf("metrics: %d %v", status, h)
		}
		m := string(b)
		for _, want := range []string{
			`zhsearch_http_requests_total{method="GET",route="/v1/search",status="200"}`,
			`zhsearch_http_requests_total{method="GET",route="/v1/search",status="401"}`,
			`zhsearch_http_request_duration_seconds_bucket{method="GET",route="/v1/search",status="200",le="0.1"}`,
			`zhsearch_searches_total{outcome="ok",route="/v1/search"}`,
			`zhsearch_searches_total{outcome="client_error",route="/v1/search"}`,
			`zhsearch_ingest_requests_total{method="POST",outcome="client_error",route="/v1/articles"}`,
			fmt.Sprintf(`zhsearch_index_documents{type="article"} %d`, ready.Articles),
			fmt.Sprintf(`zhsearch_index_documents{type="paragraph"} %d`, ready.Paragraphs),
			"zhsearch_index_size_bytes ", // on disk since the snapshot cases
			`zhsearch_articles_written_total{op="put"} `,
			`zhsearch_articles_written_total{op="delete"} 1`,
			"zhsearch_dictionary_words ",
			`zhsearch_build_info{goversion="go`,
			`version="` + testVersion + `"`,
			"go_goroutines ",
			"go_memstats_heap_alloc_bytes ",
			"process_resident_memory_bytes ",
		} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(m, `route="/v1/nothing`) {
			t.Error("an unknown path became a metric label")
		}
	})

	t.Run("logs", func(t *testing.T) {
		_, h, _ := call(t, "GET", search+"&size=2", "Bearer "+readKey, nil, "X-Request-Id", "e2e-req-1")
		if h.Get("X-Request-Id") != "e2e-req-1" {
			t.Errorf("X-Request-Id %q", h.Get("X-Request-Id"))
		}
		call(t, "POST", p.base+"/v1/articles", "Bearer "+writeKey, strings.NewReader(`{"title":"secret-body-text"}`))
		p.waitLog(t, "e2e-req-1")
		logs := p.Logs()
		var line map[string]any
		for _, l := range strings.Split(logs, "\n") {
			if strings.Contains(l, "e2e-req-1") {
				if err := json.Unmarshal([]byte(l), &line); err != nil {
					t.Fatalf("not a JSON log line: %s", l)
				}
			}
		}
		for k, want := range map[string]any{"msg": "request", "route": "/v1/search", "status": float64(200), "method": "GET", "level": "INFO"} {
			if line[k] != want {
				t.Errorf("%s = %v, want %v in %v", k, line[k], want, line)
			}
		}
		if _, ok := line["latency_ms"].(float64); !ok {
			t.Errorf("no latency_ms in %v", line)
		}
		for _, secret := range []string{writeKey, readKey, "secret-body-text", "二七经开区"} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log shows %q", secret)
			}
		}
		if !strings.Contains(logs, "write endpoints require an API key") || strings.Contains(logs, "accept only loopback") {
			t.Errorf("start-up does not say writes need a key:\n%s", logs)
		}
	})
}

// TestOpsDefaultServer checks the defaults: writes only from loopback (and
// the start-up line saying so), open reads, no CORS, the healthcheck and
// version commands, and a request deadline that reaches the search.
func TestOpsDefaultServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	p := startProc(t, nil)
	addr := strings.TrimPrefix(p.base, "http://")
	p.waitLog(t, "write endpoints accept only loopback clients")

	t.Run("open reads, no CORS", func(t *testing.T) {
		status, h, _ := call(t, "GET", p.base+"/v1/search?q="+q("网格化"), "", nil, "Origin", origin)
		if status != 200 || h.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%d %v", status, h)
		}
	})

	t.Run("loopback rule", func(t *testing.T) {
		// From loopback the write passes auth (and reaches the route).
		status, _, b := call(t, "POST", p.base+"/v1/articles", "", strings.NewReader(`{}`))
		if status == 401 || status == 403 {
			t.Errorf("loopback write refused: %d %s", status, b)
		}
		// From another address of this machine it is refused.
		ip := nonLoopbackIP(t)
		p2 := startProc(t, nil, "--listen", net.JoinHostPort(ip, "0"))
		status, _, b = call(t, "POST", p2.base+"/v1/articles", "", strings.NewReader(`{}`))
		if status != 403 || errCode(t, b) != "forbidden" {
			t.Errorf("write from %s: %d %s", ip, status, b)
		}
		status, _, b = call(t, "POST", p2.base+"/v1/articles", "", strings.NewReader(`{}`), "X-Forwarded-For", "127.0.0.1")
		if status != 403 {
			t.Errorf("a forged X-Forwarded-For passed the loopback rule: %d %s", status, b)
		}
	})

	t.Run("healthcheck", func(t *testing.T) {
		bin := buildBinary(t)
		out, err := exec.Command(bin, "healthcheck", "--listen", addr).CombinedOutput()
		if err != nil {
			t.Errorf("healthcheck of a ready server: %v %s", err, out)
		}
		_, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command(bin, "healthcheck")
		cmd.Env = append(os.Environ(), "ZHSEARCH_LISTEN=0.0.0.0:"+port)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("healthcheck via ZHSEARCH_LISTEN=0.0.0.0:%s: %v %s", port, err, out)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := ln.Addr().String()
		ln.Close()
		err = exec.Command(bin, "healthcheck", "--listen", closed, "--timeout", "2s").Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Errorf("healthcheck of nothing: %v, want exit 1", err)
		}
	})

	t.Run("search command", func(t *testing.T) {
		out, err := exec.Command(buildBinary(t), "search", "--server", p.base, "网格化", "--type", "paragraph", "--size", "2").Output()
		if err != nil || !strings.Contains(string(out), "paragraph hits for 网格化") || !strings.Contains(string(out), "“党建+网格化”") ||
			strings.Contains(string(out), "<mark>") || strings.Contains(string(out), "\x1b[") {
			t.Errorf("piped output: %v\n%s", err, out)
		}
		out, err = exec.Command(buildBinary(t), "search", "--server", p.base, "--color", "always", "网格化").Output()
		if err != nil || !strings.Contains(string(out), ansiMark+"网格化"+ansiReset) {
			t.Errorf("coloured output: %v\n%q", err, out)
		}
		out, err = exec.Command(buildBinary(t), "search", "--server", p.base, "--since", "someday", "网格化").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "400") {
			t.Errorf("bad --since: %v %s", err, out)
		}
		// Without --data or --server: the server at ZHSEARCH_LISTEN, or a
		// refusal naming the choices; never a made-up index.
		listenAt := func(addr string, args ...string) ([]byte, error) {
			cmd := exec.Command(buildBinary(t), append([]string{"search", "--color", "never"}, args...)...)
			cmd.Env = append(os.Environ(), "ZHSEARCH_DATA=", "ZHSEARCH_LISTEN="+addr)
			return cmd.CombinedOutput()
		}
		out, err = listenAt(strings.TrimPrefix(p.base, "http://"), "网格化")
		if err != nil || !strings.Contains(string(out), "article hits for 网格化") || strings.Contains(string(out), "0 article hits") {
			t.Errorf("search asking ZHSEARCH_LISTEN: %v\n%s", err, out)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		nobody := ln.Addr().String()
		ln.Close()
		out, err = listenAt(nobody, "网格化")
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "no zhsearch server answers at http://"+nobody) ||
			!strings.Contains(string(out), "--data DIR") {
			t.Errorf("search with no server and no --data: %v\n%s", err, out)
		}
	})

	t.Run("version", func(t *testing.T) {
		out, err := exec.Command(buildBinary(t), "version").Output()
		if err != nil || !strings.HasPrefix(string(out), "zhsearch "+testVersion+" ") {
			t.Errorf("version: %q %v", out, err)
		}
	})

	t.Run("request timeout reaches the search", func(t *testing.T) {
		p := startProc(t, []string{"ZHSEARCH_REQUEST_TIMEOUT=1ns"})
		status, _, b := call(t, "GET", p.base+"/v1/search?q="+q("网格化"), "", nil)
		if status != 503 || errCode(t, b) != "timeout" {
			t.Errorf("%d %s", status, b)
		}
		if status, _, _ := call(t, "GET", p.base+"/readyz", "", nil); status != 200 {
			t.Errorf("readyz under a 1ns request timeout: %d", status)
		}
	})
}

// nonLoopbackIP is an address of this machine that is not loopback.
func nonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Skip("this machine has no non-loopback IPv4 address")
	return ""
}

// TestBadSettingsStopStartup checks that an invalid value stops start-up
// with a message naming the setting, before the dictionary starts loading
// (TestDataDirLock shows a good start logs that it does).
func TestBadSettingsStopStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--max-size", "500"}, "", "-max-size"},
		{nil, "ZHSEARCH_TIMEZONE=Mars/Olympus", "ZHSEARCH_TIMEZONE"},
		{nil, "ZHSEARCH_CORS_ORIGINS=news.example.com", "ZHSEARCH_CORS_ORIGINS"},
		{nil, "ZHSEARCH_LOG_FORMAT=xml", "ZHSEARCH_LOG_FORMAT"},
		{nil, "ZHSEARCH_REQUEST_TIMEOUT=soon", "ZHSEARCH_REQUEST_TIMEOUT"},
		{nil, "ZHSEARCH_MAX_BODY=lots", "ZHSEARCH_MAX_BODY"},
		{nil, "ZHSEARCH_SEED=maybe", "ZHSEARCH_SEED"},
		{[]string{"--listen", "8080"}, "", "-listen"},
		{[]string{"--request-timeout", "2m"}, "", "--write-timeout"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"serve"}, tc.args...)...)
			cmd.Env = os.Environ()
			if tc.env != "" {
				cmd.Env = append(cmd.Env, tc.env)
			}
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
				t.Errorf("exit %v, want 2: %s", err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("message %q does not name %s", out, tc.want)
			}
			if strings.Contains(string(out), msgLoadingDictionary) {
				t.Errorf("the dictionary started loading: settings must be checked before it\n%s", out)
			}
		})
	}
}

// TestDataDirLock checks that a second process on the same --data fails
// fast with a clear message, and that the lock goes with the process.
func TestDataDirLock(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	data := t.TempDir()
	first := startProc(t, nil, "--data", data, "--seed")
	if !strings.Contains(first.Logs(), msgLoadingDictionary) {
		t.Errorf("a good start does not log %q:\n%s", msgLoadingDictionary, first.Logs())
	}
	cmd := exec.Command(buildBinary(t), "serve", "--listen", "127.0.0.1:0", "--data", data)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("second process: %v, want exit 1: %s", err, out)
	}
	if !strings.Contains(string(out), "in use by another zhsearch process") || !strings.Contains(string(out), fmt.Sprint(first.cmd.Process.Pid)) {
		t.Errorf("message %q does not say who holds the directory", out)
	}
	if strings.Contains(string(out), msgLoadingDictionary) {
		t.Errorf("the second process loaded the dictionary before finding the directory locked:\n%s", out)
	}
	// search on the same directory is refused the same way.
	out, err = exec.Command(buildBinary(t), "search", "--data", data, "网格化").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use by another zhsearch process") {
		t.Errorf("search on a held directory: %v %s", err, out)
	}
	// Once the first stops, the directory opens, with the seed page kept.
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := first.wait(t, 20*time.Second); err != nil {
		t.Fatalf("first process: %v\n%s", err, first.Logs())
	}
	out, err = exec.Command(buildBinary(t), "search", "--data", data, "--color", "never", "网格化").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1 article hits for 网格化") {
		t.Errorf("search after the server stopped: %v %s", err, out)
	}
}
