package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/index"
)

// TestSnapshotsKeptAndOneAtATime: after each snapshot the oldest past
// --keep-snapshots are removed (and named in the answer), anything else
// in the directory stays; a snapshot asked for while one is written gets
// api.ErrSnapshotRunning at once instead of queueing.
func TestSnapshotsKeptAndOneAtATime(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	ix, err := index.Open(index.Options{Path: indexDir(data)})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	if err := seedIndex(ctx, ix); err != nil {
		t.Fatal(err)
	}
	s := newSnapshotter(ix, Config{Data: data, KeepSnapshots: 2})
	other := filepath.Join(s.dir, "keep-me")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	var made []string
	for i := 0; i < 4; i++ {
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, snap.Name)
		if want := max(0, len(made)-2); len(snap.Removed) != min(1, want) || (want > 0 && snap.Removed[0] != made[want-1]) {
			t.Errorf("snapshot %d removed %v; made so far %v", i+1, snap.Removed, made)
		}
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	sort.Strings(left)
	want := []string{made[2], made[3], "keep-me"}
	sort.Strings(want)
	if strings.Join(left, " ") != strings.Join(want, " ") {
		t.Errorf("left %v, want %v", left, want)
	}
	if err := index.Verify(indexDir(filepath.Join(s.dir, made[3]))); err != nil {
		t.Errorf("the newest snapshot does not verify: %v", err)
	}

	s.mu.Lock() // a snapshot being written
	_, err = s.Snapshot(ctx)
	s.mu.Unlock()
	if !errors.Is(err, api.ErrSnapshotRunning) {
		t.Errorf("a second snapshot at once: %v, want ErrSnapshotRunning", err)
	}
}

// TestSnapshotDirRefused: serve refuses, before loading anything, a
// --snapshots directory inside the data directory (the index's included,
// through a symbolic link too) or one that is a file, naming both.
func TestSnapshotDirRefused(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	file := filepath.Join(dir, "file")
	link := filepath.Join(dir, "link")
	if err := os.MkdirAll(indexDir(data), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(data, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, snaps, want string }{
		{"the data directory", data, "is inside the data directory"},
		{"inside the data directory", filepath.Join(data, "snaps"), "is inside the data directory"},
		{"inside the index", filepath.Join(indexDir(data), "snaps"), "is inside the data directory"},
		{"relative, inside", filepath.Join(data, "x", "..", "snaps"), "is inside the data directory"},
		{"through a link", filepath.Join(link, "snaps"), "is inside the data directory"},
		{"a file", file, "is a file, not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A server that wrongly starts is stopped by the context's
			// end (and exits 0), so that the test fails instead of hanging.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var errb strings.Builder
			code := run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data", data, "--snapshots", tc.snaps}, func(string) string { return "" }, io.Discard, &errb)
			errs := errb.String()
			if code != 1 || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "--snapshots") {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errs, tc.want)
			}
		})
	}
	for _, ok := range []string{filepath.Join(dir, "data-snapshots"), filepath.Join(dir, "datax")} {
		if err := checkSnapshotDir(&Config{Data: data, Snapshots: ok}); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	if err := checkSnapshotDir(&Config{Data: data}); err != nil {
		t.Errorf("the default refused: %v", err)
	}
}

// TestFailedRestoreLeavesNothing: `zhsearch restore` from something that
// is not a backup fails and leaves nothing it made: not the new data
// directory (nor the parents it made for it), not its lock file in an
// existing empty directory; a directory that existed stays as it was.
func TestFailedRestoreLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	notBackup := filepath.Join(dir, "not-a-backup")
	if err := os.MkdirAll(notBackup, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(notBackup, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(dir, "damaged")
	if err := os.MkdirAll(damaged, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(damaged, "index_meta.json"), []byte("{garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	aFile := filepath.Join(dir, "a-file")
	if err := os.WriteFile(aFile, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, target, from, gone, keep string }{
		{"new directory", filepath.Join(dir, "new"), notBackup, filepath.Join(dir, "new"), ""},
		{"new nested directory", filepath.Join(dir, "p", "q", "data"), notBackup, filepath.Join(dir, "p"), ""},
		{"damaged backup", filepath.Join(dir, "new2"), damaged, filepath.Join(dir, "new2"), ""},
		{"a file as backup", filepath.Join(dir, "new3"), aFile, filepath.Join(dir, "new3"), ""},
		{"missing backup", filepath.Join(dir, "new4"), filepath.Join(dir, "nowhere"), filepath.Join(dir, "new4"), ""},
		{"existing empty directory", empty, notBackup, filepath.Join(empty, lockFileName), empty},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCmd(t, nil, "restore", "--data", tc.target, tc.from)
			if code != 1 || errs == "" {
				t.Fatalf("exit %d, stderr %q; want 1 and a message", code, errs)
			}
			if _, err := os.Lstat(tc.gone); !os.IsNotExist(err) {
				t.Errorf("%s left behind (%v); stderr %q", tc.gone, err, errs)
			}
			if tc.keep != "" {
				if entries, err := os.ReadDir(tc.keep); err != nil || len(entries) != 0 {
					t.Errorf("the existing directory %s: %v, %d entries; want it kept, empty", tc.keep, err, len(entries))
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(notBackup, "notes.txt")); err != nil {
		t.Errorf("the source was touched: %v", err)
	}
}
