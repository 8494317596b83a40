package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zhsearch/zhsearch/article"
)

func memIndex(t *testing.T) *Index {
	t.Helper()
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// art makes a valid article whose paragraph i says "marker-i".
func art(id, title, marker string, paragraphs int) *article.Article {
	a := &article.Article{ID: id, Title: title}
	for i := 0; i < paragraphs; i++ {
		a.Paragraphs = append(a.Paragraphs, article.Paragraph{Text: fmt.Sprintf("第%d段 %s%d 新闻内容。", i, marker, i)})
	}
	a.Normalize()
	return a
}

func total(t *testing.T, ix *Index, q, typ string) uint64 {
	t.Helper()
	res, err := ix.Search(context.Background(), Request{Query: q, Type: typ})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return res.Total
}

func stats(t *testing.T, ix *Index) Stats {
	t.Helper()
	s, err := ix.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReplaceLeavesNoOrphanParagraphs(t *testing.T) {
	ctx := context.Background()
	ix := memIndex(t)
	if err := ix.Put(ctx, art("a", "旧标题", "oldv", 6), art("b", "别的", "other", 2)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Put(ctx, art("a", "新标题", "newv", 2)); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, ix); s != (Stats{Articles: 2, Paragraphs: 4}) {
		t.Errorf("stats = %+v, want 2 articles, 4 paragraphs", s)
	}
	for _, q := range []string{"oldv5", "oldv0", "旧标题"} {
		for _, typ := range []string{TypeArticle, TypeParagraph} {
			if n := total(t, ix, q, typ); n != 0 {
				t.Errorf("%s search %q finds %d hits of the old version", typ, q, n)
			}
		}
	}
	if n := total(t, ix, "newv1", TypeParagraph); n != 1 {
		t.Errorf("paragraph search newv1: %d hits, want 1", n)
	}
	if n := total(t, ix, "新标题", TypeArticle); n != 1 {
		t.Errorf("article search 新标题: %d hits, want 1", n)
	}
	got, err := ix.Get(ctx, "a")
	if err != nil || got.Title != "新标题" || len(got.Paragraphs) != 2 {
		t.Errorf("Get = %+v, %v", got, err)
	}
}

func TestSameIDTwiceInOneBatch(t *testing.T) {
	ctx := context.Background()
	ix := memIndex(t)
	if err := ix.Put(ctx, art("a", "长版本", "long", 5), art("a", "短版本", "short", 1)); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, ix); s != (Stats{Articles: 1, Paragraphs: 1}) {
		t.Errorf("stats = %+v, want the later version alone", s)
	}
	if n := total(t, ix, "long4", TypeParagraph); n != 0 {
		t.Errorf("orphan paragraph of the earlier version found")
	}
}

func TestDeleteRemovesEverything(t *testing.T) {
	ctx := context.Background()
	ix := memIndex(t)
	if err := ix.Put(ctx, art("a", "要删的文章", "gone", 4), art("b", "留下", "kept", 1)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, ix); s != (Stats{Articles: 1, Paragraphs: 1}) {
		t.Errorf("stats = %+v", s)
	}
	for _, typ := range []string{TypeArticle, TypeParagraph} {
		if n := total(t, ix, "gone2", typ); n != 0 {
			t.Errorf("%s search finds %d hits of a deleted article", typ, n)
		}
	}
	if _, err := ix.Get(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after delete: %v", err)
	}
	if err := ix.Delete(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	if l, err := ix.List(ctx, 0, 0); err != nil || l.Total != 1 || l.Articles[0].ID != "b" {
		t.Errorf("List = %+v, %v", l, err)
	}
}

// TestConcurrentWritesToOneID: whatever order the writers run in, the
// index ends with exactly one of their versions, whole.
func TestConcurrentWritesToOneID(t *testing.T) {
	ctx := context.Background()
	ix := memIndex(t)
	const writers = 8
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for round := 0; round < 3; round++ {
				a := art("same", fmt.Sprintf("版本%d", w), fmt.Sprintf("ver%dx", w), w+1)
				if err := ix.Put(ctx, a); err != nil {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	got, err := ix.Get(ctx, "same")
	if err != nil {
		t.Fatal(err)
	}
	var w int
	if _, err := fmt.Sscanf(got.Title, "版本%d", &w); err != nil {
		t.Fatalf("title %q", got.Title)
	}
	if len(got.Paragraphs) != w+1 {
		t.Fatalf("version %d has %d paragraphs, want %d", w, len(got.Paragraphs), w+1)
	}
	for i, p := range got.Paragraphs {
		if !strings.Contains(p.Text, fmt.Sprintf("ver%dx%d", w, i)) {
			t.Errorf("stored paragraph %d = %q: a mix of versions", i, p.Text)
		}
	}
	if s := stats(t, ix); s != (Stats{Articles: 1, Paragraphs: uint64(w + 1)}) {
		t.Errorf("stats = %+v, want 1 article with %d paragraphs", s, w+1)
	}
	for other := 0; other < writers; other++ {
		if other == w {
			continue
		}
		if n := total(t, ix, fmt.Sprintf("ver%dx0", other), TypeParagraph); n != 0 {
			t.Errorf("paragraph of version %d found next to version %d", other, w)
		}
	}
}

func TestListNewestFirst(t *testing.T) {
	ctx := context.Background()
	ix := memIndex(t)
	dated := map[string]string{
		"old":     "2020-01-01",
		"new":     "2024-07-01T09:00:00+08:00",
		"newer":   "2024-07-01T02:00:00Z", // 10:00 in Shanghai: after "new"
		"undated": "",
		"mid":     "2023-05-05",
	}
	for id, d := range dated {
		a := art(id, "标题"+id, "x", 1)
		a.PublishedAt = d
		if err := ix.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for page := 1; page <= 3; page++ {
		l, err := ix.List(ctx, page, 2)
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != 5 || l.Page != page || l.Size != 2 {
			t.Errorf("page %d: total %d page %d size %d", page, l.Total, l.Page, l.Size)
		}
		for _, a := range l.Articles {
			got = append(got, a.ID)
		}
	}
	if want := "newer new mid old undated"; strings.Join(got, " ") != want {
		t.Errorf("order = %q, want %q", strings.Join(got, " "), want)
	}
	for _, bad := range [][2]int{{-1, 10}, {1, -1}, {1, MaxListSize + 1}, {MaxListWindow, 2}} {
		if _, err := ix.List(ctx, bad[0], bad[1]); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("List(%d, %d): err = %v, want ErrInvalidQuery", bad[0], bad[1], err)
		}
	}
}

func TestOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "idx")
	ix, err := Open(Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !ix.Created() {
		t.Error("a new index does not say it was created")
	}
	if err := ix.Put(ctx, art("a", "持久化", "disk", 3)); err != nil {
		t.Fatal(err)
	}

	t.Run("second open fails", func(t *testing.T) {
		// ErrLocked rather than bolt's endless wait for its lock (which
		// would hang this test until go test's own timeout).
		_, err := Open(Options{Path: dir})
		if !errors.Is(err, ErrLocked) {
			t.Errorf("err = %v, want ErrLocked", err)
		}
	})
	ix = reopen(t, ix, dir)
	if ix.Created() {
		t.Error("reopened index says it was created")
	}
	if s := stats(t, ix); s != (Stats{Articles: 1, Paragraphs: 3}) {
		t.Errorf("after reopen: %+v", s)
	}
	if n := total(t, ix, "disk2", TypeParagraph); n != 1 {
		t.Errorf("paragraph search after reopen: %d", n)
	}

	// An empty directory (a container's volume: a mount point that cannot be
	// removed) is used in place: its mode shows it was not made again.
	empty := t.TempDir()
	if err := os.Chmod(empty, 0o751); err != nil {
		t.Fatal(err)
	}
	ix2, err := Open(Options{Path: empty})
	if err != nil {
		t.Fatalf("empty directory: %v", err)
	}
	ix2.Close()
	if fi, err := os.Stat(empty); err != nil || fi.Mode().Perm() != 0o751 {
		t.Errorf("empty directory was replaced: %v %v", fi.Mode(), err)
	}

	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("x"), 0o644)
	if _, err := Open(Options{Path: other}); err == nil || !strings.Contains(err.Error(), "neither an index nor empty") {
		t.Errorf("non-empty directory: %v", err)
	}
}
