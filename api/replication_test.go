package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// refusingStore is a replica whose log has lost its quorum: every write
// is refused with index.ErrUnavailable, reads go to the index.
type refusingStore struct{ ix *index.Index }

func (s refusingStore) Put(context.Context, ...*article.Article) error {
	return fmt.Errorf("%w: no quorum", index.ErrUnavailable)
}
func (s refusingStore) Delete(context.Context, string) error {
	return fmt.Errorf("%w: no quorum", index.ErrUnavailable)
}
func (s refusingStore) List(ctx context.Context, page, size int) (*index.Listing, error) {
	return s.ix.List(ctx, page, size)
}
func (s refusingStore) Dictionary(ctx context.Context) (index.Dictionary, error) {
	return s.ix.Dictionary(ctx)
}
func (s refusingStore) AddWords(context.Context, ...tokenizer.Word) (index.AddResult, error) {
	return index.AddResult{}, fmt.Errorf("%w: no quorum", index.ErrUnavailable)
}
func (s refusingStore) ReindexStatus() index.ReindexStatus { return s.ix.ReindexStatus() }

// TestWritesUnavailable: a write refused by the replication log answers
// 503 in the error shape with Retry-After, while reads answer; /readyz
// reports the replication status it is given.
func TestWritesUnavailable(t *testing.T) {
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	a := &article.Article{ID: "a1", Title: "郑州地铁", Paragraphs: []article.Paragraph{{Text: "郑州地铁新线开通。"}}}
	a.Normalize()
	if err := ix.Put(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	st := refusingStore{ix}
	srv := httptest.NewServer(New(Config{Backend: ix, Store: st, Dictionary: st,
		Replication: func() any { return map[string]any{"lag_messages": 3} }}))
	defer srv.Close()
	for _, w := range []struct{ method, path, ctype, body string }{
		{"PUT", "/v1/articles/a2", "application/json", `{"title":"标题","paragraphs":[{"text":"正文"}]}`},
		{"POST", "/v1/articles", "application/x-ndjson", `{"id":"a3","title":"标题","paragraphs":[{"text":"正文"}]}` + "\n"},
		{"DELETE", "/v1/articles/a1", "", ""},
		{"POST", "/v1/pages", "text/markdown", "## 标题\n\n正文。\n"},
		{"POST", "/v1/dictionary", "application/json", `{"words":[{"word":"二七经开区"}]}`},
	} {
		t.Run(w.method+" "+w.path, func(t *testing.T) {
			ans := do(t, w.method, srv.URL+w.path, w.ctype, strings.NewReader(w.body))
			if ans.status != 503 || errCode(t, ans) != "unavailable" || ans.header.Get("Retry-After") == "" {
				t.Errorf("%d %v (Retry-After %q), want 503 unavailable", ans.status, ans.body, ans.header.Get("Retry-After"))
			}
		})
	}
	if ans := do(t, "GET", srv.URL+"/v1/articles/a1", "", nil); ans.status != 200 {
		t.Errorf("read while writes are refused: %d %v", ans.status, ans.body)
	}
	if ans := do(t, "GET", srv.URL+"/v1/search?q=地铁", "", nil); ans.status != 200 {
		t.Errorf("search while writes are refused: %d %v", ans.status, ans.body)
	}
	ans := do(t, "GET", srv.URL+"/readyz", "", nil)
	rep, _ := ans.body["replication"].(map[string]any)
	if ans.status != 200 || rep["lag_messages"] != 3.0 {
		t.Errorf("/readyz: %d %v, want the replication status", ans.status, ans.body)
	}
}
