package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/index"
)

// writeServer is a real API over an in-memory index.
func writeServer(t *testing.T, cfg Config) (string, *index.Index) {
	t.Helper()
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	cfg.Backend, cfg.Store = ix, ix
	srv := httptest.NewServer(New(cfg))
	t.Cleanup(srv.Close)
	return srv.URL, ix
}

type answer struct {
	status int
	body   map[string]any
	header http.Header
}

func do(t *testing.T, method, u, ctype string, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %q", method, u, raw)
		}
	}
	return a
}

// errCode checks the error shape and returns its code.
func errCode(t *testing.T, a answer) string {
	t.Helper()
	e, ok := a.body["error"].(map[string]any)
	if !ok || e["code"] == "" || e["message"] == "" {
		t.Fatalf("status %d: body %v lacks {\"error\": {\"code\", \"message\"}}", a.status, a.body)
	}
	return e["code"].(string)
}

func searchTotal(t *testing.T, base, q, typ string) int {
	t.Helper()
	a := do(t, "GET", base+"/v1/search?q="+url.QueryEscape(q)+"&type="+typ, "", nil)
	if a.status != 200 {
		t.Fatalf("search %q: %d %v", q, a.status, a.body)
	}
	return int(a.body["total"].(float64))
}

func TestPostOneArticle(t *testing.T) {
	base, _ := writeServer(t, Config{})
	a := do(t, "POST", base+"/v1/articles", "application/json",
		strings.NewReader(`{"id": "a1", "title": "郑州地铁新线开通", "body": "今天上午，地铁新线开通。\n\n市民纷纷乘坐。", "published_at": "2024-07-01", "authors": ["张三"], "extra": 1}`))
	if a.status != 201 || a.body["id"] != "a1" || a.body["status"] != "created" || a.body["paragraphs"] != 2.0 {
		t.Fatalf("POST: %d %v", a.status, a.body)
	}
	if a.header.Get("Location") != "/v1/articles/a1" || len(a.body["warnings"].([]any)) != 1 {
		t.Errorf("Location %q, warnings %v", a.header.Get("Location"), a.body["warnings"])
	}
	// Visible to the next search and readable in the input schema.
	if n := searchTotal(t, base, "地铁", "article"); n != 1 {
		t.Errorf("search after 201: %d hits", n)
	}
	got := do(t, "GET", base+"/v1/articles/a1", "", nil)
	ps := got.body["paragraphs"].([]any)
	if got.status != 200 || len(ps) != 2 || ps[1].(map[string]any)["index"] != 1.0 || got.body["published_at"] != "2024-07-01" {
		t.Errorf("GET: %d %v", got.status, got.body)
	}
	// What GET returns can be sent back as is.
	raw, _ := json.Marshal(got.body)
	again := do(t, "PUT", base+"/v1/articles/a1", "application/json", bytes.NewReader(raw))
	if again.status != 200 || again.body["status"] != "replaced" {
		t.Errorf("PUT of GET's answer: %d %v", again.status, again.body)
	}
	// strict mode
	strict := do(t, "POST", base+"/v1/articles?strict=true", "application/json", strings.NewReader(`{"title": "t", "body": "x", "extra": 1}`))
	if strict.status != 400 || errCode(t, strict) != "invalid_article" {
		t.Errorf("strict: %d %v", strict.status, strict.body)
	}
}

