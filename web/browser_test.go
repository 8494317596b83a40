package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/seeds"
	"github.com/zhsearch/zhsearch/web"
)

// xssTitles are article titles that would run script if the page ever
// inserted document text as HTML.
var xssTitles = []string{
	`<img src=x onerror=alert(1)>`,
	`<img src=x onerror="window.__xss=1">安全测试`,
}

const xssBody = `安全测试段落：<script>window.__xss=2</script> "><svg onload="window.__xss=3"> &amp; &lt;b&gt;`

// corpus is the seed page plus articles we write: 36 about 城市更新 over
// three sections, three authors and three months (for facets and pages).
func corpus(t *testing.T) []*article.Article {
	t.Helper()
	var out []*article.Article
	for _, p := range seeds.Pages() {
		pg, err := article.ParsePage(strings.NewReader(p.Text), article.PageMeta{Source: "seed", Page: p.Name})
		if err != nil {
			t.Fatal(err)
		}
		for i := range pg.Articles {
			out = append(out, &pg.Articles[i])
		}
	}
	sections := []string{"要闻", "经济", "社会"}
	authors := []string{"王芳", "李强", "陈静"}
	places := []string{"二七区", "金水区", "中原区", "管城区", "惠济区", "郑东新区"}
	for i := 0; i < 36; i++ {
		a := &article.Article{
			ID:          fmt.Sprintf("city-%02d", i),
			Title:       fmt.Sprintf("%s城市更新项目第%d批老旧小区改造全面启动", places[i%len(places)], i+1),
			Section:     sections[i%3],
			Authors:     []string{authors[(i/3)%3]},
			PublishedAt: fmt.Sprintf("2024-%02d-%02dT09:30:00+08:00", 1+i%3, 1+i%28),
			Source:      "test",
			Paragraphs: []article.Paragraph{
				{Text: fmt.Sprintf("记者从%s获悉，今年该区将推进城市更新，改造老旧小区%d个，惠及居民%d户。", places[i%len(places)], 10+i, 1000+37*i)},
				{Text: "城市更新不仅是旧房翻新，更包括完善社区养老、托育、停车等公共服务设施。", Subhead: "补齐公共服务短板"},
				{Text: fmt.Sprintf("据介绍，项目预计于2024年%d月底前完工，施工期间将尽量减少对居民生活的影响。", 6+i%6), Subhead: "补齐公共服务短板"},
			},
		}
		out = append(out, a)
	}
	for _, a := range out {
		a.Normalize()
	}
	return out
}

// servers starts the API with the web site (origin A) and a newsroom page
// on another origin (B) that embeds A's widget.js under a strict CSP.
func servers(t *testing.T) (apiURL, siteURL string) {
	t.Helper()
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Put(context.Background(), corpus(t)...); err != nil {
		t.Fatal(err)
	}

	var aURL string
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		// The demo page of A, with its script and stylesheet taken from A.
		resp, err := http.Get(aURL + "/widget-demo.html")
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		var b strings.Builder
		if _, err := ioCopy(&b, resp); err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		page := strings.ReplaceAll(b.String(), `src="/widget.js"`, `src="`+aURL+`/widget.js"`)
		page = strings.ReplaceAll(page, `href="/assets/`, `href="`+aURL+`/assets/`)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src "+aURL+"; style-src "+aURL+"; connect-src "+aURL)
		fmt.Fprint(w, page)
	}))
	t.Cleanup(host.Close)

	srv := api.New(api.Config{Backend: ix, Store: ix, Web: web.New(web.Options{}), CORSOrigins: []string{host.URL}})
	a := httptest.NewServer(srv)
	t.Cleanup(a.Close)
	aURL = a.URL

	// The XSS articles go in the way a CMS would send them: POST /v1/articles.
	for i, title := range xssTitles {
		body, _ := json.Marshal(map[string]any{
			"id": fmt.Sprintf("xss-%d", i), "title": title, "section": `<b>版面</b>`, "authors": []string{`<i>作者</i>`},
			"published_at": "2024-02-02", "source": "test",
			"paragraphs": []string{xssBody, `第二段 <a href="javascript:window.__xss=4">点我</a> 安全测试`},
		})
		resp, err := http.Post(a.URL+"/v1/articles", "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST /v1/articles %q: status %d", title, resp.StatusCode)
		}
	}
	return a.URL, host.URL
}

