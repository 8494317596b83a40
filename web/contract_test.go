package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/zhsearch/zhsearch/web"
)

// fakeAPI answers the search API of issue 5 (filters, facets, suggest,
// related) over 30 generated hits, and records the queries the page sends:
// it pins down the page's side of that contract whether or not the real
// implementation has landed. The tests against the real API are in
// browser_test.go.
type fakeAPI struct {
	mu      sync.Mutex
	queries []url.Values
}

type fakeHit struct {
	ID, Section, Author, Published string
}

// person is the name the fake finds in a hit: 钟南山 in every other one.
func (h fakeHit) person() string {
	if h.ID[len(h.ID)-1]%2 == 0 {
		return "钟南山"
	}
	return "李兰娟"
}

func (f *fakeAPI) hits() []fakeHit {
	var out []fakeHit
	secs, authors := []string{"要闻", "经济", "社会"}, []string{"王芳", "李强"}
	for i := 0; i < 30; i++ {
		out = append(out, fakeHit{fmt.Sprintf("f%02d", i), secs[i%3], authors[i%2], fmt.Sprintf("2024-%02d-%02dT08:00:00+08:00", 1+i%3, 1+i)})
	}
	return out
}

func (f *fakeAPI) last() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) == 0 {
		return nil
	}
	return f.queries[len(f.queries)-1]
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	q := r.URL.Query()
	switch {
	case r.URL.Path == "/v1/suggest":
		var out []string
		for _, s := range []string{"城市更新", "城市更新项目", "城市规划"} {
			if strings.HasPrefix(s, q.Get("q")) {
				out = append(out, s)
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"suggestions": out})
	case strings.HasSuffix(r.URL.Path, "/related"):
		json.NewEncoder(w).Encode(map[string]any{"hits": []map[string]any{
			{"id": "f01", "type": "article", "title": "相关报道一", "title_html": "相关报道一", "section": "经济", "published_at": "2024-02-02"},
			{"id": "f02", "type": "article", "title": "<b>相关报道二</b>", "title_html": "&lt;b&gt;相关报道二&lt;/b&gt;"},
		}})
	case strings.HasSuffix(r.URL.Path, "/entities"):
		json.NewEncoder(w).Encode(map[string]any{"id": "f05", "person": []string{"钟南山"}, "place": []string{"武汉", "北京"}, "org": []string{}})
	case strings.HasPrefix(r.URL.Path, "/v1/articles/"):
		id := strings.TrimPrefix(r.URL.Path, "/v1/articles/")
		json.NewEncoder(w).Encode(map[string]any{"id": id, "title": "城市更新报道 " + id, "section": "经济",
			"paragraphs": []map[string]any{{"index": 0, "text": "城市更新正在推进。"}}})
	case r.URL.Path == "/v1/search":
		f.mu.Lock()
		f.queries = append(f.queries, q)
		f.mu.Unlock()
		var kept []fakeHit
		for _, h := range f.hits() {
			day := h.Published[:10]
			if (len(q["section"]) > 0 && !contains(q["section"], h.Section)) || (len(q["author"]) > 0 && !contains(q["author"], h.Author)) ||
				(len(q["person"]) > 0 && !contains(q["person"], h.person())) ||
				(q.Get("since") != "" && day < q.Get("since")) || (q.Get("until") != "" && day > q.Get("until")) {
				continue
			}
			kept = append(kept, h)
		}
		facets := map[string][]map[string]any{}
		for _, name := range strings.Split(q.Get("facets"), ",") {
			counts := map[string]int{}
			var order []string
			for _, h := range kept {
				v := map[string]string{"section": h.Section, "author": h.Author, "month": h.Published[:7], "person": h.person()}[name]
				if v == "" {
					continue
				}
				if counts[v] == 0 {
					order = append(order, v)
				}
				counts[v]++
			}
			for _, v := range order {
				facets[name] = append(facets[name], map[string]any{"value": v, "count": counts[v]})
			}
		}
		page, _ := strconv.Atoi(q.Get("page"))
		size, _ := strconv.Atoi(q.Get("size"))
		if page < 1 {
			page = 1
		}
		var hits []map[string]any
		for i := (page - 1) * size; i < page*size && i < len(kept); i++ {
			h := kept[i]
			hits = append(hits, map[string]any{"id": h.ID, "type": "article", "title": "城市更新报道 " + h.ID,
				"title_html": "<mark>城市更新</mark>报道 " + h.ID, "section": h.Section, "authors": []string{h.Author},
				"published_at": h.Published, "snippets": []string{"<mark>城市更新</mark>正在推进。"}})
		}
		out := map[string]any{"query": q.Get("q"), "type": "article", "total": len(kept), "page": page,
			"size": size, "took_ms": 1.5, "hits": hits, "facets": facets}
		if q.Get("q") == "世卫组织 pinyin:zns" { // what the server expanded (index.Result)
			out["synonyms"] = map[string][]string{"世卫组织": {"世界卫生组织", "<b>WHO</b>"}}
			out["pinyin"] = map[string][]string{"zns": {"钟南山"}}
		}
		json.NewEncoder(w).Encode(out)
	default:
		http.NotFound(w, r)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestPageFacetsSuggestRelatedContract(t *testing.T) {
	fake := &fakeAPI{}
	site := web.New(web.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			fake.ServeHTTP(w, r)
			return
		}
		site.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ctx, ev := browser(t)

	// Suggestions by keyboard.
	run(t, ctx, "suggest", chromedp.Navigate(srv.URL+"/"), waitJS(`document.documentElement.dataset.ready === "1"`),
		chromedp.Focus("#q", chromedp.ByID), chromedp.KeyEvent("城市"),
		waitJS(`document.querySelectorAll("#suggest li[role=option]").length === 3 && document.getElementById("q").getAttribute("aria-expanded") === "true"`),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown),
		waitJS(`document.getElementById("q").getAttribute("aria-activedescendant") === "sg1"`),
		chromedp.KeyEvent("\r"),
		waitJS(`new URL(location.href).searchParams.get("q") === "城市更新项目" && document.querySelectorAll("#results li.hit").length === 10`))
	if got := fake.last().Get("facets"); got != "section,author,month,person,place,org" {
		t.Errorf("the page asked for facets %q", got)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#facets .facet-group").length`); n != 4 { // no place or org values
		t.Fatalf("%d facet groups", n)
	}

	// Section facet.
	run(t, ctx, "section facet", chromedp.Click(`a.facet[data-facet="section"][data-value="经济"]`, chromedp.ByQuery),
		waitJS(`new URL(location.href).searchParams.get("section") === "经济" && !document.body.hasAttribute("aria-busy") && document.querySelectorAll("#results li.hit").length === 10`))
	if got := fake.last()["section"]; len(got) != 1 || got[0] != "经济" {
		t.Errorf("section sent %q", got)
	}
	if !evalJS[bool](t, ctx, `document.querySelector('a.facet[data-facet="section"][data-value="经济"]').getAttribute("aria-current") === "true"`) {
		t.Error("the chosen facet is not marked current")
	}

	// Month facet: a date range of that month (2024 is a leap year).
	run(t, ctx, "month facet", chromedp.Click(`a.facet[data-facet="month"][data-value="2024-02"]`, chromedp.ByQuery),
		waitJS(`new URL(location.href).searchParams.get("until") === "2024-02-29" && !document.body.hasAttribute("aria-busy")`))
	if l := fake.last(); l.Get("since") != "2024-02-01" || l.Get("until") != "2024-02-29" || l.Get("section") != "经济" {
		t.Errorf("month facet sent %v", l)
	}
	if v := evalJS[string](t, ctx, `document.getElementById("since").value + "/" + document.getElementById("until").value`); v != "2024-02-01/2024-02-29" {
		t.Errorf("date inputs show %s", v)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#filters a.chip").length`); n != 3 {
		t.Errorf("%d filter chips, want section, since and until", n)
	}
	screenshot(t, ctx, 1280, "facets")
	screenshot(t, ctx, 375, "facets")
	// On a phone the facets fold under a button.
	if evalJS[bool](t, ctx, `getComputedStyle(document.querySelector(".facet-group")).display !== "none"`) {
		t.Error("at 375 px the facets are not folded")
	}
	run(t, ctx, "unfold facets", chromedp.Click("#facets-toggle", chromedp.ByID),
		waitJS(`getComputedStyle(document.querySelector(".facet-group")).display !== "none"`))
	screenshot(t, ctx, 375, "facets-open")
	if w := evalJS[int](t, ctx, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("at 375 px the page with facets is %d px wide", w)
	}
	run(t, ctx, "desktop", chromedp.EmulateViewport(1280, 900))

	// Remove the section chip; sort by newest; the paragraph toggle.
	run(t, ctx, "remove chip", chromedp.Click(`#filters a.chip`, chromedp.ByQuery),
		waitJS(`!new URL(location.href).searchParams.has("section") && new URL(location.href).searchParams.get("since") === "2024-02-01" && !document.body.hasAttribute("aria-busy")`))
	run(t, ctx, "sort newest", chromedp.SetValue("#sort", "newest", chromedp.ByID),
		chromedp.Evaluate(`document.getElementById("sort").dispatchEvent(new Event("change"))`, nil),
		waitJS(`new URL(location.href).searchParams.get("sort") === "newest" && !document.body.hasAttribute("aria-busy")`))
	if l := fake.last(); l.Get("sort") != "newest" || l.Get("since") != "2024-02-01" {
		t.Errorf("sort sent %v", l)
	}
	run(t, ctx, "paragraphs", chromedp.Click(`label[for="type-paragraph"]`, chromedp.ByQuery),
		waitJS(`new URL(location.href).searchParams.get("type") === "paragraph" && !document.body.hasAttribute("aria-busy")`))
	if l := fake.last(); l.Get("type") != "paragraph" {
		t.Errorf("type sent %v", l)
	}
	// A date typed into the range.
	run(t, ctx, "date range", chromedp.SetValue("#until", "2024-02-15", chromedp.ByID),
		chromedp.Evaluate(`document.getElementById("until").dispatchEvent(new Event("change"))`, nil),
		waitJS(`new URL(location.href).searchParams.get("until") === "2024-02-15" && !document.body.hasAttribute("aria-busy")`))
	if l := fake.last(); l.Get("until") != "2024-02-15" {
		t.Errorf("until sent %v", l)
	}

	// Related stories in the article view, titles as text.
	run(t, ctx, "related", chromedp.Navigate(srv.URL+"/articles/f05?q="+url.QueryEscape("城市更新")),
		waitJS(`document.querySelectorAll("#related li a").length === 2`))
	rel := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#related li a")].map(a => a.textContent)`)
	if rel[0] != "相关报道一" || rel[1] != "<b>相关报道二</b>" {
		t.Errorf("related %q", rel)
	}
	screenshot(t, ctx, 1280, "related")

	// The article's names, each a link to the articles naming it.
	run(t, ctx, "entities", waitJS(`document.querySelectorAll("#entities a.entity").length === 3 && !document.getElementById("entities").hidden`))
	names := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#entities a.entity")].map(a => a.dataset.kind + ":" + a.textContent)`)
	if strings.Join(names, " ") != "person:钟南山 place:武汉 place:北京" {
		t.Errorf("names on the article page: %q", names)
	}
	screenshot(t, ctx, 1280, "entities")
	run(t, ctx, "click a name", chromedp.Click(`#entities a.entity[data-kind="person"]`, chromedp.ByQuery),
		waitJS(`new URL(location.href).searchParams.get("person") === "钟南山" && !document.body.hasAttribute("aria-busy") && document.querySelectorAll("#results li.hit").length === 10`))
	if l := fake.last(); l.Get("q") != "钟南山" || l.Get("person") != "钟南山" {
		t.Errorf("a name's link searched %v", l)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#filters a.chip").length`); n != 1 {
		t.Errorf("%d filter chips, want the person", n)
	}

	// What the search looked for besides the words typed, as text.
	run(t, ctx, "expansion", chromedp.Navigate(srv.URL+"/?q="+url.QueryEscape("世卫组织 pinyin:zns")),
		waitJS(`document.querySelector("#message .expansion") !== null`))
	if got := evalJS[string](t, ctx, `document.querySelector("#message .expansion").textContent`); got != "拼音“zns”按“钟南山”搜索；“世卫组织”同时搜索了：世界卫生组织、<b>WHO</b>" {
		t.Errorf("expansion %q", got)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#message .expansion b").length`); n != 0 {
		t.Error("an expanded word was read as HTML")
	}
	run(t, ctx, "no expansion", chromedp.Navigate(srv.URL+"/?q="+url.QueryEscape("城市更新")),
		waitJS(`document.querySelectorAll("#results li.hit").length === 10`))
	if evalJS[bool](t, ctx, `document.querySelector("#message .expansion") !== null`) {
		t.Error("a search that expanded nothing says it did")
	}
	ev.check(t)
}
