package index

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// entitiesIndex is an in-memory index of three small articles of our own,
// on seg (nil: the shared segmenter).
func entitiesIndex(t *testing.T, seg *tokenizer.Segmenter) *Index {
	t.Helper()
	ix, err := Open(Options{Segmenter: seg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	arts := []*article.Article{
		{ID: "e1", Title: "钟南山院士在武汉说", Paragraphs: []article.Paragraph{{Text: "世界卫生组织专家与钟南山院士在武汉交流。"}}},
		{ID: "e2", Title: "总理李克强在北京会见外宾", Paragraphs: []article.Paragraph{{Text: "新华社报道，李克强说，北京欢迎各国朋友。"}}},
		{ID: "e3", Title: "白沙湖科创园培育企业", Paragraphs: []article.Paragraph{{Text: "白沙湖科创园在郑州。"}}},
	}
	for _, a := range arts {
		a.Normalize()
	}
	if err := ix.Put(context.Background(), arts...); err != nil {
		t.Fatal(err)
	}
	return ix
}

func entityHitIDs(r *Result) []string {
	var ids []string
	for _, h := range r.Hits {
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestEntitiesStoredFilteredFaceted(t *testing.T) {
	ix := entitiesIndex(t, nil)
	ctx := context.Background()
	e, err := ix.Entities(ctx, "e1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.Person, []string{"钟南山"}) || !slices.Equal(e.Place, []string{"武汉"}) || !slices.Equal(e.Org, []string{"世界卫生组织"}) {
		t.Errorf("e1's names: %+v", e)
	}
	if _, err := ix.Entities(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown article: %v, want ErrNotFound", err)
	}
	for _, tc := range []struct {
		name string
		r    Request
		want []string
	}{
		{"person", Request{Query: "说", Persons: []string{"钟南山"}}, []string{"e1"}},
		{"person, traditional", Request{Query: "说", Persons: []string{"鍾南山"}}, []string{"e1"}},
		{"any of two persons", Request{Query: "说", Persons: []string{"钟南山", "李克强"}}, []string{"e1", "e2"}},
		{"place", Request{Query: "在", Places: []string{"北京"}}, []string{"e2"}},
		{"org", Request{Query: "说", Orgs: []string{"新华社"}}, []string{"e2"}},
		{"person and org", Request{Query: "说", Persons: []string{"钟南山"}, Orgs: []string{"新华社"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ix.Search(ctx, tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if got := entityHitIDs(r); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	r, err := ix.Search(ctx, Request{Query: "在", Facets: []string{"person", "place", "org"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Facets["place"]; !slices.Contains(got, FacetValue{Value: "武汉", Count: 1}) || !slices.Contains(got, FacetValue{Value: "郑州", Count: 1}) {
		t.Errorf("place facet: %v", got)
	}
	if got := r.Facets["person"]; !slices.Contains(got, FacetValue{Value: "钟南山", Count: 1}) {
		t.Errorf("person facet: %v", got)
	}
}

// TestEntitiesRetaggedByDictionary: a word the newsroom adds with a tag
// re-tags the stored articles holding it (the dictionary's re-index).
func TestEntitiesRetaggedByDictionary(t *testing.T) {
	// The index has a segmenter of its own: the word reaches no other
	// test, and every run (-count=N) starts without it.
	const word = "白沙湖科创园"
	ix := entitiesIndex(t, ownSegmenter(t))
	if ix.seg.Contains(word) {
		t.Fatalf("a fresh segmenter knows %s", word)
	}
	ctx := context.Background()
	e, err := ix.Entities(ctx, "e3")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(e.Place, word) {
		t.Fatalf("e3 names %s before it is a word: %+v", word, e)
	}
	if _, err := ix.AddWords(ctx, tokenizer.Word{Word: word, Pos: "ns"}); err != nil {
		t.Fatal(err)
	}
	if err := ix.WaitReindex(ctx); err != nil {
		t.Fatal(err)
	}
	if e, err = ix.Entities(ctx, "e3"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.Place, []string{word, "郑州"}) {
		t.Errorf("e3's places after the word: %v", e.Place)
	}
	r, err := ix.Search(ctx, Request{Query: "企业", Places: []string{word}})
	if err != nil {
		t.Fatal(err)
	}
	if got := entityHitIDs(r); !slices.Equal(got, []string{"e3"}) {
		t.Errorf("place=%s: %v", word, got)
	}
}