func TestWriteErrors(t *testing.T) {
	base, ix := writeServer(t, Config{MaxArticleBytes: 1000, MaxRequestBytes: 4000})
	do(t, "PUT", base+"/v1/articles/keep", "application/json", strings.NewReader(`{"title": "保留的文章", "body": "不能丢。"}`))
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
	}{
		{"invalid json", "POST", "/v1/articles", "application/json", `{"title": `, 400, "invalid_article"},
		{"invalid utf-8", "POST", "/v1/articles", "application/json", "{\"title\": \"\xff\", \"body\": \"x\"}", 400, "invalid_article"},
		{"missing title", "POST", "/v1/articles", "application/json", `{"body": "x"}`, 400, "invalid_article"},
		{"empty text", "POST", "/v1/articles", "application/json", `{"title": "t", "paragraphs": [""]}`, 400, "invalid_article"},
		{"bad date", "POST", "/v1/articles", "application/json", `{"title": "t", "body": "x", "published_at": "July 1"}`, 400, "invalid_article"},
		{"empty body", "POST", "/v1/articles", "application/json", ``, 400, "invalid_article"},
		{"array", "POST", "/v1/articles", "application/json", `[]`, 400, "invalid_article"},
		{"article too large", "POST", "/v1/articles", "application/json", `{"title": "t", "body": "` + strings.Repeat("x", 1200) + `"}`, 413, "too_large"},
		{"multipart", "POST", "/v1/articles", "multipart/form-data; boundary=x", `--x--`, 415, "unsupported_media_type"},
		{"bad content type", "POST", "/v1/articles", "a/b/c", `{}`, 415, "unsupported_media_type"},
		{"bad strict", "POST", "/v1/articles?strict=maybe", "application/json", `{}`, 400, "invalid_parameter"},
		{"put id mismatch", "PUT", "/v1/articles/x", "application/json", `{"id": "y", "title": "t", "body": "x"}`, 400, "invalid_article"},
		{"put ndjson", "PUT", "/v1/articles/x", "application/x-ndjson", `{}`, 415, "unsupported_media_type"},
		{"delete unknown", "DELETE", "/v1/articles/nope", "", ``, 404, "not_found"},
		{"ndjson empty", "POST", "/v1/articles", "application/x-ndjson", "\n\n", 400, "empty_body"},
		{"ndjson too large", "POST", "/v1/articles", "application/x-ndjson", strings.Repeat(`{"title": "t", "body": "x"}`+"\n", 200), 413, "too_large"},
		{"page without titles", "POST", "/v1/pages", "text/plain", "只有正文。", 400, "no_articles"},
		{"page bad date", "POST", "/v1/pages?published_at=2024-7-1", "text/plain", "## 标题\n\n正文。", 400, "invalid_parameter"},
		{"page invalid utf-8", "POST", "/v1/pages", "text/plain", "## 标题\n\n\xff", 400, "invalid_article"},
		{"page json", "POST", "/v1/pages", "application/json", "{}", 415, "unsupported_media_type"},
		{"list bad size", "GET", "/v1/articles?size=1000", "", ``, 400, "invalid_query"},
		{"list bad page", "GET", "/v1/articles?page=x", "", ``, 400, "invalid_parameter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, tc.method, base+tc.path, tc.ctype, strings.NewReader(tc.body))
			if a.status != tc.status || errCode(t, a) != tc.code {
				t.Errorf("%d %v, want %d %s", a.status, a.body, tc.status, tc.code)
			}
		})
	}
	// Nothing accepted before was lost.
	if _, err := ix.Get(t.Context(), "keep"); err != nil {
		t.Errorf("the earlier article: %v", err)
	}
}

