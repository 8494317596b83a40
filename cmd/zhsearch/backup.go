package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/index"
)

// snapshotter answers POST /v1/admin/snapshot: a backup of the serving
// index into a new, timestamped directory under dir.
type snapshotter struct {
	ix  *index.Index
	dir string
	mu  sync.Mutex // one snapshot at a time
}

// defaultSnapshotDir is where snapshots go without --snapshots: a sibling
// of the index directory, so a snapshot never lands inside the index.
func defaultSnapshotDir(data string) string {
	if data == "" {
		return ""
	}
	return filepath.Clean(data) + "-snapshots"
}

func newSnapshotter(ix *index.Index, cfg Config) *snapshotter {
	dir := cfg.Snapshots
	if dir == "" {
		dir = defaultSnapshotDir(cfg.Data)
	}
	return &snapshotter{ix: ix, dir: dir}
}

func (s *snapshotter) Snapshot(ctx context.Context) (*api.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir == "" {
		return nil, index.ErrNoBackup
	}
	start := time.Now()
	name := start.UTC().Format("20060102T150405.000Z")
	out := filepath.Join(s.dir, name) // a data directory: serve --data OUT
	stats, err := s.ix.Backup(ctx, indexDir(out))
	if err != nil {
		return nil, err
	}
	return &api.Snapshot{Name: name, Path: out, Articles: stats.Articles, Paragraphs: stats.Paragraphs,
		TookMS: float64(time.Since(start).Microseconds()) / 1000}, nil
}

// backupCmd is `zhsearch backup --data DIR OUT`: a copy of a stopped
// server's index. A running server holds its index: ask it for a snapshot.
func backupCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	data, out, code := dataAndPath(args, getenv, stderr, "backup", "index directory to back up (env ZHSEARCH_DATA)",
		"usage: zhsearch backup --data DIR OUT\n\nCopies the index of the data directory DIR to the new data directory OUT (serve --data OUT uses it). While a server runs on DIR, ask it instead:\n  curl -X POST http://HOST/v1/admin/snapshot")
	if code >= 0 {
		return code
	}
	if _, err := os.Stat(filepath.Join(indexDir(data), "index_meta.json")); err != nil {
		fmt.Fprintf(stderr, "zhsearch backup: %s holds no index (no %s)\n", data, indexDir(data))
		return 1
	}
	start := time.Now()
	release, err := lockDataDir(data)
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch backup: %v\nif a server is running on %s, make a snapshot with POST /v1/admin/snapshot instead\n", err, data)
		return 1
	}
	defer release()
	ix, err := index.Open(index.Options{Path: indexDir(data)})
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch backup: %v\n", err)
		return 1
	}
	defer ix.Close()
	stats, err := ix.Backup(ctx, indexDir(out))
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backed up %d articles, %d paragraphs from %s to %s in %s\n", stats.Articles, stats.Paragraphs, data, out, time.Since(start).Round(time.Millisecond))
	return 0
}

// restoreCmd is `zhsearch restore --data DIR BACKUP`: the backup (of
// `zhsearch backup` or a snapshot) becomes the index in the new DIR.
func restoreCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	data, backup, code := dataAndPath(args, getenv, stderr, "restore", "index directory to create from the backup; must not exist or be empty (env ZHSEARCH_DATA)",
		"usage: zhsearch restore --data DIR BACKUP\n\nMakes the backup BACKUP (of zhsearch backup or POST /v1/admin/snapshot) the index in DIR, then checks that it opens.")
	if code >= 0 {
		return code
	}
	start := time.Now()
	from := backup
	if _, err := os.Stat(filepath.Join(indexDir(from), "index_meta.json")); err == nil {
		from = indexDir(from) // a snapshot or backup is a data directory
	}
	release, err := lockDataDir(data)
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch restore: %v\n", err)
		return 1
	}
	defer release()
	stats, err := index.Restore(ctx, from, indexDir(data))
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch restore: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %d articles, %d paragraphs from %s into %s in %s\n", stats.Articles, stats.Paragraphs, backup, data, time.Since(start).Round(time.Millisecond))
	return 0
}

// dataAndPath parses the `--data DIR PATH` arguments that backup and
// restore share. code is the exit code to return at once (0 for -help, 2
// for a usage error), or -1 to go on.
func dataAndPath(args []string, getenv func(string) string, stderr io.Writer, cmd, dataHelp, usage string) (data, path string, code int) {
	fs := flag.NewFlagSet("zhsearch "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := fs.String("data", getenv("ZHSEARCH_DATA"), dataHelp)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", "", 0
		}
		return "", "", 2
	}
	if *d == "" || fs.NArg() != 1 {
		fs.Usage()
		return "", "", 2
	}
	return *d, fs.Arg(0), -1
}