func ioCopy(b *strings.Builder, resp *http.Response) (int64, error) {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		k, err := resp.Body.Read(buf)
		b.Write(buf[:k])
		n += int64(k)
		if err != nil {
			if err.Error() == "EOF" {
				return n, nil
			}
			return n, err
		}
	}
}

// browser starts a fresh headless chromium, or skips the test when there
// is none (failing instead when ZHSEARCH_BROWSER_TESTS=1, as in CI).
func browser(t *testing.T) (context.Context, *events) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	bin := os.Getenv("ZHSEARCH_CHROMIUM")
	if bin == "" {
		bin = "/usr/bin/chromium"
	}
	if _, err := os.Stat(bin); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			bin = p
		} else {
			msg := "chromium not found at " + bin + " (apt-get install -y chromium, or set ZHSEARCH_CHROMIUM)"
			if os.Getenv("ZHSEARCH_BROWSER_TESTS") == "1" {
				t.Fatal(msg)
			}
			t.Skip(msg + "; browser tests skipped")
		}
	}
	// A fresh profile; removed after chromium has exited (its helper
	// processes may still be writing when the browser process is gone).
	profile, err := os.MkdirTemp("", "zhsearch-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() {
		cancelT()
		cancelC() // closes the tab and the browser
		cancelA() // waits for the browser process to exit
		for i := 0; ; i++ {
			err := os.RemoveAll(profile)
			if err == nil || i == 50 {
				if err != nil {
					t.Logf("removing the chromium profile: %v", err)
				}
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	ev := &events{}
	chromedp.ListenTarget(ctx, ev.listen)
	if err := chromedp.Run(ctx, cdplog.Enable(), runtime.Enable(), page.Enable(),
		chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx, ev
}

// events collects what must never happen on the page: uncaught script
// errors, CSP violations and dialogs (alert).
type events struct {
	mu       sync.Mutex
	problems []string
}

func (e *events) listen(ev any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		e.problems = append(e.problems, "exception: "+ev.ExceptionDetails.Text+" "+describe(ev.ExceptionDetails.Exception))
	case *cdplog.EventEntryAdded:
		if strings.Contains(ev.Entry.Text, "Content Security Policy") || strings.Contains(ev.Entry.Text, "Content-Security-Policy") {
			e.problems = append(e.problems, "CSP: "+ev.Entry.Text)
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.APITypeError {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, describe(a))
			}
			e.problems = append(e.problems, "console.error: "+strings.Join(parts, " "))
		}
	case *page.EventJavascriptDialogOpening:
		e.problems = append(e.problems, "dialog opened: "+ev.Message)
	}
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Description != "" {
		return o.Description
	}
	return string(o.Value)
}

func (e *events) check(t *testing.T) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range e.problems {
		t.Error(p)
	}
	e.problems = nil
}

// artifacts is where screenshots go: ./artifacts/web at the repository root.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ZHSEARCH_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "artifacts", "web")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, ctx context.Context, width int, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx,
		chromedp.EmulateViewport(int64(width), 900),
		chromedp.Sleep(150*time.Millisecond), // let layout settle after the resize
		chromedp.FullScreenshot(&png, 100),   // quality 100 writes PNG
	); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(artifacts(t), fmt.Sprintf("%s-%d.png", name, width))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// waitJS waits until the expression is true. Right after a navigation
// chromedp may still address the execution context of the document before
// and fail with "Cannot find context with specified id" (on a loaded
// machine, in up to half the runs of TestPageStatesKeyboardLanguage): the
// wait is then tried again in the new document, up to five times.
func waitJS(expr string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for i := 0; ; i++ {
			err := chromedp.Poll(expr, nil, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)).Do(ctx)
			if err == nil || i == 4 || !strings.Contains(err.Error(), "Cannot find context with specified id") {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	var v T
	if err := chromedp.Run(ctx, chromedp.Evaluate(expr, &v)); err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var loc string
		_ = chromedp.Run(ctx, chromedp.Location(&loc))
		var body string
		_ = chromedp.Run(ctx, chromedp.Evaluate(`document.body ? document.body.innerText.slice(0, 600) : ""`, &body))
		t.Fatalf("%s: %v\nat %s\npage text: %s", step, err, loc, body)
	}
}

// apiHas reports whether the API answers a feature of issue 5 yet.
func apiHas(t *testing.T, u string, key string) bool {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return false
	}
	var m map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return false
	}
	_, ok := m[key]
	return ok || key == ""
}

