package index

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/zhsearch/zhsearch/article"
)

// testArticles reads the hand-written corpus and the seed page (parsed as
// the server does, with source "seed").
func testArticles(t testing.TB) []*article.Article {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "corpus.json"))
	if err != nil {
		t.Fatal(err)
	}
	var arts []*article.Article
	if err := json.Unmarshal(raw, &arts); err != nil {
		t.Fatalf("testdata/corpus.json: %v", err)
	}
	for _, a := range arts {
		a.Normalize()
	}
	seeds, err := filepath.Glob(filepath.Join("..", "seeds", "*.txt"))
	if err != nil || len(seeds) == 0 {
		t.Fatalf("no seed page in ../seeds: %v", err)
	}
	for _, s := range seeds {
		f, err := os.Open(s)
		if err != nil {
			t.Fatal(err)
		}
		page, err := article.ParsePage(f, article.PageMeta{Source: "seed", Page: filepath.Base(s)})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		for i := range page.Articles {
			arts = append(arts, &page.Articles[i])
		}
	}
	return arts
}

var (
	testIndexOnce sync.Once
	testIndex     *Index
	testIndexErr  error
)

// sharedTestIndex is one in-memory index of testArticles for the tests
// that only read; building it segments every text, so it is built once.
func sharedTestIndex(t testing.TB) *Index {
	t.Helper()
	testIndexOnce.Do(func() {
		ix, err := Open(Options{})
		if err != nil {
			testIndexErr = err
			return
		}
		testIndexErr = ix.Put(context.Background(), testArticles(t)...)
		testIndex = ix
	})
	if testIndexErr != nil {
		t.Fatal(testIndexErr)
	}
	return testIndex
}
