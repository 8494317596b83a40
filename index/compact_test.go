package index

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/article"
)

func TestWorthCompacting(t *testing.T) {
	for _, tc := range []struct {
		name   string
		counts []uint64
		want   bool
	}{
		{"none", nil, false},
		{"one segment", []uint64{1000}, false},
		{"two equal", []uint64{500, 500}, true},
		{"a tenth outside the largest", []uint64{900, 50, 50}, true},
		{"less than a tenth outside", []uint64{950, 30, 20}, false},
		{"empty segments", []uint64{0, 0}, false},
		{"many small", []uint64{100, 100, 100, 100}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := worthCompacting(tc.counts); got != tc.want {
				t.Errorf("worthCompacting(%v) = %v, want %v", tc.counts, got, tc.want)
			}
		})
	}
}

func segmentCount(t *testing.T, ix *Index) int {
	t.Helper()
	n, _, err := segmentsWorthCompacting(ix.scorch())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The compactor runs once writes have paused, never while one is under
// way, once per pause.
func TestCompactorWaitsForWrites(t *testing.T) {
	ix := &Index{path: "unused"}
	type call struct{ busy int64 }
	calls := make(chan call, 16)
	ix.startCompactor(time.Millisecond, func(context.Context) (int, error) {
		calls <- call{ix.compact.busy.Load()}
		return 1, nil
	}, slog.New(slog.DiscardHandler))
	defer ix.stopCompactor()

	done := ix.writing()
	time.Sleep(20 * time.Millisecond) // many idle periods: none may end in a run
	select {
	case c := <-calls:
		t.Fatalf("compaction ran during a write (busy %d)", c.busy)
	default:
	}
	done()
	if c := <-calls; c.busy != 0 {
		t.Errorf("compaction ran with %d writes under way", c.busy)
	}
	time.Sleep(20 * time.Millisecond) // no write since: no second run
	select {
	case <-calls:
		t.Error("a second compaction without a write in between")
	default:
	}
	ix.writing()()
	if c := <-calls; c.busy != 0 {
		t.Errorf("compaction ran with %d writes under way", c.busy)
	}
}

// compactIfWorth leaves an index written in several groups in one
// segment with every article found; the index goes on taking writes.
func TestCompactIfWorth(t *testing.T) {
	ctx := context.Background()
	ix, err := Open(Options{Path: filepath.Join(t.TempDir(), "index")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ix.Close() }()
	for b := range 4 {
		if err := ix.Put(ctx, art(fmt.Sprintf("c%d", b), "标题", fmt.Sprintf("seg%dx", b), 2)); err != nil {
			t.Fatal(err)
		}
	}
	before := segmentCount(t, ix)
	n, err := ix.compactIfWorth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// scorch's own merger may have merged some segments in between
	t.Logf("%d segments before, %d merged", before, n)
	if got := segmentCount(t, ix); got != 1 {
		t.Errorf("after compactIfWorth: %d segments, want 1", got)
	}
	if n > 0 && ix.Compaction().Passes != 1 {
		t.Errorf("Compaction().Passes = %d after one compaction", ix.Compaction().Passes)
	}
	for b := range 4 {
		if got := total(t, ix, fmt.Sprintf("seg%dx0", b), TypeArticle); got != 1 {
			t.Errorf("seg%dx: %d hits after compaction, want 1", b, got)
		}
	}
	if err := ix.Put(ctx, art("after", "标题", "laterx", 1)); err != nil {
		t.Fatal(err)
	}
	if got := total(t, ix, "laterx0", TypeArticle); got != 1 {
		t.Errorf("laterx: %d hits, want 1", got)
	}
}

// CompactIdle 0 starts no compactor, and an index whose segments other
// than the largest hold under a tenth of its articles is left as it is.
func TestNoIdleCompaction(t *testing.T) {
	ctx := context.Background()
	ix, err := Open(Options{Path: filepath.Join(t.TempDir(), "index")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ix.Close() }()
	if ix.compact.idle != 0 {
		t.Errorf("CompactIdle 0 started a compactor (idle %v)", ix.compact.idle)
	}
	var many []*article.Article
	for i := range 20 {
		many = append(many, art(fmt.Sprintf("m%d", i), "标题", "many", 1))
	}
	if err := ix.Put(ctx, many...); err != nil {
		t.Fatal(err)
	}
	if err := ix.Put(ctx, art("one", "标题", "one", 1)); err != nil {
		t.Fatal(err)
	}
	before := segmentCount(t, ix)
	if before < 2 {
		t.Fatalf("%d segments after two writes; the test needs 2", before)
	}
	if n, err := ix.compactIfWorth(ctx); err != nil || n != 0 {
		t.Errorf("compactIfWorth with 1 article of 21 outside the largest segment = %d, %v; want 0, nil", n, err)
	}
	if n := segmentCount(t, ix); n != before {
		t.Errorf("segments %d -> %d, want them left alone", before, n)
	}
}

// An index reopened in several segments is compacted after a pause, with
// no write since it was opened.
func TestCompactAfterOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "index")
	ix, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	// (large enough that scorch's own plan keeps several segments; a
	// tiny index it merges into one by itself)
	for b := range 6 {
		var arts []*article.Article
		for i := range 2000 {
			a := &article.Article{ID: fmt.Sprintf("o%d-%d", b, i), Title: "标题", Paragraphs: []article.Paragraph{{Text: "新闻"}}}
			a.Normalize()
			arts = append(arts, a)
		}
		if err := ix.Put(ctx, arts...); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(Options{Path: path, CompactIdle: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ix.Close() }()
	deadline := time.Now().Add(time.Minute) // a guard against hanging, not a measure
	for ix.Compaction().Passes == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no compaction of the reopened index (%d segments)", segmentCount(t, ix))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := segmentCount(t, ix); got != 1 {
		t.Errorf("%d segments after the compaction, want 1", got)
	}
	if got := total(t, ix, "新闻", TypeArticle); got != 12000 {
		t.Errorf("%d articles found after the compaction, want 12000", got)
	}
}
