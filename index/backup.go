package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
)

// ErrNoBackup means the index cannot be copied: it lives in memory.
var ErrNoBackup = errors.New("an index in memory cannot be backed up; start with --data")

// ErrBackupExists means the backup's destination already holds something.
var ErrBackupExists = errors.New("backup destination exists")

// Backup writes a consistent copy of the index, which can be opened as an
// index directory (Open, `zhsearch serve --data OUT`), to the directory
// out, which must not exist. It runs while the index serves reads and
// writes: scorch copies one snapshot of its root (every write is one
// batch, so the copy holds each write whole or not at all) and keeps that
// snapshot's segment files from being merged away during the copy. The
// copy is written to a temporary sibling of out, fsynced, verified (every
// segment against its checksum, verify.go) and renamed into place, so out
// either is a whole, sound backup or does not exist.
func (ix *Index) Backup(ctx context.Context, out string) (Stats, error) {
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	cp, ok := ix.bi.(bleve.IndexCopyable)
	if !ok || ix.path == "" {
		return Stats{}, ErrNoBackup
	}
	if _, err := os.Lstat(out); err == nil {
		return Stats{}, fmt.Errorf("%s: %w", out, ErrBackupExists)
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Stats{}, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".partial-")
	if err != nil {
		return Stats{}, err
	}
	defer os.RemoveAll(tmp) // gone after the rename; cleans up a failure
	// The stats are of the index just before the copy; the copy may hold a
	// few later writes.
	stats, err := ix.Stats(ctx)
	if err != nil {
		return Stats{}, err
	}
	if err := cp.CopyTo(bleve.FileSystemDirectory(tmp)); err != nil {
		return Stats{}, fmt.Errorf("copying index: %w", err)
	}
	if err := syncTree(tmp); err != nil {
		return Stats{}, fmt.Errorf("syncing backup: %w", err)
	}
	// A backup is only worth its name if it opens: check the copy as
	// start-up would (verify.go), so that a damaged index is never
	// reported as backed up.
	if err := Verify(tmp); err != nil {
		return Stats{}, fmt.Errorf("the copy does not verify; no backup was written: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return Stats{}, err
	}
	return stats, syncDir(parent)
}

// Restore copies the backup at from into the new index directory to (which
// must not exist or be empty) and checks that it opens, returning what it
// holds. Like Backup it writes a temporary sibling and renames it.
func Restore(ctx context.Context, from, to string) (Stats, error) {
	if _, err := os.Stat(filepath.Join(from, "index_meta.json")); err != nil {
		return Stats{}, fmt.Errorf("%s is not a backup of an index (no index_meta.json)", from)
	}
	if entries, err := os.ReadDir(to); err == nil && len(entries) > 0 {
		return Stats{}, fmt.Errorf("%s: %w and is not empty; restore into a new directory", to, ErrBackupExists)
	}
	parent := filepath.Dir(filepath.Clean(to))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Stats{}, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(to)+".partial-")
	if err != nil {
		return Stats{}, err
	}
	defer os.RemoveAll(tmp)
	if err := copyTree(from, tmp); err != nil {
		return Stats{}, fmt.Errorf("copying %s: %w", from, err)
	}
	ix, err := Open(Options{Path: tmp})
	if err != nil {
		return Stats{}, fmt.Errorf("the copy of %s does not open: %w", from, err)
	}
	stats, err := ix.Stats(ctx)
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Stats{}, err
	}
	if err := syncTree(tmp); err != nil {
		return Stats{}, err
	}
	_ = os.Remove(to) // an empty directory
	if err := os.Rename(tmp, to); err != nil {
		return Stats{}, err
	}
	return stats, syncDir(parent)
}

func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o600)
	})
}

// syncTree fsyncs every file and directory under root.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return syncDir(p)
		}
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
