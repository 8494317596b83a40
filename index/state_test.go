package index

import (
	"context"
	"path/filepath"
	"testing"
)

// TestSetStateAt: a state value and its sequence are stored together,
// kept across a reopen and carried by a backup.
func TestSetStateAt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix, err := Open(Options{Path: filepath.Join(dir, "idx")})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := ix.State("synonyms"); err != nil || v != nil {
		t.Fatalf("new index: State = %q, %v; want none", v, err)
	}
	if err := ix.SetStateAt(ctx, 5, "synonyms", nil); err == nil {
		t.Fatal("an empty value was taken")
	}
	if err := ix.SetStateAt(ctx, 9, "synonyms", []byte(`["a, b"]`)); err != nil {
		t.Fatal(err)
	}
	check := func(ix *Index, when string) {
		t.Helper()
		if seq, err := ix.AppliedSeq(); err != nil || seq != 9 {
			t.Errorf("%s: AppliedSeq = %d, %v; want 9", when, seq, err)
		}
		if v, err := ix.State("synonyms"); err != nil || string(v) != `["a, b"]` {
			t.Errorf("%s: State = %q, %v", when, v, err)
		}
	}
	check(ix, "written")
	if _, err := ix.Backup(ctx, filepath.Join(dir, "backup")); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"idx", "backup"} {
		ix, err := Open(Options{Path: filepath.Join(dir, p)})
		if err != nil {
			t.Fatal(err)
		}
		check(ix, p+" reopened")
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
