package main

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestEndToEndSearchFeatures checks suggest, related, facets and an error
// against the real binary serving the seed page.
func TestEndToEndSearchFeatures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	base, _ := startServer(t, buildBinary(t))

	var sug struct {
		Suggestions []string `json:"suggestions"`
	}
	getJSON(t, base+"/v1/suggest?q="+url.QueryEscape("二七"), 200, &sug)
	if !slices.Contains(sug.Suggestions, "二七经开区位居全省先进制造业开发区第二档(200亿至400亿元)第六名") {
		t.Errorf("suggest 二七: %q", sug.Suggestions)
	}

	var res struct {
		Total  int `json:"total"`
		Facets map[string][]struct {
			Value string `json:"value"`
			Count int    `json:"count"`
		} `json:"facets"`
		Hits []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	getJSON(t, base+"/v1/search?q="+url.QueryEscape("工作")+"&facets=section,author&sort=newest", 200, &res)
	if res.Total != 2 || len(res.Facets["author"]) == 0 {
		t.Errorf("facets: total %d, %+v", res.Total, res.Facets)
	}
	id := res.Hits[0].ID
	getJSON(t, base+"/v1/articles/"+id+"/related", 200, &res)
	for _, h := range res.Hits {
		if h.ID == id {
			t.Errorf("%s related to itself", id)
		}
	}

	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	getJSON(t, base+"/v1/search?q="+url.QueryEscape("地铁")+"&until=2024-02-30", 400, &e)
	if e.Error.Code != "invalid_query" || !strings.Contains(e.Error.Message, "YYYY-MM-DD") {
		t.Errorf("bad date: %+v", e.Error)
	}
}
