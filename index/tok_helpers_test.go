package index

// Helpers of the analysis, dictionary and recall tests.

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/seeds"
)

// openMem opens an in-memory index closed at the end of the test.
func openMem(t testing.TB) *Index {
	t.Helper()
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// reopen closes ix and opens its directory again (not bulk), as a server
// would after an import or a restart; the reopened index closes with the
// test.
func reopen(t testing.TB, ix *Index, dir string) *Index {
	t.Helper()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// seedArticles parses the embedded seed pages.
func seedArticles(t testing.TB) []*article.Article {
	t.Helper()
	var arts []*article.Article
	for _, p := range seeds.Pages() {
		page, err := article.ParsePage(strings.NewReader(p.Text), article.PageMeta{Source: "seed", Page: p.Name})
		if err != nil {
			t.Fatal(err)
		}
		for i := range page.Articles {
			arts = append(arts, &page.Articles[i])
		}
	}
	return arts
}

// put stores articles built from id, title and paragraphs.
func put(t testing.TB, ix *Index, id, title string, paras ...string) *article.Article {
	t.Helper()
	a := &article.Article{ID: id, Title: title}
	for _, p := range paras {
		a.Paragraphs = append(a.Paragraphs, article.Paragraph{Text: p})
	}
	return putArticle(t, ix, a)
}

// putArticle normalises and stores a.
func putArticle(t testing.TB, ix *Index, a *article.Article) *article.Article {
	t.Helper()
	a.Normalize()
	if err := ix.Put(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// openBulk opens a bulk index in a new directory, which it returns; the
// test closes it.
func openBulk(t testing.TB) (*Index, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := Open(Options{Path: dir, Bulk: true})
	if err != nil {
		t.Fatal(err)
	}
	return ix, dir
}

// search runs a query and fails the test on error.
func mustSearch(t testing.TB, ix *Index, r Request) *Result {
	t.Helper()
	res, err := ix.Search(context.Background(), r)
	if err != nil {
		t.Fatalf("search %q: %v", r.Query, err)
	}
	return res
}
