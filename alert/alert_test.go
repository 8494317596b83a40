package alert

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

func art(id, title, text string) *article.Article {
	a := &article.Article{ID: id, Title: title, Paragraphs: []article.Paragraph{{Text: text}}}
	a.Normalize()
	return a
}

// open opens an index and its alerts in dir, wired as the server wires
// them.
func open(t *testing.T, dir string) (*index.Index, *Service) {
	t.Helper()
	ix, err := index.Open(index.Options{Path: filepath.Join(dir, "index")})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), Options{Path: filepath.Join(dir, "alerts.db"), Index: ix, NoDeliver: true})
	if err != nil {
		t.Fatal(err)
	}
	ix.SetWriteHook(s.Written)
	return ix, s
}

func matches(t *testing.T, s *Service, id string) []string {
	t.Helper()
	p, err := s.Matches(context.Background(), id, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range p.Matches {
		out = append(out, m.ArticleID)
	}
	return out
}

// TestAlertsSurviveReopen: alerts and matches are on disk once
// acknowledged; writes recorded as pending but not matched (a crash
// between the write and the matcher) are matched at the next Open.
func TestAlertsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix, s := open(t, dir)
	c, err := s.Create(ctx, Spec{Name: "河", Query: "黄河", Webhook: "http://127.0.0.1:1/x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Put(ctx, art("a1", "黄河大桥", "黄河大桥通车。"), art("a2", "秋收", "小麦丰收。")); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// a write the matcher never saw: stored in the index and recorded as
	// pending, as the hook leaves it before the matcher runs
	ix.SetWriteHook(nil)
	if err := ix.Put(ctx, art("a3", "黄河湿地", "候鸟回到黄河湿地。")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.addPending(pendingWrite{IDs: []string{"a3", "gone"}, Gen: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix, s = open(t, dir)
	defer ix.Close()
	defer s.Close()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "河" || got.Matches != 2 || got.Delivery == nil || got.Delivery.Pending != 2 {
		t.Fatalf("after reopen: %+v %+v", got, got.Delivery)
	}
	if m := matches(t, s, c.ID); len(m) != 2 || m[0] != "a1" || m[1] != "a3" {
		t.Fatalf("matches after reopen: %v", m)
	}
	if _, ps, _ := s.db.pending(); len(ps) != 0 {
		t.Fatalf("still pending: %v", ps)
	}
	if err := s.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if ms, _ := s.After(ctx, 0, "", 10); len(ms) != 0 {
		t.Fatalf("a deleted alert's matches remain: %v", ms)
	}
}

// TestNoAlertNoCost: with no alert, a write records nothing.
func TestNoAlertNoCost(t *testing.T) {
	ctx := context.Background()
	ix, s := open(t, t.TempDir())
	defer ix.Close()
	defer s.Close()
	if err := ix.Put(ctx, art("a1", "黄河", "黄河。")); err != nil {
		t.Fatal(err)
	}
	if _, ps, _ := s.db.pending(); len(ps) != 0 {
		t.Fatalf("pending without alerts: %v", ps)
	}
}
