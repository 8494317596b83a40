package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/web"
)

// axeSource is axe-core's axe.min.js (Deque, MPL-2.0), which is not in the
// repository: scripts/fetch-axe.sh installs it with npm and prints the
// path to pass as ZHSEARCH_AXE (.ci/run does both). Without it the
// accessibility checks skip, or fail when ZHSEARCH_BROWSER_TESTS=1 (CI).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("ZHSEARCH_AXE")
	if path == "" {
		path = filepath.Join("..", ".cache", "axe-core", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		msg := "axe-core not found at " + path + " (run scripts/fetch-axe.sh, or set ZHSEARCH_AXE to an axe.min.js)"
		if os.Getenv("ZHSEARCH_BROWSER_TESTS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + "; accessibility checks skipped")
	}
	return string(b)
}

// axeViolation is one failed rule of an axe-core run.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target         []any  `json:"target"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// wcagAA are the axe-core tags of WCAG 2.0 and 2.1, levels A and AA.
var wcagAA = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// checkAxe injects axe-core into the page as it stands (through the
// DevTools protocol, so the page's CSP is not loosened) and fails the
// test on every WCAG 2.1 A/AA violation, shadow roots (the widget)
// included.
func checkAxe(t *testing.T, ctx context.Context, ev *events, axe, state string) {
	t.Helper()
	ev.mu.Lock()
	before := len(ev.problems)
	ev.mu.Unlock()
	defer func() {
		// axe-core measures colours by setting inline styles, which a
		// host page's strict CSP refuses: its own refusals are not the
		// page's or the widget's problems.
		ev.mu.Lock()
		kept := ev.problems[:before]
		for _, p := range ev.problems[before:] {
			if !strings.Contains(p, "Applying inline style violates") {
				kept = append(kept, p)
			}
		}
		ev.problems = kept
		ev.mu.Unlock()
	}()
	tags, _ := json.Marshal(wcagAA)
	var out string
	err := chromedp.Run(ctx,
		chromedp.Evaluate(`window.axe ? true : (function(){ `+axe+`
; return true; })()`, nil),
		chromedp.Evaluate(`axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]})
			.then(r => JSON.stringify(r.violations))`, &out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
			return p.WithAwaitPromise(true)
		}))
	if err != nil {
		t.Fatalf("%s: running axe-core: %v", state, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("%s: axe-core answered %q: %v", state, out, err)
	}
	for _, v := range vs {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.FailureSummary, "\n", " ")))
		}
		t.Errorf("%s: axe %s (%s): %s\n\t%s", state, v.ID, v.Impact, v.Help, strings.Join(where, "\n\t"))
	}
	if len(vs) == 0 {
		t.Logf("%s: no WCAG 2.1 AA violations", state)
	}
}

