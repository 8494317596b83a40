package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/article"
)

// TestBulkIsDurableAtClose writes many small batches to a bulk index (more
// than maxUnpersisted, so writes wait for the disk), replaces and deletes
// some, closes it and opens it again as a server would: everything is
// there, the index's metadata does not carry the bulk setting, and the
// paragraphs of replaced versions are gone.
func TestBulkIsDurableAtClose(t *testing.T) {
	ctx := context.Background()
	ix, dir := openBulk(t)
	const batches, per = 12, 5
	for b := 0; b < batches; b++ {
		var arts []*article.Article
		for i := 0; i < per; i++ {
			arts = append(arts, art(fmt.Sprintf("a%d-%d", b, i), "批量标题", fmt.Sprintf("blk%dx", b), 3))
		}
		if err := ix.Put(ctx, arts...); err != nil {
			t.Fatalf("batch %d: %v", b, err)
		}
	}
	if err := ix.Put(ctx, art("a0-0", "改过的标题", "replaced", 1)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(ctx, "a1-0"); err != nil {
		t.Fatal(err)
	}
	if got := total(t, ix, "blk11x2", TypeParagraph); got != per {
		t.Errorf("before close: blk11x2 in %d paragraphs, want %d", got, per)
	}
	if err := ix.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	meta, err := os.ReadFile(filepath.Join(dir, "index_meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(meta), "unsafe") {
		t.Errorf("index_meta.json keeps the bulk setting: %s", meta)
	}

	ix, err = Open(Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	st := stats(t, ix)
	if want := uint64(batches*per - 1); st.Articles != want {
		t.Errorf("after reopen: %d articles, want %d", st.Articles, want)
	}
	if want := uint64((batches*per-2)*3 + 1); st.Paragraphs != want {
		t.Errorf("after reopen: %d paragraphs, want %d", st.Paragraphs, want)
	}
	for _, c := range []struct {
		q    string
		want uint64
	}{{"blk0x0", per - 1}, {"blk1x0", per - 1}, {"blk11x2", per}, {"replaced0", 1}} {
		if got := total(t, ix, c.q, TypeArticle); got != c.want {
			t.Errorf("after reopen: %s in %d articles, want %d", c.q, got, c.want)
		}
	}
}

// TestWriteBulkOrder runs many WriteBulk calls at once, consecutive ones
// sharing ids with different paragraph counts: after Close and reopen each
// id holds its last version and no paragraph of an earlier one.
func TestWriteBulkOrder(t *testing.T) {
	ctx := context.Background()
	ix, dir := openBulk(t)
	const rounds = 16
	var pending []<-chan error
	for r := 0; r < rounds; r++ {
		var arts []*article.Article
		for i := 0; i < 4; i++ { // ids shared by every round
			arts = append(arts, art(fmt.Sprintf("s%d", i), "共享", fmt.Sprintf("v%dx", r), 1+(r+i)%5))
		}
		arts = append(arts, art(fmt.Sprintf("own%d", r), "自己", "own", 2))
		p, err := ix.Prepare(ctx, arts...)
		if err != nil {
			t.Fatal(err)
		}
		pending = append(pending, ix.WriteBulk(ctx, p))
	}
	for i, ch := range pending {
		if err := <-ch; err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	ix = reopen(t, ix, dir)
	wantParas := uint64(rounds * 2)
	for i := 0; i < 4; i++ {
		a, err := ix.Get(ctx, fmt.Sprintf("s%d", i))
		if err != nil {
			t.Fatal(err)
		}
		want := 1 + (rounds-1+i)%5
		if len(a.Paragraphs) != want || !strings.Contains(a.Paragraphs[0].Text, fmt.Sprintf("v%dx0", rounds-1)) {
			t.Errorf("s%d: %d paragraphs %q, want the last version's %d", i, len(a.Paragraphs), a.Paragraphs[0].Text, want)
		}
		wantParas += uint64(want)
	}
	if st := stats(t, ix); st.Articles != rounds+4 || st.Paragraphs != wantParas {
		t.Errorf("%d articles, %d paragraphs; want %d, %d", st.Articles, st.Paragraphs, rounds+4, wantParas)
	}
	if got := total(t, ix, fmt.Sprintf("v%dx0", rounds-2), TypeParagraph); got != 0 {
		t.Errorf("an earlier version's paragraph is still found (%d)", got)
	}
}

// TestOldLayoutRefused: an index without this build's layout version (one
// written before paragraphs had fields of their own) is refused with
// ErrOldLayout instead of answering searches that miss its paragraphs.
func TestOldLayoutRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := Open(Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	b := ix.bi.NewBatch()
	b.SetInternal([]byte(layoutKey), []byte("1"))
	if err := ix.persistBatch(b); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(Options{Path: dir})
	if !errors.Is(err, ErrOldLayout) {
		t.Fatalf("Open of a layout-1 index: %v, want ErrOldLayout", err)
	}
}

// TestCompactOneSegment: a bulk load ends in one segment file.
func TestCompactOneSegment(t *testing.T) {
	ctx := context.Background()
	ix, dir := openBulk(t)
	for b := range 4 {
		if err := ix.Put(ctx, art(fmt.Sprintf("c%d", b), "标题", fmt.Sprintf("seg%dx", b), 2)); err != nil {
			t.Fatal(err)
		}
		if err := ix.drain(0); err != nil { // each batch its own segment on disk
			t.Fatal(err)
		}
	}
	if zaps, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap")); len(zaps) < 2 {
		t.Fatalf("before Compact: %d segment files; the test needs more", len(zaps))
	}
	if err := ix.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if zaps, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap")); len(zaps) != 1 {
		t.Errorf("after Compact: %d segment files, want 1: %v", len(zaps), zaps)
	}
}