func TestPostNDJSON(t *testing.T) {
	base, _ := writeServer(t, Config{MaxArticleBytes: 2000})
	body := strings.Join([]string{
		`{"id": "n1", "title": "第一篇", "paragraphs": ["黄河流域生态保护。"], "published_at": "2024-01-01T08:00:00+08:00"}`,
		`{"id": "n2", "title": "", "paragraphs": ["x"]}`,
		``,
		`not json`,
		`{"id": "n3", "title": "第三篇", "body": "嵩山社区。", "color": "red"}`,
		`{"id": "n4", "title": "第四篇", "body": "` + strings.Repeat("长", 1000) + `"}`,
		`{"id": "n5", "title": "第五篇", "body": "x", "published_at": "2024-02-30"}`,
		"{\"id\": \"n6\", \"title\": \"\xff\", \"body\": \"x\"}",
		`{"id": "n7", "title": "第七篇", "body": "最后一行没有换行。"}`,
	}, "\n")
	a := do(t, "POST", base+"/v1/articles", "application/x-ndjson; charset=utf-8", strings.NewReader(body))
	if a.status != 200 || a.body["accepted"] != 3.0 || a.body["rejected"] != 5.0 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	want := []struct {
		line   float64
		status string
		msg    string
	}{{1, "stored", ""}, {2, "rejected", "missing title"}, {4, "rejected", "JSON object"}, {5, "stored", ""},
		{6, "rejected", "over the limit"}, {7, "rejected", "RFC 3339"}, {8, "rejected", "UTF-8"}, {9, "stored", ""}}
	results := a.body["results"].([]any)
	if len(results) != len(want) {
		t.Fatalf("results %v", results)
	}
	for i, w := range want {
		r := results[i].(map[string]any)
		if r["line"] != w.line || r["status"] != w.status {
			t.Errorf("result %d = %v, want line %v %s", i, r, w.line, w.status)
		}
		if w.msg != "" && !strings.Contains(r["error"].(map[string]any)["message"].(string), w.msg) {
			t.Errorf("result %d = %v, want message ~%q", i, r, w.msg)
		}
	}
	if w := results[3].(map[string]any)["warnings"]; w == nil {
		t.Errorf("line 5's unknown field gave no warning")
	}
	if n := searchTotal(t, base, "黄河", "paragraph") + searchTotal(t, base, "嵩山社区", "article"); n != 2 {
		t.Errorf("stored lines not searchable: %d", n)
	}
	all := do(t, "POST", base+"/v1/articles", "application/x-ndjson", strings.NewReader("{}\n[1]\n"))
	if all.status != 400 || errCode(t, all) != "invalid_article" || all.body["rejected"] != 2.0 {
		t.Errorf("all rejected: %d %v", all.status, all.body)
	}
}

// TestNDJSONOverLimitKeepsEarlierLines: a stream that passes the request
// limit is answered 413, and the whole lines before the limit are stored.
func TestNDJSONOverLimitKeepsEarlierLines(t *testing.T) {
	base, ix := writeServer(t, Config{MaxRequestBytes: 2000})
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 100; i++ {
			fmt.Fprintf(pw, `{"id": "s%d", "title": "流式%d", "body": "内容。"}`+"\n", i, i)
		}
		pw.Close()
	}()
	a := do(t, "POST", base+"/v1/articles", "application/x-ndjson", pr) // chunked: no Content-Length
	if a.status != 413 || errCode(t, a) != "too_large" {
		t.Fatalf("%d %v", a.status, a.body)
	}
	stored := int(a.body["accepted"].(float64))
	if stored == 0 {
		t.Fatal("no line before the limit was stored")
	}
	if s, _ := ix.Stats(t.Context()); int(s.Articles) != stored {
		t.Errorf("answer says %d stored, index has %d", stored, s.Articles)
	}
}

func TestPutDeleteAndConcurrentPuts(t *testing.T) {
	base, ix := writeServer(t, Config{})
	long := `{"title": "长版本", "paragraphs": ["一段 longa0。", "二段 longa1。", "三段 longa2。", "四段 longa3。"]}`
	if a := do(t, "PUT", base+"/v1/articles/p1", "application/json", strings.NewReader(long)); a.status != 201 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	short := `{"title": "短版本", "paragraphs": ["只有一段 shortb0。"]}`
	if a := do(t, "PUT", base+"/v1/articles/p1", "application/json", strings.NewReader(short)); a.status != 200 || a.body["status"] != "replaced" {
		t.Fatalf("%d %v", a.status, a.body)
	}
	if n := searchTotal(t, base, "longa3", "paragraph"); n != 0 {
		t.Errorf("orphan paragraph of the longer version: %d hits", n)
	}
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var ps []string
			for i := 0; i <= w; i++ {
				ps = append(ps, fmt.Sprintf(`"段落 w%dp%d。"`, w, i))
			}
			body := fmt.Sprintf(`{"title": "作者%d", "paragraphs": [%s]}`, w, strings.Join(ps, ","))
			req, _ := http.NewRequest("PUT", base+"/v1/articles/p1", strings.NewReader(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				t.Errorf("PUT %d: %d", w, resp.StatusCode)
			}
		}(w)
	}
	wg.Wait()
	got, err := ix.Get(t.Context(), "p1")
	if err != nil {
		t.Fatal(err)
	}
	var w int
	fmt.Sscanf(got.Title, "作者%d", &w)
	if len(got.Paragraphs) != w+1 {
		t.Errorf("version %d has %d paragraphs: a mix", w, len(got.Paragraphs))
	}
	if s, _ := ix.Stats(t.Context()); s.Paragraphs != uint64(w+1) {
		t.Errorf("index holds %d paragraphs, version %d has %d", s.Paragraphs, w, w+1)
	}

	if a := do(t, "DELETE", base+"/v1/articles/p1", "", nil); a.status != 204 {
		t.Fatalf("DELETE: %d %v", a.status, a.body)
	}
	if a := do(t, "GET", base+"/v1/articles/p1", "", nil); a.status != 404 {
		t.Errorf("GET after DELETE: %d", a.status)
	}
	if s, _ := ix.Stats(t.Context()); s != (index.Stats{}) {
		t.Errorf("after DELETE the index holds %+v", s)
	}
}