// suggestions asks the API for completions; nil when it has no /v1/suggest.
func suggestions(t *testing.T, apiURL, prefix string) []string {
	t.Helper()
	resp, err := http.Get(apiURL + "/v1/suggest?q=" + url.QueryEscape(prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Suggestions []string `json:"suggestions"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&body) != nil {
		return nil
	}
	return body.Suggestions
}

func currentURL(t *testing.T, ctx context.Context) *url.URL {
	t.Helper()
	var loc string
	run(t, ctx, "location", chromedp.Location(&loc))
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPageSearchFacetsPagesArticleBack(t *testing.T) {
	ctx, ev := browser(t)
	apiURL, _ := servers(t)
	q := "城市更新"
	hasFacets := apiHas(t, apiURL+"/v1/search?q="+url.QueryEscape(q)+"&facets=section,author,month", "facets")
	hasSuggest := len(suggestions(t, apiURL, q)) > 0

	// The empty state.
	run(t, ctx, "open /", chromedp.Navigate(apiURL+"/"), waitJS(`document.documentElement.dataset.ready === "1"`),
		waitJS(`!document.getElementById("message").hidden && document.querySelectorAll("#message a").length === 3`))
	screenshot(t, ctx, 1280, "empty")

	// Type a query, with suggestions when the API has them.
	run(t, ctx, "type the query", chromedp.Click("#q", chromedp.ByID), chromedp.SendKeys("#q", q, chromedp.ByID))
	if hasSuggest {
		run(t, ctx, "suggestions", waitJS(`document.querySelectorAll("#suggest li").length > 0 && !document.getElementById("suggest").hidden`))
	} else {
		t.Logf("the API suggests nothing for %s (/v1/suggest is issue 5): suggestions not exercised here", q)
	}
	run(t, ctx, "submit", chromedp.SendKeys("#q", "\r", chromedp.ByID),
		waitJS(`document.querySelectorAll("#results li.hit").length === 10`))
	u := currentURL(t, ctx)
	if u.Query().Get("q") != q {
		t.Fatalf("URL %s does not carry the query", u)
	}
	status := evalJS[string](t, ctx, `document.getElementById("status").textContent`)
	if !strings.Contains(status, "条结果，用时") || !strings.Contains(status, "毫秒") {
		t.Errorf("status %q lacks the count and time", status)
	}
	marks := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#results .hit-title mark, #results .snippet mark")].map(m => m.textContent)`)
	if len(marks) < 10 {
		t.Errorf("only %d marks in the results: %q", len(marks), marks)
	}
	for _, m := range marks {
		if !strings.Contains(q, m) {
			t.Errorf("mark %q is not part of the query %q", m, q)
		}
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#results .meta .sec").length`); n != 10 {
		t.Errorf("%d hits show a section, want 10", n)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#results .meta time").length`); n != 10 {
		t.Errorf("%d hits show a date, want 10", n)
	}
	screenshot(t, ctx, 1280, "results")
	screenshot(t, ctx, 375, "results")
	if w := evalJS[int](t, ctx, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("at 375 px the page is %d px wide: it scrolls sideways", w)
	}
	run(t, ctx, "desktop", chromedp.EmulateViewport(1280, 900))

	want := 10 // hits on the page after the facet
	if hasFacets {
		run(t, ctx, "click a facet", chromedp.Click(`#facets a.facet[data-facet="section"][data-value="经济"]`, chromedp.ByQuery),
			waitJS(`new URL(location.href).searchParams.get("section") === "经济" && document.querySelector("#filters .chip") !== null && !document.body.hasAttribute("aria-busy")`))
		secs := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#results .meta .sec")].map(s => s.textContent)`)
		for _, s := range secs {
			if s != "经济" {
				t.Errorf("after the 经济 facet a hit is in section %q", s)
			}
		}
		if n := evalJS[int](t, ctx, `document.querySelectorAll("#facets .facet-group").length`); n != 3 {
			t.Errorf("%d facet groups, want section, author and month", n)
		}
		want = 2 // 12 articles in 经济: page 2 has 2
	} else {
		t.Log("the API has no facets yet (issue 5): facet clicks not exercised")
		want = -1
	}
	page1 := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#results .hit-title a")].map(a => a.textContent)`)
	run(t, ctx, "page forward", chromedp.Click("#pager a.next", chromedp.ByQuery),
		waitJS(`new URL(location.href).searchParams.get("page") === "2" && !document.body.hasAttribute("aria-busy") && document.querySelectorAll("#results li.hit").length > 0`))
	if y := evalJS[float64](t, ctx, `window.scrollY`); y > 0 {
		t.Errorf("page 2 opens scrolled down by %v px", y)
	}
	page2 := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#results .hit-title a")].map(a => a.textContent)`)
	if want > 0 && len(page2) != want {
		t.Errorf("page 2 has %d hits, want %d", len(page2), want)
	}
	for _, a := range page2 {
		for _, b := range page1 {
			if a == b {
				t.Errorf("%q is on pages 1 and 2", a)
			}
		}
	}

	// Open an article.
	title := page2[0]
	run(t, ctx, "open the article", chromedp.Click("#results .hit-title a", chromedp.ByQuery),
		waitJS(`location.pathname.startsWith("/articles/") && document.querySelector("#article h1") !== null`))
	h1 := evalJS[string](t, ctx, `document.querySelector("#article h1").textContent`)
	if h1 != title {
		t.Errorf("article title %q, want %q", h1, title)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#article p.para").length`); n != 3 {
		t.Errorf("article shows %d paragraphs, want 3", n)
	}
	amarks := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#article mark")].map(m => m.textContent)`)
	if len(amarks) < 2 {
		t.Errorf("article has marks %q; want the query terms highlighted", amarks)
	}
	if evalJS[string](t, ctx, `document.querySelector("#article h2.subhead")?.textContent ?? ""`) != "补齐公共服务短板" {
		t.Error("the subhead is not shown")
	}
	articleID := strings.TrimPrefix(currentURL(t, ctx).Path, "/articles/")
	if apiHas(t, apiURL+"/v1/articles/"+articleID+"/related", "") {
		run(t, ctx, "related", waitJS(`!document.getElementById("related").hidden && document.querySelectorAll("#related li a").length > 0`))
	} else {
		t.Log("the API has no /v1/articles/{id}/related yet (issue 5): related stories not exercised")
	}
	screenshot(t, ctx, 1280, "article")
	screenshot(t, ctx, 375, "article")
	if w := evalJS[int](t, ctx, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("at 375 px the article is %d px wide", w)
	}
	run(t, ctx, "desktop", chromedp.EmulateViewport(1280, 900))

	// Back: page 2 again, then page 1, then the query before the facet.
	run(t, ctx, "back to page 2", chromedp.NavigateBack(),
		waitJS(`location.pathname === "/" && new URL(location.href).searchParams.get("page") === "2" && document.querySelectorAll("#results li.hit").length > 0 && !document.body.hasAttribute("aria-busy")`))
	if got := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#results .hit-title a")].map(a => a.textContent)`); strings.Join(got, "|") != strings.Join(page2, "|") {
		t.Errorf("back shows %q, want page 2 %q", got, page2)
	}
	run(t, ctx, "back to page 1", chromedp.NavigateBack(),
		waitJS(`!new URL(location.href).searchParams.has("page") && !document.body.hasAttribute("aria-busy") && document.querySelectorAll("#results li.hit").length === 10`))
	if hasFacets {
		run(t, ctx, "back before the facet", chromedp.NavigateBack(),
			waitJS(`!new URL(location.href).searchParams.has("section") && document.querySelector("#filters").hidden && !document.body.hasAttribute("aria-busy")`))
	}
	if v := evalJS[string](t, ctx, `document.getElementById("q").value`); v != q {
		t.Errorf("the search box holds %q after back, want %q", v, q)
	}
	ev.check(t)
}

