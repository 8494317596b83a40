// Package web serves zhsearch's search page and its drop-in widget: plain
// JavaScript, CSS and HTML embedded in the binary, with no build step.
//
// The page at / (and /articles/{id}, the same page showing one article)
// and the widget (widget.js, mounted into a newsroom's own page) both call
// the JSON API under /v1 from the browser. Document text is only ever put
// into the DOM as text, or as the API's escaped HTML with <mark> as its
// only markup, parsed by splitting on the exact tags; the pages run under
// a Content-Security-Policy that forbids inline script and style.
package web

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// CSP is the Content-Security-Policy of the page and the demo: scripts,
// styles and API calls from this origin only, nothing inline, no plugins,
// no framing by other sites.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'self'"

// Options configure the site.
type Options struct {
	// Modified is the time assets report as Last-Modified; zero means the
	// time the site was built (the binary's start).
	Modified time.Time
}

// Site is the web page and widget as an http.Handler.
type Site struct {
	files    fs.FS
	modified time.Time
}

// New returns the site.
func New(opts Options) *Site {
	sub, err := fs.Sub(static, "static")
	if err != nil { // the embed directive guarantees the directory
		panic(err)
	}
	if opts.Modified.IsZero() {
		opts.Modified = time.Now()
	}
	return &Site{files: sub, modified: opts.Modified.UTC().Truncate(time.Second)}
}

// Routes lists the URL patterns (echo syntax) the site answers, for a
// router that mounts it beside the API.
func (s *Site) Routes() []string {
	return []string{"/", "/articles/:id", "/widget.js", "/widget.css", "/widget-demo.html", "/assets/*"}
}

// ServeHTTP serves the page, the article view, the widget and assets.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, data, ok := s.file(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType(name))
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasSuffix(name, ".html") {
		// A policy set by the server's middleware (say, one that lets
		// CORS origins frame the page) wins; otherwise ours applies.
		if h.Get("Content-Security-Policy") == "" {
			h.Set("Content-Security-Policy", CSP)
		}
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Cache-Control", "no-cache")
	} else {
		// widget.js and widget.css are loaded by other sites' pages.
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		h.Set("Cache-Control", "public, max-age=300")
	}
	http.ServeContent(w, r, name, s.modified, bytes.NewReader(data))
}

// Serves reports whether the site has a file at the URL path p: a router
// that mounts the site can answer an unknown path in its own error shape.
func (s *Site) Serves(p string) bool {
	_, _, ok := s.file(p)
	return ok
}

// file resolves a URL path to the embedded file it serves.
func (s *Site) file(p string) (name string, data []byte, ok bool) {
	switch {
	case p == "/" || p == "/index.html":
		name = "index.html"
	case strings.HasPrefix(p, "/articles/") && len(p) > len("/articles/") && !strings.Contains(p[len("/articles/"):], "/"):
		name = "index.html" // the page renders the article itself
	case p == "/widget.js", p == "/widget.css", p == "/widget-demo.html":
		name = p[1:]
	case strings.HasPrefix(p, "/assets/"):
		name = path.Clean(p[1:])
		if !strings.HasPrefix(name, "assets/") {
			name = ""
		}
	}
	if name == "" {
		return "", nil, false
	}
	data, err := fs.ReadFile(s.files, name)
	if err != nil {
		return "", nil, false
	}
	return name, data, true
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}
