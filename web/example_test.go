package web_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/zhsearch/zhsearch/web"
)

// The site is an http.Handler with the routes it answers; package api
// mounts it beside the JSON API.
func Example() {
	site := web.New(web.Options{})
	fmt.Println(site.Routes())

	rec := httptest.NewRecorder()
	site.ServeHTTP(rec, httptest.NewRequest("GET", "/articles/1e2e3d5ca669c8dd", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output:
	// [/ /articles/:id /widget.js /widget.css /widget-demo.html /assets/*]
	// 200 text/html; charset=utf-8
}