func TestPageStatesKeyboardLanguage(t *testing.T) {
	ctx, ev := browser(t)
	apiURL, _ := servers(t)

	// No results: suggests dropping a word.
	run(t, ctx, "no results", chromedp.Navigate(apiURL+"/?q="+url.QueryEscape("城市更新 火星基地")),
		waitJS(`document.querySelector("#message.none") !== null && !document.getElementById("message").hidden`))
	chips := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#message a.chip")].map(a => a.textContent)`)
	if strings.Join(chips, "|") != "火星基地|城市更新" {
		t.Errorf("drop-a-word suggestions %q", chips)
	}
	screenshot(t, ctx, 375, "no-results")
	run(t, ctx, "desktop", chromedp.EmulateViewport(1280, 900))
	run(t, ctx, "drop a word", chromedp.Click(`#message a.chip:last-child`, chromedp.ByQuery),
		waitJS(`document.querySelectorAll("#results li.hit").length === 10`))
	// One run of Chinese: the words come from the browser's segmenter.
	run(t, ctx, "no results, no spaces", chromedp.Navigate(apiURL+"/?q="+url.QueryEscape("城市更新火星基地")),
		waitJS(`document.querySelector("#message.none") !== null && document.querySelectorAll("#message a.chip").length >= 2`))
	if chips := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#message a.chip")].map(a => a.textContent)`); !contains(chips, "城市更新火星") && !contains(chips, "城市更新基地") {
		t.Errorf("drop-a-word suggestions without spaces %q", chips)
	}

	// Every example of the empty state (taken from the index) finds something.
	for i := 1; i <= 3; i++ {
		run(t, ctx, fmt.Sprintf("example %d", i), chromedp.Navigate(apiURL+"/"),
			waitJS(`location.search === "" && document.querySelectorAll("#message .examples a").length === 3`),
			chromedp.Click(fmt.Sprintf(`#message .examples a:nth-of-type(%d)`, i), chromedp.ByQuery),
			waitJS(`new URL(location.href).searchParams.has("q") && !document.body.hasAttribute("aria-busy") && document.getElementById("status").textContent !== ""`))
		if n := evalJS[int](t, ctx, `document.querySelectorAll("#results li.hit").length`); n == 0 {
			t.Errorf("example %d finds nothing", i)
		}
	}

	// Error: the API refuses pages past 10,000 hits; the page says why.
	run(t, ctx, "error", chromedp.Navigate(apiURL+"/?q="+url.QueryEscape("城市更新")+"&page=1002"),
		waitJS(`document.querySelector("#message.error") !== null`))
	if msg := evalJS[string](t, ctx, `document.getElementById("message").textContent`); !strings.Contains(msg, "10000") {
		t.Errorf("error message %q does not say what went wrong", msg)
	}
	if txt := evalJS[string](t, ctx, `document.getElementById("message").innerText`); strings.Contains(txt, "null") || strings.Contains(txt, "undefined") {
		t.Errorf("error message shows %q", txt)
	}
	screenshot(t, ctx, 1280, "error")
	run(t, ctx, "first page", chromedp.Click(`#message a`, chromedp.ByQuery),
		waitJS(`!new URL(location.href).searchParams.has("page") && document.querySelectorAll("#results li.hit").length === 10`))
	// A server that is down: the error state offers a retry.
	run(t, ctx, "server error", chromedp.Navigate(apiURL+"/?q="+url.QueryEscape("城市更新")), waitJS(`document.querySelectorAll("#results li.hit").length === 10`),
		chromedp.Evaluate(`window.__realFetch = window.fetch; window.fetch = () => Promise.resolve(new Response('{"error":{"code":"internal","message":"internal error"}}', {status: 500}))`, nil),
		chromedp.Click("button.go", chromedp.ByQuery),
		waitJS(`document.querySelector("#message.error button.retry") !== null`),
		chromedp.Evaluate(`window.fetch = window.__realFetch`, nil),
		chromedp.Click("button.retry", chromedp.ByQuery),
		waitJS(`document.querySelectorAll("#results li.hit").length === 10 && document.getElementById("message").hidden`))

	// Keyboard only: the search box, Enter, Tab to the first result, Enter opens it.
	run(t, ctx, "keyboard", chromedp.Navigate(apiURL+"/"), waitJS(`document.documentElement.dataset.ready === "1"`),
		chromedp.Focus("#q", chromedp.ByID), chromedp.KeyEvent("网格化"), chromedp.KeyEvent("\r"),
		waitJS(`document.querySelectorAll("#results li.hit").length > 0 && !document.body.hasAttribute("aria-busy")`),
		chromedp.Evaluate(`document.querySelector("#results .hit-title a").focus()`, nil),
		chromedp.KeyEvent("\r"),
		waitJS(`location.pathname.startsWith("/articles/") && document.querySelector("#article h1") !== null`))
	if h1 := evalJS[string](t, ctx, `document.querySelector("#article h1").textContent`); h1 != "“党建+网格化”共绘社区治理“同心圆”" {
		t.Errorf("keyboard opened %q", h1)
	}
	if n := evalJS[int](t, ctx, `[...document.querySelectorAll("#article mark")].filter(m => m.textContent === "网格化").length`); n == 0 {
		t.Error("网格化 is not highlighted in the article")
	}
	// Suggestions by keyboard: type a prefix, arrow down, Enter searches it.
	if sg := suggestions(t, apiURL, "城市"); len(sg) > 0 {
		run(t, ctx, "suggest by keyboard", chromedp.Navigate(apiURL+"/"), waitJS(`document.documentElement.dataset.ready === "1"`),
			chromedp.Focus("#q", chromedp.ByID), chromedp.KeyEvent("城市"),
			waitJS(`document.querySelectorAll("#suggest li").length > 0`),
			chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent("\r"),
			waitJS(`new URL(location.href).searchParams.get("q") === `+jsString(sg[0])))
	} else {
		t.Log("the API has no /v1/suggest yet (issue 5): suggestions by keyboard not exercised")
	}
	run(t, ctx, "back to the article", chromedp.Navigate(apiURL+"/articles/"+url.PathEscape(articleID(t, apiURL, "网格化"))+"?q="+url.QueryEscape("网格化")),
		waitJS(`document.querySelector("#article h1") !== null`))
	// A shared link in traditional characters highlights what the engine matched.
	run(t, ctx, "traditional", chromedp.Navigate(apiURL+"/articles/"+url.PathEscape(articleID(t, apiURL, "网格化"))+"?q="+url.QueryEscape("網格化")),
		waitJS(`[...document.querySelectorAll("#article mark")].some(m => m.textContent === "网格化")`))
	// Reloading the article URL (a shared link) highlights from the query alone.
	run(t, ctx, "reload the article", chromedp.Reload(), waitJS(`document.querySelectorAll("#article mark").length > 0`))

	// English, and the toggle back to Chinese.
	run(t, ctx, "english", chromedp.Navigate(apiURL+"/?q="+url.QueryEscape("网格化")+"&lang=en"),
		waitJS(`document.documentElement.lang === "en" && / results? in /.test(document.getElementById("status").textContent)`))
	if b := evalJS[string](t, ctx, `document.querySelector("button.go").textContent`); b != "Search" {
		t.Errorf("English search button reads %q", b)
	}
	screenshot(t, ctx, 1280, "results-en")
	run(t, ctx, "toggle", chromedp.Click("#lang", chromedp.ByID),
		waitJS(`document.documentElement.lang === "zh-Hans" && !new URL(location.href).searchParams.has("lang") && /条结果/.test(document.getElementById("status").textContent)`))

	// Title typography: keep-all, strict line breaks, 1.7+ line height.
	style := evalJS[map[string]string](t, ctx, `(() => { const s = getComputedStyle(document.querySelector(".hit-title")); const b = getComputedStyle(document.querySelector(".snippet"));
		return {wb: s.wordBreak, lb: s.lineBreak, lh: String(parseFloat(b.lineHeight) / parseFloat(b.fontSize)), font: s.fontFamily}; })()`)
	if style["wb"] != "keep-all" || style["lb"] != "strict" || !strings.Contains(style["font"], "Noto Sans CJK SC") {
		t.Errorf("title style %v", style)
	}
	if lh := style["lh"]; lh < "1.7" || lh > "1.9" {
		t.Errorf("snippet line height %s, want 1.7–1.8", lh)
	}
	ev.check(t)
}

