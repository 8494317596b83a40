package index

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/zhsearch/zhsearch/article"
)

// TestLoadStored: each hit gets its own stored article, read at its
// document number, and still its own when writes and a merge came between
// the search and the read (the numbers then name other documents); a hit
// deleted since gets none.
func TestLoadStored(t *testing.T) {
	ix, err := Open(Options{Path: filepath.Join(t.TempDir(), "idx")})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	put := func(from, to int) {
		var arts []*article.Article
		for i := from; i < to; i++ {
			a := &article.Article{ID: fmt.Sprintf("a%03d", i), Title: fmt.Sprintf("第%d号新闻", i),
				Paragraphs: []article.Paragraph{{Text: fmt.Sprintf("城市建设第%d项工程开工。", i)}}}
			a.Normalize()
			arts = append(arts, a)
		}
		if err := ix.Put(ctx, arts...); err != nil {
			t.Fatal(err)
		}
	}
	for b := 0; b < 4; b++ { // four batches, four segments
		put(b*10, b*10+10)
	}
	search := func() []string {
		q := bleve.NewMatchAllQuery()
		res, err := ix.bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, 40, 0, false))
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.loadStored(res.Hits); err != nil {
			t.Fatal(err)
		}
		var bad []string
		for _, h := range res.Hits {
			raw, _ := h.Fields[fieldStored].(string)
			a, err := decodeStored(h.ID, []byte(raw))
			if err != nil || a.ID != h.ID {
				bad = append(bad, h.ID)
			}
		}
		return bad
	}
	if bad := search(); len(bad) > 0 {
		t.Fatalf("hits with another's article or none: %v", bad)
	}

	// the search's numbers, then writes, deletes and a merge, then the read
	res, err := ix.bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 40, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(ctx, "a000"); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(ctx, "a015"); err != nil {
		t.Fatal(err)
	}
	put(40, 50)
	if err := ix.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ix.loadStored(res.Hits); err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		raw, _ := h.Fields[fieldStored].(string)
		if h.ID == "a000" || h.ID == "a015" {
			if raw != "" {
				t.Errorf("%s, deleted since the search, got an article", h.ID)
			}
			continue
		}
		a, err := decodeStored(h.ID, []byte(raw))
		if err != nil || a.ID != h.ID {
			t.Errorf("%s got %q (%v)", h.ID, raw, err)
		}
	}
}
