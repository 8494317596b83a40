package index

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/zhsearch/zhsearch/article"
)

// TestApplyAt applies ops in order with their sequence, and checks what
// is stored after each step, after a reopen and in a backup.
func TestApplyAt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "idx")
	ix, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := ix.AppliedSeq(); err != nil || seq != 0 {
		t.Fatalf("new index: AppliedSeq = %d, %v; want 0", seq, err)
	}
	bad := &article.Article{ID: "bad"} // no title, no text: invalid
	errs, err := ix.ApplyAt(ctx, 7,
		Op{Put: version("a", 3)}, // 4 paragraphs
		Op{Put: version("b", 1)},
		Op{Put: version("a", 1)}, // replaces a in the same batch: 2 paragraphs
		Op{Delete: "b"},
		Op{Delete: "never"},
		Op{Put: bad},
		Op{Put: version("c", 0)},
	)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []error{nil, nil, nil, nil, ErrNotFound, article.ErrInvalid, nil} {
		if (want == nil) != (errs[i] == nil) || (want != nil && !errors.Is(errs[i], want)) {
			t.Errorf("op %d: err %v, want %v", i, errs[i], want)
		}
	}
	check := func(ix *Index, when string, wantSeq uint64) {
		t.Helper()
		if seq, err := ix.AppliedSeq(); err != nil || seq != wantSeq {
			t.Errorf("%s: AppliedSeq = %d, %v; want %d", when, seq, err, wantSeq)
		}
		if a, err := ix.Get(ctx, "a"); err != nil || a.Title != "版本 v1" {
			t.Errorf("%s: a = %v, %v; want version 1", when, a, err)
		}
		if n := indexedParagraphs(t, ix, "a"); n != 2 {
			t.Errorf("%s: a has %d paragraph documents, want 2", when, n)
		}
		for _, id := range []string{"b", "bad"} {
			if _, err := ix.Get(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: %s: %v, want not found", when, id, err)
			}
		}
		if _, err := ix.Get(ctx, "c"); err != nil {
			t.Errorf("%s: c: %v", when, err)
		}
	}
	check(ix, "after ApplyAt", 7)

	// A batch with no op still stores its sequence (a dictionary change
	// is applied apart and then recorded so).
	if _, err := ix.ApplyAt(ctx, 9); err != nil {
		t.Fatal(err)
	}
	check(ix, "after an empty ApplyAt", 9)

	backup := filepath.Join(dir, "backup")
	if _, err := ix.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.ApplyAt(ctx, 10, Op{Put: version("d", 0)}); !errors.Is(err, ErrClosed) {
		t.Errorf("ApplyAt on a closed index: %v, want ErrClosed", err)
	}
	for _, p := range []string{path, backup} {
		re, err := Open(Options{Path: p})
		if err != nil {
			t.Fatal(err)
		}
		check(re, "reopened "+filepath.Base(p), 9)
		if err := re.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
