package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

func TestEntitiesAPI(t *testing.T) {
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	arts := []*article.Article{
		{ID: "e1", Title: "钟南山院士在武汉说", Paragraphs: []article.Paragraph{{Text: "世界卫生组织专家在武汉交流。"}}},
		{ID: "e2", Title: "总理李克强在北京说", Paragraphs: []article.Paragraph{{Text: "新华社报道。"}}},
	}
	for _, a := range arts {
		a.Normalize()
	}
	if err := ix.Put(context.Background(), arts...); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Backend: ix}))
	t.Cleanup(srv.Close)

	code, body := do(t, http.MethodGet, srv.URL+"/v1/articles/e1/entities", "")
	var e struct {
		ID                 string
		Person, Place, Org []string
	}
	if err := json.Unmarshal(body, &e); code != http.StatusOK || err != nil {
		t.Fatalf("entities: %d %s", code, body)
	}
	if e.ID != "e1" || !slices.Equal(e.Person, []string{"钟南山"}) || !slices.Equal(e.Place, []string{"武汉"}) || !slices.Equal(e.Org, []string{"世界卫生组织"}) {
		t.Errorf("entities of e1: %s", body)
	}
	if code, body := do(t, http.MethodGet, srv.URL+"/v1/articles/nope/entities", ""); code != http.StatusNotFound {
		t.Errorf("unknown article: %d %s", code, body)
	}

	for _, tc := range []struct {
		name   string
		params url.Values
		want   []string
	}{
		{"person", url.Values{"person": {"钟南山"}}, []string{"e1"}},
		{"place", url.Values{"place": {"北京"}}, []string{"e2"}},
		{"org", url.Values{"org": {"新华社"}}, []string{"e2"}},
		{"any of two", url.Values{"person": {"钟南山", "李克强"}}, []string{"e1", "e2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.params.Set("q", "说")
			tc.params.Set("facets", "person,place,org")
			code, body := do(t, http.MethodGet, srv.URL+"/v1/search?"+tc.params.Encode(), "")
			var r struct {
				Hits   []struct{ ID string }
				Facets map[string][]index.FacetValue
			}
			if err := json.Unmarshal(body, &r); code != http.StatusOK || err != nil {
				t.Fatalf("%d %s", code, body)
			}
			var ids []string
			for _, h := range r.Hits {
				ids = append(ids, h.ID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tc.want) {
				t.Errorf("hits %v, want %v", ids, tc.want)
			}
			for _, f := range []string{"person", "place", "org"} {
				if len(r.Facets[f]) == 0 {
					t.Errorf("facet %s missing or empty: %s", f, body)
				}
			}
		})
	}
}