func TestPostPageAndList(t *testing.T) {
	base, _ := writeServer(t, Config{})
	page := "# 要闻\n\n引题一行\n\n## 第一篇标题\n\n第一段没有写\n\n完。\n\n记者 张三\n\n## 第二篇标题\n\n正文。本报记者 李四 文/图\n"
	a := do(t, "POST", base+"/v1/pages?published_at=2024-07-01&source=%E9%83%91%E5%B7%9E%E6%99%9A%E6%8A%A5&page=A01", "text/plain; charset=utf-8", strings.NewReader(page))
	if a.status != 201 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	arts := a.body["articles"].([]any)
	if len(arts) != 2 || arts[0].(map[string]any)["paragraphs"] != 1.0 {
		t.Fatalf("articles %v", arts)
	}
	id := arts[0].(map[string]any)["id"].(string)
	got := do(t, "GET", base+"/v1/articles/"+id, "", nil).body
	if got["kicker"] != "引题一行" || got["source"] != "郑州晚报" || got["page"] != "A01" || got["section"] != "要闻" || got["published_at"] != "2024-07-01" {
		t.Errorf("article %v", got)
	}
	for i, d := range []string{"2023-01-01", "2025-01-01"} {
		do(t, "PUT", base+fmt.Sprintf("/v1/articles/l%d", i), "application/json", strings.NewReader(fmt.Sprintf(`{"title": "t", "body": "x", "published_at": %q}`, d)))
	}
	l := do(t, "GET", base+"/v1/articles?page=1&size=3", "", nil)
	if l.status != 200 || l.body["total"] != 4.0 {
		t.Fatalf("%d %v", l.status, l.body)
	}
	var order []string
	for _, a := range l.body["articles"].([]any) {
		order = append(order, a.(map[string]any)["published_at"].(string))
	}
	if strings.Join(order, " ") != "2025-01-01 2024-07-01 2024-07-01" {
		t.Errorf("order %q", order)
	}
}

func TestReadOnlyWithoutStore(t *testing.T) {
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	srv := httptest.NewServer(New(Config{Backend: ix}))
	defer srv.Close()
	a := do(t, "POST", srv.URL+"/v1/articles", "application/json", strings.NewReader(`{"title": "t", "body": "x"}`))
	if a.status/100 != 4 {
		t.Errorf("write without a store: %d", a.status)
	}
}

func TestWriteMiddlewareGuardsWrites(t *testing.T) {
	deny := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return &apiError{http.StatusUnauthorized, "unauthorized", "no key"} }
	}
	base, _ := writeServer(t, Config{WriteMiddleware: []echo.MiddlewareFunc{deny}})
	for _, r := range []struct{ method, path string }{{"POST", "/v1/articles"}, {"PUT", "/v1/articles/x"}, {"DELETE", "/v1/articles/x"}, {"POST", "/v1/pages"}} {
		if a := do(t, r.method, base+r.path, "application/json", strings.NewReader(`{}`)); a.status != 401 {
			t.Errorf("%s %s: %d", r.method, r.path, a.status)
		}
	}
	for _, p := range []string{"/v1/articles", "/v1/search?q=x", "/v1/articles/none"} {
		if a := do(t, "GET", base+p, "", nil); a.status == 401 {
			t.Errorf("GET %s guarded", p)
		}
	}
}

