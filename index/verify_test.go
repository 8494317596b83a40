package index

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	soundOnce sync.Once
	soundDir  string
	soundErr  error
)

// soundIndex builds, once, an index on disk with several segments (one per
// safe batch, some of them merged) and returns its directory; tests copy it.
func soundIndex(t *testing.T) string {
	t.Helper()
	soundOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zhsearch-verify-*")
		if err != nil {
			soundErr = err
			return
		}
		soundDir = filepath.Join(dir, "idx")
		ix, err := Open(Options{Path: soundDir})
		if err != nil {
			soundErr = err
			return
		}
		ctx := context.Background()
		for i := range 12 {
			if err := ix.Put(ctx, version(fmt.Sprintf("a%d", i), i)); err != nil {
				soundErr = err
				return
			}
		}
		// one more transaction, so that both meta pages of root.bolt
		// (bbolt keeps two, the newest and the one before) hold all twelve
		b := ix.bi.NewBatch()
		b.SetInternal([]byte("verify-test"), []byte("1"))
		if soundErr = ix.persistBatch(b); soundErr != nil {
			return
		}
		soundErr = ix.Close()
	})
	if soundErr != nil {
		t.Fatal(soundErr)
	}
	return soundDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if soundDir != "" {
		_ = os.RemoveAll(filepath.Dir(soundDir))
	}
	os.Exit(code)
}

// copyIndex copies the sound index into a new directory of the test.
func copyIndex(t *testing.T) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "idx")
	if err := copyTree(soundIndex(t), to); err != nil {
		t.Fatal(err)
	}
	return to
}

// liveSegments lists the segment files the newest snapshot of the
// index's root names: the ones the index serves. (Older files, kept for
// scorch's rollback points or not yet removed, are never read.)
func liveSegments(t *testing.T, dir string) []string {
	t.Helper()
	names, err := readRoot(filepath.Join(dir, "store", "root.bolt"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no segment in %s: %v", dir, err)
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(dir, "store", n)
	}
	return out
}

func writeAt(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func size(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestVerifySound: a sound index, fresh and reopened after merges, passes.
func TestVerifySound(t *testing.T) {
	dir := copyIndex(t)
	if err := Verify(dir); err != nil {
		t.Fatalf("sound index: %v", err)
	}
	// bbolt keeps two meta pages: with the first one damaged it reads
	// the second, and so do Verify and Open.
	writeAt(t, filepath.Join(dir, "store", "root.bolt"), 0, randomBytes(4096, 4))
	if err := Verify(dir); err != nil {
		t.Fatalf("first meta page damaged: %v", err)
	}
	ix, err := Open(Options{Path: dir})
	if err != nil {
		t.Fatalf("first meta page damaged: %v", err)
	}
	if st, err := ix.Stats(context.Background()); err != nil || st.Articles != 12 {
		t.Errorf("first meta page damaged: %+v %v, want 12 articles", st, err)
	}
	ix.Close()
}

// TestVerifyCorrupt damages an index in each way the attack run did and
// checks that Verify and Open refuse it, without a panic, with one message
// that names the damaged file and says what to do.
func TestVerifyCorrupt(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string) string // returns the file it damaged
		want   string                                // in the message
	}{
		{"random bytes in a segment", func(t *testing.T, dir string) string {
			seg := liveSegments(t, dir)[0]
			n := min(4096, size(t, seg)/2)
			writeAt(t, seg, size(t, seg)/4, randomBytes(int(n), 1))
			return seg
		}, "checksum mismatch"},
		{"one flipped byte in a segment", func(t *testing.T, dir string) string {
			seg := liveSegments(t, dir)[0]
			b := make([]byte, 1)
			f, _ := os.Open(seg)
			_, _ = f.ReadAt(b, 100)
			f.Close()
			writeAt(t, seg, 100, []byte{b[0] ^ 0x40})
			return seg
		}, "checksum mismatch"},
		{"truncated segment", func(t *testing.T, dir string) string {
			seg := liveSegments(t, dir)[0]
			if err := os.Truncate(seg, size(t, seg)/2); err != nil {
				t.Fatal(err)
			}
			return seg
		}, "segment"},
		{"segment cut to a few bytes", func(t *testing.T, dir string) string {
			seg := liveSegments(t, dir)[0]
			if err := os.Truncate(seg, 10); err != nil {
				t.Fatal(err)
			}
			return seg
		}, "truncated"},
		{"deleted segment", func(t *testing.T, dir string) string {
			seg := liveSegments(t, dir)[0]
			if err := os.Remove(seg); err != nil {
				t.Fatal(err)
			}
			return seg
		}, "missing"},
		{"garbage over root.bolt's meta pages", func(t *testing.T, dir string) string {
			root := filepath.Join(dir, "store", "root.bolt")
			writeAt(t, root, 0, randomBytes(8192, 2))
			return root
		}, "not a valid root file"},
		{"garbage in root.bolt's pages", func(t *testing.T, dir string) string {
			root := filepath.Join(dir, "store", "root.bolt")
			// Past the two meta pages (bbolt checksums those), over
			// every page of buckets and values.
			writeAt(t, root, 8192, randomBytes(int(size(t, root)-8192), 3))
			return root
		}, "root.bolt"},
		{"empty root.bolt", func(t *testing.T, dir string) string {
			root := filepath.Join(dir, "store", "root.bolt")
			if err := os.Truncate(root, 0); err != nil {
				t.Fatal(err)
			}
			return root
		}, "empty"},
		{"deleted root.bolt", func(t *testing.T, dir string) string {
			root := filepath.Join(dir, "store", "root.bolt")
			if err := os.Remove(root); err != nil {
				t.Fatal(err)
			}
			return root
		}, "missing"},
		{"garbage index_meta.json", func(t *testing.T, dir string) string {
			meta := filepath.Join(dir, "index_meta.json")
			if err := os.WriteFile(meta, []byte("{\x00garbage"), 0o600); err != nil {
				t.Fatal(err)
			}
			return meta
		}, "not valid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyIndex(t)
			file := c.damage(t, dir)
			check := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("%s: want ErrCorrupt, got %v", what, err)
				}
				msg := err.Error()
				if !strings.Contains(msg, file) || !strings.Contains(msg, c.want) ||
					!strings.Contains(msg, "zhsearch restore") || !strings.Contains(msg, "zhsearch import") {
					t.Errorf("%s: the message should name %s, say %q and what to do: %s", what, file, c.want, msg)
				}
				var ce *CorruptError
				if !errors.As(err, &ce) || ce.File != file {
					t.Errorf("%s: CorruptError.File = %v, want %s", what, ce, file)
				}
			}
			check("Verify", Verify(dir))
			ix, err := Open(Options{Path: dir})
			if err == nil {
				ix.Close()
			}
			check("Open", err)
		})
	}
}

