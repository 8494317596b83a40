package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/seeds"
)

var (
	fuzzOnce    sync.Once
	fuzzHandler http.Handler
	fuzzErr     error
)

// fuzzServer is the whole API (reads, writes, admin) over an in-memory
// index holding the seed page, shared by every fuzz input.
func fuzzServer(t testing.TB) http.Handler {
	t.Helper()
	fuzzOnce.Do(func() {
		ix, err := index.Open(index.Options{})
		if err != nil {
			fuzzErr = err
			return
		}
		for _, p := range seeds.Pages() {
			page, err := article.ParsePage(strings.NewReader(p.Text), article.PageMeta{Source: "seed", Page: p.Name})
			if err != nil {
				fuzzErr = err
				return
			}
			for i := range page.Articles {
				if fuzzErr = ix.Put(context.Background(), &page.Articles[i]); fuzzErr != nil {
					return
				}
			}
		}
		fuzzHandler = New(Config{Backend: ix, Store: ix, Snapshots: noSnapshots{},
			MaxRequestBytes: 1 << 20, SearchTimeout: 2 * time.Second})
	})
	if fuzzErr != nil {
		t.Fatal(fuzzErr)
	}
	return fuzzHandler
}

type noSnapshots struct{}

func (noSnapshots) Snapshot(context.Context) (*Snapshot, error) { return nil, index.ErrNoBackup }

var fuzzMethods = []string{"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"}

// FuzzHTTP sends random requests (method, path and query string, content
// type, body) to the API in process: none may panic, answer 500 or take
// longer than a few seconds, and every answer but HEAD's is JSON.
func FuzzHTTP(f *testing.F) {
	for _, s := range []struct {
		m          uint8
		target, ct string
		body       string
	}{
		{0, "/v1/search?q=二七经开区&snippets=2&facets=section,month", "", ""},
		{0, "/v1/search?q=%22二七%20-地铁&type=paragraph&collapse=article&sort=newest", "", ""},
		{0, "/v1/search?q=a%20OR%20b&since=2024-13-01&until=x&page=0&size=1000", "", ""},
		{0, "/v1/search?q=地铁*&cursor=AAAA&boost=recent&explain=true", "", ""},
		{0, "/v1/suggest?q=二&size=-1", "", ""},
		{0, "/v1/articles/%FF%FE/related?size=99", "", ""},
		{0, "/v1/articles?page=99999999999999999999&size=1", "", ""},
		{1, "/v1/articles", "application/json", `{"title": "标题", "body": "正文。", "published_at": "2024-07-01"}`},
		{1, "/v1/articles?strict=true", "application/x-ndjson", "{\"title\": \"甲\", \"body\": \"一。\"}\n{bad\n\xff\xfe\n"},
		{2, "/v1/articles/x%2Fy", "application/json", `{"title": "乙", "paragraphs": [{"text": "二。", "subhead": "小标题"}]}`},
		{3, "/v1/articles/nope", "", ""},
		{1, "/v1/pages?published_at=2024-07-01&source=晚报&page=A03", "text/plain", "## 标题\n\n记者 景静 文/图\n\n正文。"},
		{1, "/v1/admin/snapshot", "", ""},
		{1, "/v1/articles", "application/json", `[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`},
	} {
		f.Add(s.m, s.target, s.ct, []byte(s.body))
	}
	h := fuzzServer(f)
	f.Fuzz(func(t *testing.T, m uint8, target, ctype string, body []byte) {
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+target, strings.NewReader(string(body)))
		if err != nil {
			return // not a request a client can send
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.ServeHTTP(rec, req)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s %s: no answer in 10s", method, target)
		}
		desc := fmt.Sprintf("%s %q (%q, %d bytes): %d %s", method, target, ctype, len(body), rec.Code, rec.Body.String())
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatal(desc)
		}
		if method != "HEAD" && rec.Code != http.StatusNoContent && !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("not JSON: %s", desc)
		}
	})
}
