package index

import (
	"context"
	"errors"
	"testing"
)

// FuzzSearch: whatever the query and parameters, a search answers or says
// the request is invalid; it never fails otherwise (the API's 500).
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"二七经开区", `"二七店" -地铁`, "(a OR b) title:c", "author:王芳", "-", "((", `"`, "OR", "臺灣", "<script>", "地铁*"} {
		f.Add(s, "2024-06-01", "newest", uint8(0))
	}
	ix := sharedTestIndex(f)
	f.Fuzz(func(t *testing.T, q, since, sort string, flags uint8) {
		r := Request{Query: q, Since: since, Sort: sort, Explain: flags&1 != 0, Facets: []string{"month", "tag"}}
		if flags&2 != 0 {
			r.Type = TypeParagraph
			if flags&4 != 0 {
				r.Collapse = CollapseArticle
			}
		}
		if flags&8 != 0 && sort == "" {
			r.Boost = BoostRecent
		}
		res, err := ix.Search(context.Background(), r)
		if err != nil && !errors.Is(err, ErrInvalidQuery) {
			t.Fatalf("%+v: %v", r, err)
		}
		if err == nil && res.NextCursor != "" {
			r.Cursor, r.Boost, r.Collapse = res.NextCursor, "", ""
			if _, err := ix.Search(context.Background(), r); err != nil {
				t.Fatalf("cursor page of %+v: %v", r, err)
			}
		}
	})
}

func BenchmarkSearch(b *testing.B) {
	ix := sharedTestIndex(b)
	ctx := context.Background()
	reqs := []Request{
		{Query: "二七经开区"}, {Query: "地铁", Type: TypeParagraph}, {Query: "地铁", Facets: []string{"section", "month"}},
		{Query: "经济 OR 消费", Sort: SortNewest}, {Query: "地铁", Boost: BoostRecent},
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ix.Search(ctx, reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
	}
}