// TestSlowBulkOutlivesServerTimeouts: an NDJSON stream that keeps making
// progress is not cut by the server's read/write timeouts.
func TestSlowBulkOutlivesServerTimeouts(t *testing.T) {
	if testing.Short() {
		t.Skip("takes seconds")
	}
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	srv := httptest.NewUnstartedServer(New(Config{Backend: ix, Store: ix}))
	// The stream lasts longer than the timeouts (15 × 200 ms > 2 s), each
	// gap far shorter (a 1.8 s stall would be needed to break it).
	srv.Config.ReadTimeout = 2 * time.Second
	srv.Config.WriteTimeout = 2 * time.Second
	srv.Start()
	defer srv.Close()
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 15; i++ {
			fmt.Fprintf(pw, `{"id": "slow%d", "title": "慢%d", "body": "x"}`+"\n", i, i)
			time.Sleep(200 * time.Millisecond)
		}
		pw.Close()
	}()
	a := do(t, "POST", srv.URL+"/v1/articles", "application/x-ndjson", pr)
	if a.status != 200 || a.body["accepted"] != 15.0 {
		t.Errorf("%d %v", a.status, a.body)
	}
}

// TestWriteDeadlineStoresNothing checks that a write past its deadline
// answers 503 and stores nothing, on every write endpoint.
func TestWriteDeadlineStoresNothing(t *testing.T) {
	base, ix := writeServer(t, Config{WriteDeadline: time.Nanosecond})
	art := func(id string) string {
		return fmt.Sprintf(`{"id":%q,"title":"二七经开区","paragraphs":["二七经开区位居全省第六名。"]}`, id)
	}
	for _, tc := range []struct {
		name, method, path, ctype, body string
		ids                             []string
	}{
		{"POST one", "POST", "/v1/articles", "application/json", art("late-1"), []string{"late-1"}},
		{"PUT", "PUT", "/v1/articles/late-2", "application/json", art("late-2"), []string{"late-2"}},
		{"NDJSON", "POST", "/v1/articles", "application/x-ndjson", art("late-3") + "\n" + art("late-4") + "\n", []string{"late-3", "late-4"}},
		{"page", "POST", "/v1/pages?source=t", "text/markdown", "## 迟到的标题\n\n二七经开区位居全省第六名。\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, tc.method, base+tc.path, tc.ctype, strings.NewReader(tc.body))
			if a.status != http.StatusServiceUnavailable {
				t.Fatalf("status %d (%v), want 503", a.status, a.body)
			}
			if tc.name == "NDJSON" {
				if a.body["accepted"].(float64) != 0 || a.body["rejected"].(float64) != 2 {
					t.Errorf("answer %v: want 0 accepted, 2 rejected", a.body)
				}
			} else if errCode(t, a) != "timeout" {
				t.Errorf("code %q, want timeout", errCode(t, a))
			}
			for _, id := range tc.ids {
				if _, err := ix.Get(t.Context(), id); err == nil {
					t.Errorf("article %s is stored after a write past its deadline", id)
				}
			}
		})
	}
	st, err := ix.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Articles != 0 {
		t.Errorf("%d articles stored, want none", st.Articles)
	}
}

// TestPagePublishedAtSaysTheYearRange checks that a date out of range is
// refused with the accepted years, not only the formats.
func TestPagePublishedAtSaysTheYearRange(t *testing.T) {
	base, _ := writeServer(t, Config{})
	for _, v := range []string{"1600-01-01", "2300-01-01T00:00:00Z", "yesterday"} {
		a := do(t, "POST", base+"/v1/pages?published_at="+url.QueryEscape(v), "text/markdown", strings.NewReader("## 标题\n\n正文。\n"))
		msg, _ := a.body["error"].(map[string]any)["message"].(string)
		if a.status != http.StatusBadRequest || !strings.Contains(msg, "1678") || !strings.Contains(msg, "2261") || !strings.Contains(msg, v) {
			t.Errorf("published_at=%s: %d %q; want 400 naming the value and the years 1678 to 2261", v, a.status, msg)
		}
	}
}