// TestVerifyEverySegment: with several segments in the root, damage to
// any one of them is found, not only the first listed.
func TestVerifyEverySegment(t *testing.T) {
	segs := liveSegments(t, soundIndex(t))
	if len(segs) < 2 {
		t.Skipf("the test index has %d segment; the case needs two", len(segs))
	}
	for i := range segs {
		t.Run(filepath.Base(segs[i]), func(t *testing.T) {
			dir := copyIndex(t)
			seg := liveSegments(t, dir)[i]
			writeAt(t, seg, size(t, seg)/2, []byte{0xde, 0xad, 0xbe, 0xef})
			err := Verify(dir)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), seg) {
				t.Fatalf("want ErrCorrupt naming %s, got %v", seg, err)
			}
		})
	}
}

// TestVerifyEveryRootPage writes garbage over each page of root.bolt in
// turn: either Verify refuses the file as corrupt, or the index opens and
// answers (the page was free, or bbolt has a second copy of it). Before
// Verify, some pages made bbolt panic and kill the process.
func TestVerifyEveryRootPage(t *testing.T) {
	if testing.Short() {
		t.Skip("opens the index once per page of its root file")
	}
	root := filepath.Join(soundIndex(t), "store", "root.bolt")
	pages := size(t, root) / 4096
	refused := 0
	for p := range pages {
		dir := copyIndex(t)
		writeAt(t, filepath.Join(dir, "store", "root.bolt"), p*4096, randomBytes(4096, uint64(p)+10))
		err := Verify(dir)
		if errors.Is(err, ErrCorrupt) {
			refused++
			continue
		}
		if err != nil {
			t.Fatalf("page %d: %v", p, err)
		}
		ix, err := Open(Options{Path: dir})
		if err != nil {
			t.Errorf("page %d: Verify passed, Open failed: %v", p, err)
			continue
		}
		if _, err := ix.Stats(context.Background()); err != nil {
			t.Errorf("page %d: Verify passed, Stats failed: %v", p, err)
		}
		ix.Close()
	}
	t.Logf("%d pages; garbage in %d refused, in the others harmless", pages, refused)
}

// TestBackupOfCorruptIndex: a segment damaged under a running index is
// copied as it is into a snapshot; the snapshot is verified before it is
// reported written, so Backup fails, naming the file, and leaves nothing.
func TestBackupOfCorruptIndex(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "idx")
	ix, err := Open(Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	// One write, one segment: scorch's merger leaves a lone segment alone,
	// so the segment the first backup names is the one the index serves.
	if err := ix.Put(ctx, version("a1", 3)); err != nil {
		t.Fatal(err)
	}
	backups := t.TempDir()
	if _, err := ix.Backup(ctx, filepath.Join(backups, "b0")); err != nil {
		t.Fatal(err)
	}
	segs := liveSegments(t, filepath.Join(backups, "b0"))
	if len(segs) != 1 {
		t.Fatalf("%d segments, want 1", len(segs))
	}
	seg := filepath.Join(dir, "store", filepath.Base(segs[0]))
	writeAt(t, seg, size(t, seg)/3, []byte("garbage!"))
	_, err = ix.Backup(ctx, filepath.Join(backups, "b1"))
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Base(seg)) {
		t.Fatalf("backup of a damaged index: want ErrCorrupt naming %s, got %v", filepath.Base(seg), err)
	}
	if left, _ := os.ReadDir(backups); len(left) != 1 {
		t.Errorf("a failed backup left something behind: %v", left)
	}
}
