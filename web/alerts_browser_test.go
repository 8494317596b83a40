package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zhsearch/zhsearch/alert"
	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/web"
)

// alertServer is the API with saved searches, the page, the test corpus
// and an API key.
func alertServer(t *testing.T, key string) (string, *alert.Service) {
	t.Helper()
	ctx := context.Background()
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Put(ctx, corpus(t)...); err != nil {
		t.Fatal(err)
	}
	svc, err := alert.Open(ctx, alert.Options{Index: ix})
	if err != nil {
		t.Fatal(err)
	}
	ix.SetWriteHook(svc.Written)
	t.Cleanup(func() {
		svc.Close()
		ix.Close()
	})
	srv := httptest.NewServer(api.New(api.Config{Backend: ix, Store: ix, Alerts: svc, APIKeys: []string{key}, Web: web.New(web.Options{})}))
	t.Cleanup(srv.Close)
	return srv.URL, svc
}

// TestPageSavesListsDeletesAlerts: "保存为提醒" saves the search in the URL
// (query and filters) with the key typed in (a missing key is refused and
// said so), "我的提醒" lists the alert with its newest matches linking to
// their article pages, and 删除 deletes it.
func TestPageSavesListsDeletesAlerts(t *testing.T) {
	ctx, ev := browser(t)
	const key = "k-alerts"
	base, svc := alertServer(t, key)

	run(t, ctx, "search", chromedp.Navigate(base+"/?q=城市更新&section=经济"), waitJS(`document.documentElement.dataset.ready === "1"`),
		waitJS(`document.querySelectorAll("#results li.hit").length > 0 && !document.getElementById("save-alert").hidden`))
	if got := evalJS[string](t, ctx, `document.getElementById("save-alert").textContent`); got != "保存为提醒" {
		t.Errorf("the action reads %q", got)
	}
	// no key: refused, and the page says a key is needed
	run(t, ctx, "open the form", chromedp.Click("#save-alert", chromedp.ByID), waitJS(`!document.getElementById("alert-form").hidden`))
	if got := evalJS[string](t, ctx, `document.getElementById("alert-name").value`); got != "城市更新" {
		t.Errorf("the name starts as %q, want the query", got)
	}
	run(t, ctx, "save without a key", chromedp.Click("#alert-submit", chromedp.ByID),
		waitJS(`document.getElementById("alert-status").textContent.includes("API 密钥")`))
	if as := listAlerts(t, base); len(as) != 0 {
		t.Fatalf("saved without a key: %v", as)
	}
	run(t, ctx, "save with the key",
		chromedp.SendKeys("#alert-name", "经济版城市更新", chromedp.ByID), // appended to the query
		chromedp.SendKeys("#alert-key", key, chromedp.ByID),
		chromedp.Click("#alert-submit", chromedp.ByID),
		waitJS(`document.getElementById("alert-status").textContent.includes("已保存提醒")`))
	as := listAlerts(t, base)
	if len(as) != 1 || as[0].Query != "城市更新" || strings.Join(as[0].Section, ",") != "经济" || as[0].Name != "城市更新经济版城市更新" {
		t.Fatalf("saved %+v, want q 城市更新, section 经济, the name typed", as)
	}

	// articles written afterwards: one matches (经济), one not (社会)
	for _, body := range []string{
		`{"id": "new-1", "title": "城市更新带动老街新生", "section": "经济", "paragraphs": ["城市更新让老街焕发活力。"]}`,
		`{"id": "new-2", "title": "城市更新惠及社区", "section": "社会", "paragraphs": ["城市更新改善居住环境。"]}`,
	} {
		req, _ := http.NewRequest("POST", base+"/v1/articles", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST /v1/articles: %d", resp.StatusCode)
		}
	}
	fctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := svc.Flush(fctx); err != nil {
		t.Fatal(err)
	}

	run(t, ctx, "list", chromedp.Click("#alerts-open", chromedp.ByID),
		waitJS(`document.querySelectorAll("#alert-list .alert-matches a").length === 1`))
	if got := evalJS[string](t, ctx, `document.querySelector("#alert-list .alert h3").textContent`); got != "城市更新经济版城市更新" {
		t.Errorf("the alert is listed as %q", got)
	}
	link := evalJS[[]string](t, ctx, `(a => [a.textContent, a.getAttribute("href")])(document.querySelector("#alert-list .alert-matches a"))`)
	if link[0] != "城市更新带动老街新生" || link[1] != "/articles/new-1" {
		t.Errorf("the match links %q to %q, want the new 经济 article", link[0], link[1])
	}
	if meta := evalJS[string](t, ctx, `document.querySelector("#alert-list .alert-meta").textContent`); !strings.Contains(meta, "版面：经济") || !strings.Contains(meta, "共 1 条匹配") {
		t.Errorf("the alert's line reads %q", meta)
	}
	screenshot(t, ctx, 1280, "alerts")
	run(t, ctx, "open the match", chromedp.Click("#alert-list .alert-matches a", chromedp.ByQuery),
		waitJS(`location.pathname === "/articles/new-1" && !document.getElementById("article-view").hidden && document.getElementById("alerts").hidden`))

	// delete: the key is remembered for the tab
	// (clicked from script: the list may render twice as it loads, and a
	// node chromedp resolved before the second is gone)
	run(t, ctx, "back to the list", waitJS(`!document.body.hasAttribute("aria-busy")`),
		chromedp.Evaluate(`document.getElementById("alerts-open").click()`, nil),
		waitJS(`document.querySelectorAll("#alert-list .alert").length === 1`))
	run(t, ctx, "delete", chromedp.Evaluate(`document.querySelector("#alert-list .alert .delete").click()`, nil),
		waitJS(`document.querySelectorAll("#alert-list .alert").length === 0 && document.getElementById("alerts-status").textContent.includes("已删除")`))
	if as := listAlerts(t, base); len(as) != 0 {
		t.Errorf("still saved after 删除: %v", as)
	}
	ev.check(t)
}

func listAlerts(t *testing.T, base string) []alert.Alert {
	t.Helper()
	var out struct {
		Alerts []alert.Alert `json:"alerts"`
	}
	resp, err := http.Get(base + "/v1/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Alerts
}
