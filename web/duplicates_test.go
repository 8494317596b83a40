package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zhsearch/zhsearch/web"
)

// TestPageDuplicatesContract pins the page's side of collapse=story
// (issue 20): with 合并相似报道 ticked, article searches ask for one hit
// per story, a hit standing for copies says "另有 n 篇相似报道", and
// opening it lists the copies with their titles from
// /v1/articles/{id}/duplicates.
func TestPageDuplicatesContract(t *testing.T) {
	var (
		mu      sync.Mutex
		queries []url.Values
	)
	site := web.New(web.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v1/search":
			mu.Lock()
			queries = append(queries, r.URL.Query())
			mu.Unlock()
			json.NewEncoder(w).Encode(map[string]any{"query": "暴雨", "type": "article", "total": 2, "page": 1, "size": 10, "took_ms": 1,
				"hits": []map[string]any{
					{"id": "rain", "type": "article", "title": "暴雨橙色预警发布", "title_html": "<mark>暴雨</mark>橙色预警发布", "snippets": []string{"<mark>暴雨</mark>"},
						"duplicates": 2, "duplicate_ids": []string{"rain-copy", "rain-copy2"}},
					{"id": "other", "type": "article", "title": "暴雨过后", "title_html": "<mark>暴雨</mark>过后", "snippets": []string{}},
				}})
		case r.URL.Path == "/v1/articles/rain/duplicates":
			json.NewEncoder(w).Encode(map[string]any{"id": "rain", "total": 2, "duplicates": []map[string]any{
				{"id": "rain-copy2", "title": "今夜有大到暴雨", "source": "晚报", "published_at": "2024-07-10T20:00:00+08:00", "similarity": 0.9, "containment": 1},
				{"id": "rain-copy", "title": "<b>暴雨预警</b>", "similarity": 1, "containment": 1},
			}})
		case strings.HasPrefix(r.URL.Path, "/v1/"):
			http.NotFound(w, r)
		default:
			site.ServeHTTP(w, r)
		}
	}))
	defer srv.Close()
	last := func() url.Values {
		mu.Lock()
		defer mu.Unlock()
		return queries[len(queries)-1]
	}
	ctx, _ := browser(t)
	run(t, ctx, "search", chromedp.Navigate(srv.URL+"/?q="+url.QueryEscape("暴雨")),
		waitJS(`document.querySelectorAll("#results li.hit").length === 2 && !document.body.hasAttribute("aria-busy")`))
	if l := last(); l.Has("collapse") {
		t.Errorf("without the box ticked the page sent collapse=%q", l.Get("collapse"))
	}
	run(t, ctx, "tick 合并相似报道", chromedp.Click("#story", chromedp.ByID),
		waitJS(`new URL(location.href).searchParams.get("story") === "1" && !document.body.hasAttribute("aria-busy") && document.querySelectorAll("#results details.dups").length === 1`))
	if got := last().Get("collapse"); got != "story" {
		t.Errorf("an article search sent collapse=%q, want story", got)
	}
	if got := evalJS[string](t, ctx, `[...document.querySelectorAll("#results details.dups summary")].map(s => s.textContent).join("|")`); got != "另有 2 篇相似报道" {
		t.Errorf("duplicates boxes %q", got)
	}
	run(t, ctx, "open the copies", chromedp.Click("#results details.dups summary", chromedp.ByQuery),
		waitJS(`document.querySelectorAll("#results .dup-list li a").length === 2`))
	links := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#results .dup-list li a")].map(a => a.textContent + " " + new URL(a.href).pathname)`)
	if strings.Join(links, "|") != "<b>暴雨预警</b> /articles/rain-copy|今夜有大到暴雨 /articles/rain-copy2" {
		t.Errorf("copies listed %q (in the search's order, titles as text)", links)
	}
	screenshot(t, ctx, 1280, "duplicates")
	run(t, ctx, "paragraphs", chromedp.Navigate(srv.URL+"/?type=paragraph&story=1&q="+url.QueryEscape("暴雨")),
		waitJS(`document.querySelectorAll("#results li.hit").length === 2 && !document.body.hasAttribute("aria-busy")`))
	if l := last(); l.Get("type") != "paragraph" || l.Has("collapse") {
		t.Errorf("a paragraph search sent %v: no collapse=story there", l)
	}
}