// TestDerivedIDs: articles without id and url get ids derived from their
// source, date, page, title and text, so two articles with one title stay
// apart; and a write that replaces an article under a derived id says so.
func TestDerivedIDs(t *testing.T) {
	base, _ := writeServer(t, Config{})
	post := func(ctype, body string) answer {
		t.Helper()
		return do(t, "POST", base+"/v1/articles", ctype, strings.NewReader(body))
	}
	a1 := `{"title": "市政府召开常务会议", "published_at": "2024-03-01", "body": "会议研究了春季植树工作。"}`
	a2 := `{"title": "市政府召开常务会议", "published_at": "2024-03-08", "body": "会议研究了防汛准备工作。"}`
	a3 := `{"title": "市政府召开常务会议", "published_at": "2024-03-01", "body": "会议部署了安全生产检查。"}`
	ids := map[string]bool{}
	for _, b := range []string{a1, a2, a3} {
		a := post("application/json", b)
		if a.status != 201 || a.body["status"] != "created" || a.body["warnings"] != nil {
			t.Fatalf("%s: %d %v, want 201 created without a warning", b, a.status, a.body)
		}
		ids[a.body["id"].(string)] = true
	}
	if len(ids) != 3 {
		t.Errorf("three articles with one title got ids %v", ids)
	}
	// The same article again replaces itself, and says why.
	a := post("application/json", a1)
	if a.status != 200 || a.body["status"] != "replaced" || !strings.Contains(fmt.Sprint(a.body["warnings"]), "derived from its source, date, page, title and text") {
		t.Errorf("same article again: %d %v, want 200 replaced with a warning", a.status, a.body)
	}
	// An explicit id replacing its article is no news: no warning.
	for i := 0; i < 2; i++ {
		a = post("application/json", `{"id": "given", "title": "t", "body": "x"}`)
	}
	if a.body["status"] != "replaced" || a.body["warnings"] != nil {
		t.Errorf("explicit id replaced: %v", a.body)
	}
	// NDJSON: a line replacing a stored article or an earlier line under a
	// derived id carries a warning; a new one does not.
	a = post("application/x-ndjson", a2+"\n"+a2+"\n"+`{"title": "新文章", "body": "正文。"}`+"\n")
	res, _ := a.body["results"].([]any)
	if a.status != 200 || len(res) != 3 {
		t.Fatalf("NDJSON: %d %v", a.status, a.body)
	}
	for i, want := range []string{"is that of a stored article", "is that of line 1", ""} {
		w := fmt.Sprint(res[i].(map[string]any)["warnings"])
		if want == "" && w != "<nil>" || want != "" && !strings.Contains(w, want) {
			t.Errorf("line %d: warnings %s, want %q", i+1, w, want)
		}
	}
}