// TestAccessibility runs axe-core's WCAG 2.1 A and AA rules over every
// state of the page (empty, results, paragraphs, facets chosen, no
// results, error, an article, English, the suggestion list) and over the
// widget on a newsroom's page, light and dark.
func TestAccessibility(t *testing.T) {
	axe := axeSource(t)
	ctx, ev := browser(t)
	apiURL, siteURL := servers(t)
	ready := `document.documentElement.dataset.ready === "1" && !document.body.hasAttribute("aria-busy")`
	q := url.QueryEscape("城市更新")
	for _, c := range []struct {
		state, path, wait string
	}{
		{"empty", "/", ready + ` && document.querySelectorAll("#message .examples a").length > 0`},
		{"results", "/?q=" + q, ready + ` && document.querySelectorAll("#results li.hit").length === 10`},
		{"paragraphs", "/?q=" + q + "&type=paragraph&page=2", ready + ` && document.querySelectorAll("#results .pno").length > 0`},
		{"facet chosen", "/?q=" + q + "&section=" + url.QueryEscape("经济") + "&since=2024-01-01", ready + ` && document.querySelectorAll("#filters .chip").length === 2`},
		{"no results", "/?q=" + url.QueryEscape("城市更新火星基地"), ready + ` && document.querySelectorAll("#message a.chip").length > 0`},
		{"error", "/?q=" + q + "&page=1002", ready + ` && document.querySelector("#message.error") !== null`},
		{"article", "/articles/city-01?q=" + q, `document.querySelector("#article h1") !== null && !document.getElementById("related").hidden`},
		{"english", "/?q=" + q + "&lang=en", ready + ` && / results? in /.test(document.getElementById("status").textContent)`},
	} {
		run(t, ctx, c.state, chromedp.Navigate(apiURL+c.path), waitJS(c.wait))
		checkAxe(t, ctx, ev, axe, "page "+c.state)
	}
	run(t, ctx, "suggestions", chromedp.Navigate(apiURL+"/"), waitJS(ready),
		chromedp.Focus("#q", chromedp.ByID), chromedp.KeyEvent("城市"),
		waitJS(`document.querySelectorAll("#suggest li").length > 0`), chromedp.KeyEvent(kb.ArrowDown))
	checkAxe(t, ctx, ev, axe, "page suggestions")

	const root = `document.querySelector("#search").shadowRoot`
	for _, scheme := range []string{"light", "dark"} {
		run(t, ctx, "widget "+scheme,
			emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}),
			chromedp.Navigate(siteURL+"/"), waitJS(`!!`+root+`?.querySelector("input.zs-q")`),
			chromedp.Evaluate(`zhsearch.mount("#search", {type: "paragraph"}).search("城市更新")`, nil),
			waitJS(root+`.querySelectorAll("li.zs-hit").length === 5 && !`+root+`.querySelector(".zs-next").disabled`))
		checkAxe(t, ctx, ev, axe, "widget "+scheme)
		screenshot(t, ctx, 1280, "widget-"+scheme)
	}
	run(t, ctx, "light again", emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}}))
	ev.check(t)
}

// TestKeyboardOnly drives the page with the keyboard alone, from the top
// of the page: Tab to the search box, type, Enter; Tab to a facet, Enter;
// Tab to the next page, Enter; choose paragraphs with the arrow keys; a
// date typed the Chinese way; Tab to a result, Enter opens the article.
// And the widget: Tab into it, type, Enter, Tab to its next page, Enter.
func TestKeyboardOnly(t *testing.T) {
	ctx, ev := browser(t)
	apiURL, siteURL := servers(t)
	ready := `document.documentElement.dataset.ready === "1" && !document.body.hasAttribute("aria-busy")`
	// tab presses Tab (Shift+Tab with back) until the focused element
	// matches sel, at most 60 times.
	tab := func(step, sel string, back bool) {
		t.Helper()
		key := kb.Tab
		var mods []chromedp.KeyOption
		if back {
			mods = append(mods, chromedp.KeyModifiers(input.ModifierShift))
		}
		for i := 0; i < 60; i++ {
			if evalJS[bool](t, ctx, `(() => { let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement; return !!a && a.matches(`+jsString(sel)+`); })()`) {
				return
			}
			run(t, ctx, step, chromedp.KeyEvent(key, mods...))
		}
		t.Fatalf("%s: Tab never reached %s", step, sel)
	}
	run(t, ctx, "open", chromedp.Navigate(apiURL+"/"), waitJS(ready))
	tab("to the search box", "#q", false)
	run(t, ctx, "search", chromedp.KeyEvent("城市更新"), chromedp.KeyEvent(kb.Enter),
		waitJS(ready+` && document.querySelectorAll("#results li.hit").length === 10`))
	tab("to a facet", `#facets a.facet[data-facet="section"]`, false)
	facet := evalJS[string](t, ctx, `document.activeElement.dataset.value`)
	run(t, ctx, "choose the facet", chromedp.KeyEvent(kb.Enter),
		waitJS(ready+` && new URL(location.href).searchParams.get("section") === `+jsString(facet)+` && document.querySelectorAll("#results li.hit").length > 0`))
	tab("to the next page", "#pager a.next", false)
	run(t, ctx, "next page", chromedp.KeyEvent(kb.Enter),
		waitJS(ready+` && new URL(location.href).searchParams.get("page") === "2" && document.querySelectorAll("#results li.hit").length > 0`))
	if got := evalJS[string](t, ctx, `new URL(location.href).searchParams.get("section")`); got != facet {
		t.Errorf("paging lost the facet: section=%q", got)
	}
	// Back up to the result type and pick paragraphs with an arrow key.
	tab("back to the result type", "#type-article", true)
	run(t, ctx, "paragraphs", chromedp.KeyEvent(kb.ArrowRight),
		waitJS(ready+` && new URL(location.href).searchParams.get("type") === "paragraph" && document.querySelectorAll("#results .pno").length > 0`))
	// A date typed as a Chinese reader writes it; Enter applies it.
	tab("to the date", "#since", false)
	run(t, ctx, "date", chromedp.KeyEvent("2024年2月1日"), chromedp.KeyEvent(kb.Enter),
		waitJS(ready+` && new URL(location.href).searchParams.get("since") === "2024-02-01"`))
	tab("to a result", "#results .hit-title a", false)
	run(t, ctx, "open it", chromedp.KeyEvent(kb.Enter), waitJS(`location.pathname.startsWith("/articles/") && document.querySelector("#article h1") !== null`))

	// The widget, by keys alone.
	const root = `document.querySelector("#search").shadowRoot`
	run(t, ctx, "widget", chromedp.Navigate(siteURL+"/"), waitJS(`!!`+root+`?.querySelector("input.zs-q")`))
	tab("to the widget's box", "input.zs-q", false)
	run(t, ctx, "widget search", chromedp.KeyEvent("城市更新"), chromedp.KeyEvent(kb.Enter),
		waitJS(root+`.querySelectorAll("li.zs-hit").length === 5`))
	first := evalJS[string](t, ctx, root+`.querySelector(".zs-title").textContent`)
	tab("to the widget's next page", "button.zs-next", false)
	run(t, ctx, "widget next page", chromedp.KeyEvent(kb.Enter),
		waitJS(root+`.querySelector(".zs-title") && `+root+`.querySelector(".zs-title").textContent !== `+jsString(first)))
	ev.check(t)
}

