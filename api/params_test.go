package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCountParameters: page, size, snippets and snippet_len follow one
// rule on every endpoint: left out, they take their default; given, they
// must be a whole number of 1 or more, and 0 or a negative number is a 400
// that names the parameter (never silently the default).
func TestCountParameters(t *testing.T) {
	base := testServer(t)
	store, _ := writeServer(t, Config{})
	for _, c := range []struct {
		base, path string
		params     url.Values
		param      string
	}{
		{base, "/v1/search", url.Values{"q": {"地铁"}}, "size"},
		{base, "/v1/search", url.Values{"q": {"地铁"}}, "page"},
		{base, "/v1/search", url.Values{"q": {"地铁"}}, "snippets"},
		{base, "/v1/search", url.Values{"q": {"地铁"}}, "snippet_len"},
		{base, "/v1/suggest", url.Values{"q": {"地"}}, "size"},
		{base, "/v1/examples", url.Values{}, "size"},
		{base, "/v1/articles/no-such-article/related", url.Values{}, "size"},
		{store, "/v1/articles", url.Values{}, "size"},
		{store, "/v1/articles", url.Values{}, "page"},
	} {
		for _, v := range []string{"0", "-1", "-0"} {
			t.Run(c.path+" "+c.param+"="+v, func(t *testing.T) {
				p := url.Values{}
				for k, vs := range c.params {
					p[k] = vs
				}
				p.Set(c.param, v)
				var body struct{ Error Error }
				get(t, c.base, c.path, p, http.StatusBadRequest, &body)
				if body.Error.Code != "invalid_parameter" || !strings.HasPrefix(body.Error.Message, c.param+": ") ||
					!strings.Contains(body.Error.Message, "1 or more") || !strings.Contains(body.Error.Message, "leave it out") {
					t.Errorf("error %+v, want invalid_parameter naming %s, 1 or more, and the default", body.Error, c.param)
				}
			})
		}
	}
	// Left out: the defaults, which the answer reports.
	var res result
	get(t, base, "/v1/search", url.Values{"q": {"地铁"}}, http.StatusOK, &res)
	if res.Page != 1 || res.Size != 10 {
		t.Errorf("defaults: page %d size %d, want 1 and 10", res.Page, res.Size)
	}
	// Given: kept.
	get(t, base, "/v1/search", url.Values{"q": {"地铁"}, "size": {"1"}, "page": {"2"}}, http.StatusOK, &res)
	if res.Page != 2 || res.Size != 1 || len(res.Hits) > 1 {
		t.Errorf("size=1&page=2: page %d size %d, %d hits", res.Page, res.Size, len(res.Hits))
	}
}

// TestExamplesAPI: GET /v1/examples answers words of the index's titles
// that find something; size follows the count rule.
func TestExamplesAPI(t *testing.T) {
	base := testServer(t)
	var body struct {
		Examples []string `json:"examples"`
	}
	get(t, base, "/v1/examples", url.Values{"size": {"5"}}, http.StatusOK, &body)
	if len(body.Examples) != 5 {
		t.Fatalf("examples %q, want 5", body.Examples)
	}
	for _, w := range body.Examples {
		var res result
		get(t, base, "/v1/search", url.Values{"q": {w}}, http.StatusOK, &res)
		if res.Total == 0 {
			t.Errorf("example %q finds nothing", w)
		}
	}
	for _, v := range []string{"0", "-1", "11", "x"} {
		get(t, base, "/v1/examples", url.Values{"size": {v}}, http.StatusBadRequest, nil)
	}
}