func TestXSSNeverRuns(t *testing.T) {
	ctx, ev := browser(t)
	apiURL, siteURL := servers(t)
	const noScript = `window.__xss === undefined && document.querySelectorAll("img, svg, script:not([src])").length === 0`

	run(t, ctx, "search", chromedp.Navigate(apiURL+"/?q="+url.QueryEscape("安全测试")),
		waitJS(`document.querySelectorAll("#results li.hit").length === 2 && !document.body.hasAttribute("aria-busy")`),
		chromedp.Sleep(300*time.Millisecond)) // time for an injected onerror to fire
	titles := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#results .hit-title a")].map(a => a.textContent)`)
	for _, want := range xssTitles {
		found := false
		for _, got := range titles {
			found = found || got == want
		}
		if !found {
			t.Errorf("title %q not shown as literal text; titles %q", want, titles)
		}
	}
	if !evalJS[bool](t, ctx, noScript) {
		t.Error("document text became markup in the results")
	}
	if s := evalJS[string](t, ctx, `document.querySelector("#results .snippet").textContent`); !strings.Contains(s, "<script>window.__xss=2</script>") {
		t.Errorf("snippet %q does not show the script tag as text", s)
	}
	screenshot(t, ctx, 1280, "xss")

	run(t, ctx, "article", chromedp.Navigate(apiURL+"/articles/xss-0?q="+url.QueryEscape("安全测试")),
		waitJS(`document.querySelector("#article h1") !== null`), chromedp.Sleep(300*time.Millisecond))
	if h1 := evalJS[string](t, ctx, `document.querySelector("#article h1").textContent`); h1 != xssTitles[0] {
		t.Errorf("article title %q", h1)
	}
	if !evalJS[bool](t, ctx, noScript+` && document.querySelectorAll("#article a[href^='javascript']").length === 0`) {
		t.Error("document text became markup in the article")
	}

	run(t, ctx, "widget", chromedp.Navigate(siteURL+"/"), waitJS(`!!document.querySelector("#search").shadowRoot?.querySelector("input")`),
		chromedp.Evaluate(`zhsearch.mount(document.querySelector("#search")).search("安全测试")`, nil),
		waitJS(`document.querySelector("#search").shadowRoot.querySelectorAll("li").length === 2`), chromedp.Sleep(300*time.Millisecond))
	wtitles := evalJS[[]string](t, ctx, `[...document.querySelector("#search").shadowRoot.querySelectorAll(".zs-title")].map(a => a.textContent)`)
	if len(wtitles) != 2 || (wtitles[0] != xssTitles[0] && wtitles[1] != xssTitles[0]) {
		t.Errorf("widget titles %q", wtitles)
	}
	if !evalJS[bool](t, ctx, `window.__xss === undefined && document.querySelector("#search").shadowRoot.querySelectorAll("img, svg, script").length === 0`) {
		t.Error("document text became markup in the widget")
	}
	ev.check(t)
}