// TestExamplesComeFromTheIndex: the empty page offers the words GET
// /v1/examples takes from the index, and the placeholder names the first;
// over an empty index it offers none (nothing written into the page).
func TestExamplesComeFromTheIndex(t *testing.T) {
	ctx, ev := browser(t)
	apiURL, _ := servers(t)
	var want struct {
		Examples []string `json:"examples"`
	}
	resp, err := http.Get(apiURL + "/v1/examples?size=3")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&want)
	resp.Body.Close()
	if err != nil || len(want.Examples) == 0 {
		t.Fatalf("GET /v1/examples: %+v (%v)", want, err)
	}
	run(t, ctx, "open", chromedp.Navigate(apiURL+"/"), waitJS(`document.querySelectorAll("#message .examples a").length > 0`))
	got := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#message .examples a")].map(a => a.textContent)`)
	if strings.Join(got, "|") != strings.Join(want.Examples, "|") {
		t.Errorf("the page offers %q, the index %q", got, want.Examples)
	}
	if ph := evalJS[string](t, ctx, `document.getElementById("q").placeholder`); !strings.Contains(ph, want.Examples[0]) {
		t.Errorf("placeholder %q does not name %q", ph, want.Examples[0])
	}
	screenshot(t, ctx, 1280, "empty-examples")

	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	empty := httptest.NewServer(api.New(api.Config{Backend: ix, Web: web.New(web.Options{})}))
	defer empty.Close()
	run(t, ctx, "empty index", chromedp.Navigate(empty.URL+"/"),
		waitJS(`document.documentElement.dataset.ready === "1" && document.querySelector("#message.empty") !== null`),
		// the page's own request for examples has returned, and its answer been used
		waitJS(`performance.getEntriesByType("resource").some(e => e.name.includes("/v1/examples") && e.responseEnd > 0)`),
		chromedp.Sleep(200*time.Millisecond))
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#message a").length`); n != 0 {
		t.Errorf("an empty index offers %d examples: %s", n, evalJS[string](t, ctx, `document.getElementById("message").textContent`))
	}
	if ph := evalJS[string](t, ctx, `document.getElementById("q").placeholder`); ph != "搜索新闻" {
		t.Errorf("placeholder %q over an empty index", ph)
	}
	ev.check(t)
}