// TestOneRuleForIDs: the id of the URL (PUT, GET, DELETE, related) and the
// id of a JSON body follow one rule (article.ValidID): an escaped '/' in
// the path is the '/' it stands for, refused like the JSON id "a/b", never
// stored as its literal escape; control characters are refused too, and an
// escaped character that is allowed stands for itself.
func TestOneRuleForIDs(t *testing.T) {
	base, ix := writeServer(t, Config{})
	body := `{"title": "标题", "body": "正文。"}`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"PUT escaped slashes", "PUT", "/v1/articles/..%2F..%2Fx", body, 400, "invalid_id"},
		{"PUT escaped slash", "PUT", "/v1/articles/a%2Fb", body, 400, "invalid_id"},
		{"PUT escaped NUL", "PUT", "/v1/articles/a%00b", body, 400, "invalid_id"},
		{"PUT escaped escape", "PUT", "/v1/articles/a%1Bb", body, 400, "invalid_id"},
		{"PUT escaped question mark", "PUT", "/v1/articles/a%3Fb", body, 400, "invalid_id"},
		{"GET escaped slashes", "GET", "/v1/articles/..%2F..%2Fx", "", 400, "invalid_id"},
		{"DELETE escaped slashes", "DELETE", "/v1/articles/..%2F..%2Fx", "", 400, "invalid_id"},
		{"related escaped slashes", "GET", "/v1/articles/..%2F..%2Fx/related", "", 400, "invalid_id"},
		{"JSON id with a slash", "POST", "/v1/articles", `{"id": "a/b", "title": "标题", "body": "正文。"}`, 400, "invalid_article"},
		{"JSON id with NUL", "POST", "/v1/articles", `{"id": "a\u0000b", "title": "标题", "body": "正文。"}`, 400, "invalid_article"},
		{"JSON id with a line break", "POST", "/v1/articles", `{"id": "a\nb", "title": "标题", "body": "正文。"}`, 400, "invalid_article"},
		{"PUT escaped space", "PUT", "/v1/articles/a%20b%25c", body, 201, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r io.Reader
			if tc.body != "" {
				r = strings.NewReader(tc.body)
			}
			a := do(t, tc.method, base+tc.path, "application/json", r)
			e, _ := a.body["error"].(map[string]any)
			if a.status != tc.status || (tc.code != "" && (e["code"] != tc.code || !strings.Contains(fmt.Sprint(e["message"]), "id"))) {
				t.Errorf("%d %v, want %d %s naming the id", a.status, a.body, tc.status, tc.code)
			}
		})
	}
	if a, err := ix.Get(context.Background(), "a b%c"); err != nil || a.Title != "标题" {
		t.Errorf("PUT /v1/articles/a%%20b%%25c: stored as %v %v, want the id \"a b%%c\"", a, err)
	}
	if a := do(t, "GET", base+"/v1/articles/a%20b%25c", "", nil); a.status != 200 || a.body["id"] != "a b%c" {
		t.Errorf("GET it back: %d %v", a.status, a.body)
	}
	for _, id := range []string{"..%2F..%2Fx", "../../x", "a%2Fb", "a/b"} {
		if _, err := ix.Get(context.Background(), id); err == nil {
			t.Errorf("the id %q was stored", id)
		}
	}
}

// TestControlCharactersRefused: NUL and other control characters in any
// text field of an article are refused, with a message naming the field;
// tabs and line breaks in text are not control characters to refuse.
func TestControlCharactersRefused(t *testing.T) {
	base, _ := writeServer(t, Config{})
	for _, tc := range []struct{ field, json string }{
		{"title", `"title": "标\u0000题", "body": "正文。"`},
		{"kicker", `"title": "标题", "kicker": "引\u0007题", "body": "正文。"`},
		{"section", `"title": "标题", "section": "要\u001b[31m闻", "body": "正文。"`},
		{"summary", `"title": "标题", "summary": "摘\u0000要", "body": "正文。"`},
		{"source", `"title": "标题", "source": "报\u0085社", "body": "正文。"`},
		{"byline", `"title": "标题", "byline": "记者\u0000", "body": "正文。"`},
		{"url", `"title": "标题", "url": "https://x.example/\u0000", "body": "正文。"`},
		{"authors[1]", `"title": "标题", "authors": ["甲", "乙\u0000"], "body": "正文。"`},
		{"tags[0]", `"title": "标题", "tags": ["\u0001标签"], "body": "正文。"`},
		{"paragraph 1", `"title": "标题", "paragraphs": ["第一段。", "第二\u0000段。"]`},
		{"paragraph 0 subhead", `"title": "标题", "paragraphs": [{"text": "正文。", "subhead": "小\u0000标题"}]`},
	} {
		t.Run(tc.field, func(t *testing.T) {
			a := do(t, "POST", base+"/v1/articles", "application/json", strings.NewReader(`{"id": "ctl", `+tc.json+`}`))
			e, _ := a.body["error"].(map[string]any)
			if msg := fmt.Sprint(e["message"]); a.status != 400 || e["code"] != "invalid_article" || !strings.Contains(msg, tc.field+" contains the control character") {
				t.Errorf("%d %v, want 400 invalid_article naming %s", a.status, a.body, tc.field)
			}
		})
	}
	a := do(t, "POST", base+"/v1/articles", "application/json", strings.NewReader(`{"id": "tabs", "title": "标题", "paragraphs": ["第一行\n第二行\t制表。"]}`))
	if a.status != 201 {
		t.Errorf("tab and line break in a paragraph: %d %v, want 201", a.status, a.body)
	}
}
