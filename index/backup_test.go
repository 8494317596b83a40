package index

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestBackupWhileWriting copies an index while writers keep replacing and
// adding articles: the copy opens, holds every write acknowledged before
// the backup began, and every article in it is whole; restoring it gives
// an index that answers the same.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix, err := Open(Options{Path: filepath.Join(dir, "idx")})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for i := 0; i < 20; i++ {
		if err := ix.Put(ctx, version(fmt.Sprintf("a%d", i), i)); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 100; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("a%d", (w*7+i)%30) // replaces old ones, adds a20–a29
				if err := ix.Put(ctx, version(id, i)); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	out := filepath.Join(dir, "backups", "b1")
	if _, err := ix.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if _, err := ix.Backup(ctx, out); !errors.Is(err, ErrBackupExists) {
		t.Errorf("second backup to the same place: %v", err)
	}

	check := func(path string) (Stats, map[string]string) {
		t.Helper()
		b, err := Open(Options{Path: path})
		if err != nil {
			t.Fatalf("backup does not open: %v", err)
		}
		defer b.Close()
		titles := map[string]string{}
		for i := 0; i < 30; i++ {
			id := fmt.Sprintf("a%d", i)
			a, err := b.Get(ctx, id)
			if errors.Is(err, ErrNotFound) {
				if i < 20 {
					t.Errorf("%s: acknowledged before the backup, missing from it", id)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			titles[id] = a.Title
			if n := indexedParagraphs(t, b, id); n != len(a.Paragraphs) {
				t.Errorf("%s in backup: %d paragraphs stored, %d indexed", id, len(a.Paragraphs), n)
			}
		}
		s, err := b.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s, titles
	}
	s1, t1 := check(out)
	restored := filepath.Join(dir, "restored")
	s2, err := Restore(ctx, out, restored)
	if err != nil {
		t.Fatal(err)
	}
	if s1 != s2 {
		t.Errorf("restore reports %+v, backup holds %+v", s2, s1)
	}
	s3, t3 := check(restored)
	if s3 != s1 || fmt.Sprint(t1) != fmt.Sprint(t3) {
		t.Errorf("restored index differs: %+v %v vs %+v %v", s3, t3, s1, t1)
	}
	if _, err := Restore(ctx, out, restored); !errors.Is(err, ErrBackupExists) {
		t.Errorf("restore over an index: %v", err)
	}
	mem, _ := Open(Options{})
	defer mem.Close()
	if _, err := mem.Backup(ctx, filepath.Join(dir, "m")); !errors.Is(err, ErrNoBackup) {
		t.Errorf("backup of an index in memory: %v", err)
	}
}