func TestWidgetOnAnotherOrigin(t *testing.T) {
	ctx, ev := browser(t)
	apiURL, siteURL := servers(t)
	if apiURL == siteURL {
		t.Fatal("the host page must be on another origin")
	}
	const root = `document.querySelector("#search").shadowRoot`
	run(t, ctx, "open the host page", chromedp.Navigate(siteURL+"/"), waitJS(`!!`+root+`?.querySelector("input.zs-q")`),
		chromedp.Evaluate(root+`.querySelector("input.zs-q").focus()`, nil),
		chromedp.KeyEvent("城市更新"), chromedp.KeyEvent("\r"),
		waitJS(root+`.querySelectorAll("li.zs-hit").length === 5`))
	if n := evalJS[int](t, ctx, root+`.querySelectorAll(".zs-title mark, .zs-snippet mark").length`); n < 5 {
		t.Errorf("%d marks in the widget", n)
	}
	href := evalJS[string](t, ctx, root+`.querySelector(".zs-title").href`)
	if !strings.HasPrefix(href, apiURL+"/articles/") {
		t.Errorf("widget link %q does not point at %s/articles/", href, apiURL)
	}
	// The host page's styles (a green links, magenta marks) stay outside.
	if c := evalJS[string](t, ctx, `getComputedStyle(`+root+`.querySelector(".zs-title")).color`); c == "rgb(0, 128, 0)" {
		t.Error("the host page's link colour leaked into the widget")
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("mark, .zs-hit").length`); n != 0 {
		t.Errorf("the widget put %d elements into the host page's DOM", n)
	}
	first := evalJS[string](t, ctx, root+`.querySelector(".zs-title").textContent`)
	run(t, ctx, "next page", chromedp.Evaluate(root+`.querySelector(".zs-next").click()`, nil),
		waitJS(root+`.querySelector(".zs-title") && `+root+`.querySelector(".zs-title").textContent !== `+jsString(first)+` && /2 \//.test(`+root+`.querySelector(".zs-status").textContent)`))
	screenshot(t, ctx, 1280, "widget")
	screenshot(t, ctx, 375, "widget")
	if w := evalJS[int](t, ctx, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("at 375 px the widget page is %d px wide", w)
	}
	run(t, ctx, "desktop", chromedp.EmulateViewport(1280, 900))

	// zhsearch.mount with options: paragraphs, 3 per page, a link template, English.
	run(t, ctx, "mount with options", chromedp.Evaluate(`zhsearch.mount("#search", {type: "paragraph", size: 3, lang: "en",
		link: "https://news.example/a/{id}?para={paragraph}"}).search("城市更新")`, nil),
		waitJS(root+`.querySelectorAll("li.zs-hit").length === 3 && / results? in /.test(`+root+`.querySelector(".zs-status").textContent)`))
	href = evalJS[string](t, ctx, root+`.querySelector(".zs-title").href`)
	if !strings.HasPrefix(href, "https://news.example/a/city-") || !strings.Contains(href, "?para=") {
		t.Errorf("templated link %q", href)
	}

	// The demo page on the API's own origin works too.
	run(t, ctx, "demo", chromedp.Navigate(apiURL+"/widget-demo.html"), waitJS(`!!`+root+`?.querySelector("input.zs-q")`))

	ev.check(t)

	// The same page on an origin the API does not allow (localhost instead
	// of 127.0.0.1): the browser refuses the answers, and the widget says so.
	other := strings.Replace(siteURL, "127.0.0.1", "localhost", 1)
	run(t, ctx, "origin without CORS", chromedp.Navigate(other+"/"), waitJS(`!!`+root+`?.querySelector("input.zs-q")`),
		chromedp.Evaluate(`zhsearch.mount("#search").search("城市更新")`, nil),
		waitJS(root+`.querySelector(".zs-status.zs-error") !== null`))
	if msg := evalJS[string](t, ctx, root+`.querySelector(".zs-status").textContent`); !strings.Contains(msg, "CORS") {
		t.Errorf("widget error %q does not mention CORS", msg)
	}
	if n := evalJS[int](t, ctx, root+`.querySelectorAll("li.zs-hit").length`); n != 0 {
		t.Errorf("%d hits without CORS", n)
	}
	ev.mu.Lock()
	ev.problems = nil // the browser logs the refused requests; expected here
	ev.mu.Unlock()
}

// articleID is the id of the best article for q.
func articleID(t *testing.T, apiURL, q string) string {
	t.Helper()
	resp, err := http.Get(apiURL + "/v1/search?q=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Hits []struct{ ID string } `json:"hits"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Hits) == 0 {
		t.Fatalf("no hit for %s: %v", q, err)
	}
	return body.Hits[0].ID
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestMarksParser runs marks.js, the page's only way of turning API text
// into DOM, on hostile and edge-case input in the browser.
func TestMarksParser(t *testing.T) {
	ctx, ev := browser(t)
	apiURL, _ := servers(t)
	run(t, ctx, "open", chromedp.Navigate(apiURL+"/"), waitJS(`document.documentElement.dataset.ready === "1"`))
	cases := []struct{ expr, want string }{
		{`m.splitMarked("a<mark>b</mark>c")`, `[{"text":"a","marked":false},{"text":"b","marked":true},{"text":"c","marked":false}]`},
		{`m.splitMarked("&lt;img src=x onerror=alert(1)&gt;")`, `[{"text":"<img src=x onerror=alert(1)>","marked":false}]`},
		{`m.splitMarked("<mark onclick=x>b</mark>")`, `[{"text":"<mark onclick=x>b","marked":false}]`},
		{`m.splitMarked("<MARK>b</MARK>")`, `[{"text":"<MARK>b</MARK>","marked":false}]`},
		{`m.splitMarked("&amp;lt;&#34;&#39;&#x4e2d;&bogus;&#0;")`, `[{"text":"&lt;\"'中&bogus;&#0;","marked":false}]`},
		{`m.splitMarked(null)`, `[]`},
		{`(() => { const p = document.createElement("p"); m.appendMarked(p, "<b>x</b>&lt;script&gt;<mark>y</mark>"); return [p.childNodes.length, p.children.length, p.children[0].tagName, p.textContent]; })()`,
			`[2,1,"MARK","<b>x</b><script>y"]`},
		{`m.queryTerms('城市 -火星 "老旧 小区" author:王芳 title:改造 body:新线 (公园 OR 绿地) -"不要"')`, `["城市","老旧 小区","改造","新线","公园","绿地"]`},
		{`m.highlightRuns("ab城市cdCity", ["城市", "city", ""])`, `[{"text":"ab","marked":false},{"text":"城市","marked":true},{"text":"cd","marked":false},{"text":"City","marked":true}]`},
		{`m.highlightRuns("a.b", ["."])`, `[{"text":"a","marked":false},{"text":".","marked":true},{"text":"b","marked":false}]`},
		{`(() => { const h = document.createElement("h2"); m.appendMarked(h, "二七经开区位居<mark>全省</mark>先进制造业", true); return [h.querySelectorAll("wbr").length > 0, h.textContent]; })()`,
			`[true,"二七经开区位居全省先进制造业"]`},
	}
	for _, tc := range cases {
		var got any
		expr := `import("/assets/marks.js").then(m => JSON.stringify(` + tc.expr + `))`
		if err := chromedp.Run(ctx, chromedp.Evaluate(expr, &got, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
			return p.WithAwaitPromise(true)
		})); err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if got != tc.want {
			t.Errorf("%s = %v, want %s", tc.expr, got, tc.want)
		}
	}
	ev.check(t)
}
