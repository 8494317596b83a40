package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/index"
)

// snapshotter answers POST /v1/admin/snapshot: a backup of the serving
// index into a new, timestamped directory under dir.
type snapshotter struct {
	ix   *index.Index
	dir  string
	keep int        // snapshots kept; older ones are removed after a new one
	mu   sync.Mutex // one snapshot at a time: another gets api.ErrSnapshotRunning
}

// snapshotName is the layout of a snapshot's directory name: its UTC
// time, which sorts as it reads.
const snapshotName = "20060102T150405.000Z"

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
	return &snapshotter{ix: ix, dir: dir, keep: cfg.KeepSnapshots}
}

// snapshotDir is the snapshots directory the settings give.
func snapshotDir(cfg *Config) string {
	if cfg.Snapshots != "" {
		return cfg.Snapshots
	}
	return defaultSnapshotDir(cfg.Data)
}

// checkSnapshotDir refuses, at start-up, a snapshots directory that is a
// file, or that lies inside the data directory (and so the index): each
// snapshot would copy the ones before it, and the index directory would
// hold files that are not the index's.
func checkSnapshotDir(cfg *Config) error {
	dir := snapshotDir(cfg)
	if dir == "" {
		return nil
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("--snapshots %s is a file, not a directory: name a directory (it is created if missing), such as %s", dir, defaultSnapshotDir(cfg.Data))
	}
	if cfg.Data == "" {
		return nil
	}
	snaps, err := realPath(dir)
	if err != nil {
		return fmt.Errorf("--snapshots %s: %w", dir, err)
	}
	data, err := realPath(cfg.Data)
	if err != nil {
		return fmt.Errorf("--data %s: %w", cfg.Data, err)
	}
	if rel, err := filepath.Rel(data, snaps); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("--snapshots %s is inside the data directory %s (which holds the index): each snapshot would copy the ones before it; "+
			"name a directory outside it, such as %s", dir, cfg.Data, defaultSnapshotDir(cfg.Data))
	}
	return nil
}

// realPath is the absolute path of p with its symbolic links resolved,
// as far as p exists: a directory to be created is judged by its parent.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	var rest []string
	for {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			return filepath.Join(append([]string{r}, rest...)...), nil
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return filepath.Join(append([]string{abs}, rest...)...), nil
		}
		rest = append([]string{filepath.Base(abs)}, rest...)
		abs = parent
	}
}

func (s *snapshotter) Snapshot(ctx context.Context) (*api.Snapshot, error) {
	if s.dir == "" {
		return nil, index.ErrNoBackup
	}
	if !s.mu.TryLock() {
		return nil, api.ErrSnapshotRunning
	}
	defer s.mu.Unlock()
	start := time.Now()
	name := start.UTC().Format(snapshotName)
	out := filepath.Join(s.dir, name) // a data directory: serve --data OUT
	stats, err := s.ix.Backup(ctx, indexDir(out))
	if err != nil {
		return nil, err
	}
	snap := &api.Snapshot{Name: name, Path: out, Articles: stats.Articles, Paragraphs: stats.Paragraphs,
		TookMS: float64(time.Since(start).Microseconds()) / 1000}
	snap.Removed, err = s.prune()
	if err != nil {
		snap.Warnings = append(snap.Warnings, err.Error())
	}
	return snap, nil
}

// prune removes the oldest snapshots past the number kept. Only entries
// named as snapshots are counted or touched: anything else an operator
// keeps in the directory stays.
func (s *snapshotter) prune() ([]string, error) {
	if s.keep <= 0 {
		return nil, nil
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("listing snapshots: %w", err)
	}
	var names []string
	for _, e := range entries {
		if _, err := time.Parse(snapshotName, e.Name()); err == nil && e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names) // oldest first
	var removed []string
	for len(names) > s.keep {
		if err := os.RemoveAll(filepath.Join(s.dir, names[0])); err != nil {
			return removed, fmt.Errorf("removing the old snapshot %s: %w", names[0], err)
		}
		removed = append(removed, names[0])
		names = names[1:]
	}
	return removed, nil
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
	// A failed restore leaves nothing of its own behind: the directories
	// it made for DIR, or the lock file it put in an existing DIR.
	created := firstMissing(data)
	lockPath := filepath.Join(data, lockFileName)
	_, lockErr := os.Lstat(lockPath)
	release, err := lockDataDir(data)
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch restore: %v\n", err)
		return 1
	}
	stats, err := index.Restore(ctx, from, indexDir(data))
	release()
	if err != nil {
		switch {
		case created != "":
			_ = os.RemoveAll(created)
		case lockErr != nil:
			_ = os.Remove(lockPath)
		}
		fmt.Fprintf(stderr, "zhsearch restore: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %d articles, %d paragraphs from %s into %s in %s\n", stats.Articles, stats.Paragraphs, backup, data, time.Since(start).Round(time.Millisecond))
	return 0
}

// firstMissing is the outermost directory of path that does not exist
// yet (path itself, or one of its parents), or "" if path exists: what
// os.MkdirAll(path) would create.
func firstMissing(path string) string {
	path = filepath.Clean(path)
	missing := ""
	for p := path; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			return missing
		}
		missing = p
		if filepath.Dir(p) == p {
			return missing
		}
	}
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
