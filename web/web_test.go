package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/web"
)

func TestServes(t *testing.T) {
	srv := httptest.NewServer(web.New(web.Options{}))
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		status       int
		ctype        string
		contains     string
		csp          bool
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", `<script type="module" src="/assets/app.js">`, true},
		{"GET", "/articles/1e2e3d5ca669c8dd", 200, "text/html; charset=utf-8", `id="article-view"`, true},
		{"GET", "/widget-demo.html", 200, "text/html; charset=utf-8", `src="/widget.js" data-target="#search"`, true},
		{"GET", "/widget.js", 200, "text/javascript; charset=utf-8", "zhsearch.mount", false},
		{"GET", "/widget.css", 200, "text/css; charset=utf-8", ":host", false},
		{"GET", "/assets/app.js", 200, "text/javascript; charset=utf-8", "pushState", false},
		{"GET", "/assets/marks.js", 200, "text/javascript; charset=utf-8", "export function splitMarked", false},
		{"GET", "/assets/app.css", 200, "text/css; charset=utf-8", "word-break: keep-all", false},
		{"HEAD", "/", 200, "text/html; charset=utf-8", "", true},
		{"GET", "/assets/nope.js", 404, "", "", false},
		{"GET", "/assets/../web.go", 404, "", "", false},
		{"GET", "/articles/a/b", 404, "", "", false},
		{"GET", "/articles/", 404, "", "", false},
		{"POST", "/", 405, "", "", false},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != tc.ctype {
				t.Errorf("Content-Type %q, want %q", ct, tc.ctype)
			}
			if !strings.Contains(string(body), tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
			if got := resp.Header.Get("Content-Security-Policy"); (got == web.CSP) != tc.csp {
				t.Errorf("Content-Security-Policy %q", got)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}
		})
	}
}

// TestNoInlineScriptOrStyle keeps the pages working under the CSP: no
// inline <script>, no on* handler attributes, no style attributes.
func TestNoInlineScriptOrStyle(t *testing.T) {
	srv := httptest.NewServer(web.New(web.Options{}))
	defer srv.Close()
	for _, p := range []string{"/", "/widget-demo.html"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		html := strings.ToLower(string(b))
		for _, bad := range []string{"<script>", "<style", " style=", " onclick=", " onload=", " onerror=", " onsubmit=", "javascript:"} {
			if strings.Contains(html, bad) {
				t.Errorf("%s contains %q", p, bad)
			}
		}
		for _, tag := range strings.Split(html, "<script")[1:] {
			if !strings.Contains(tag[:strings.Index(tag, ">")], " src=") {
				t.Errorf("%s has an inline script: <script%s", p, tag[:strings.Index(tag, ">")+1])
			}
		}
	}
	if !strings.Contains(web.CSP, "script-src 'self'") || strings.Contains(web.CSP, "unsafe-inline") {
		t.Errorf("CSP %q allows inline script", web.CSP)
	}
}