// TestDropAWordDropsWords: the no-results hint leaves out whole words as
// the server's segmenter finds them (二七 经开区 火星), never characters.
func TestDropAWordDropsWords(t *testing.T) {
	ctx, ev := browser(t)
	apiURL, _ := servers(t)
	run(t, ctx, "no results", chromedp.Navigate(apiURL+"/?q="+url.QueryEscape("二七经开区火星")),
		waitJS(`document.querySelector("#message.none") !== null && document.querySelectorAll("#message a.chip").length > 0`))
	chips := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#message a.chip")].map(a => a.textContent)`)
	if strings.Join(chips, "|") != "经开区火星|二七火星|二七经开区" {
		t.Errorf("drop-a-word suggestions %q, want 经开区火星|二七火星|二七经开区", chips)
	}
	screenshot(t, ctx, 1280, "no-results-words")
	run(t, ctx, "take one", chromedp.Click(`#message a.chip:last-child`, chromedp.ByQuery),
		waitJS(`document.querySelectorAll("#results li.hit").length > 0`))
	// 第 N 段 is no bigger than the date beside it.
	run(t, ctx, "paragraphs", chromedp.Navigate(apiURL+"/?type=paragraph&q="+url.QueryEscape("城市更新")),
		waitJS(`document.querySelectorAll("#results .meta time").length > 0 && document.querySelectorAll("#results .pno").length > 0`))
	sizes := evalJS[[]float64](t, ctx, `(() => { const m = document.querySelector("#results .meta"); return [m.querySelector(".pno"), m.querySelector("time")].map(e => parseFloat(getComputedStyle(e).fontSize)); })()`)
	if sizes[0] > sizes[1] {
		t.Errorf("第 N 段 is %.1fpx, the date beside it %.1fpx", sizes[0], sizes[1])
	}
	if txt := evalJS[string](t, ctx, `document.querySelector("#results .pno").textContent`); !strings.HasPrefix(txt, "第 ") || strings.HasPrefix(txt, "第 0 段") {
		t.Errorf("paragraph label %q", txt)
	}
	screenshot(t, ctx, 1280, "paragraphs")
	ev.check(t)
}

// TestWidgetTheming: the widget takes the host site's font (inherited)
// and the colours it sets as documented custom properties on the element
// it is mounted in; the host's other styles still stay outside.
func TestWidgetTheming(t *testing.T) {
	ctx, ev := browser(t)
	_, siteURL := servers(t)
	const root = `document.querySelector("#search").shadowRoot`
	run(t, ctx, "open", chromedp.Navigate(siteURL+"/"), waitJS(`!!`+root+`?.querySelector("input.zs-q")`),
		chromedp.Evaluate(`zhsearch.mount("#search").search("城市更新")`, nil),
		waitJS(root+`.querySelectorAll(".zs-hit mark").length > 0`))
	props := map[string][2]string{ // custom property → element in the widget, CSS property
		"--zhsearch-link":        {".zs-title", "color"},
		"--zhsearch-button":      {".zs-go", "background-color"},
		"--zhsearch-button-text": {".zs-go", "color"},
		"--zhsearch-mark":        {"mark", "background-color"},
		"--zhsearch-mark-text":   {"mark", "color"},
		"--zhsearch-text":        {".zs-snippet", "color"},
		"--zhsearch-muted":       {".zs-meta", "color"},
	}
	i := 0
	for prop, target := range props {
		i++
		colour := fmt.Sprintf("rgb(%d, %d, %d)", i, 2*i, 3*i)
		got := evalJS[string](t, ctx, `(() => { document.querySelector("#search").style.setProperty(`+jsString(prop)+`, `+jsString(colour)+`);
			return getComputedStyle(`+root+`.querySelector(`+jsString(target[0])+`)).getPropertyValue(`+jsString(target[1])+`); })()`)
		if got != colour {
			t.Errorf("%s: %s %s is %s, want %s", prop, target[0], target[1], got, colour)
		}
	}
	font := evalJS[string](t, ctx, `getComputedStyle(`+root+`.querySelector(".zs-snippet")).fontFamily`)
	if host := evalJS[string](t, ctx, `getComputedStyle(document.body).fontFamily`); font != host {
		t.Errorf("the widget's font %q, the host's %q", font, host)
	}
	evalJS[bool](t, ctx, `(document.querySelector("#search").style.setProperty("--zhsearch-font", "monospace"), true)`)
	if f := evalJS[string](t, ctx, `getComputedStyle(`+root+`.querySelector(".zs-snippet")).fontFamily`); f != "monospace" {
		t.Errorf("--zhsearch-font: the widget's font is %q", f)
	}
	ev.check(t)
}
