package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/internal/measure"
)

const verifyUsage = `usage: zhsearch verify --data DIR

Checks the index of the data directory DIR (or a backup or snapshot) the
way the server does at start-up: the index's metadata, its root file, its
mapping and every segment file against its checksum. Exits 0 when the
index is sound, 1 when it is damaged (the message names the file and what
to do), 2 on a usage error. It only reads; a running server holds its
index: verify a snapshot of it instead.

flags:
`

// verifyCmd is `zhsearch verify --data DIR`: index.Verify, offline.
func verifyCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhsearch verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, verifyUsage); fs.PrintDefaults() }
	data := fs.String("data", getenv("ZHSEARCH_DATA"), "data directory, backup or snapshot to check (env ZHSEARCH_DATA)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *data == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	path := indexDir(*data)
	if _, err := os.Stat(filepath.Join(path, "index_meta.json")); err != nil {
		if _, err := os.Stat(filepath.Join(*data, "index_meta.json")); err != nil {
			fmt.Fprintf(stderr, "zhsearch verify: %s holds no index (no %s)\n", *data, filepath.Join(path, "index_meta.json"))
			return 1
		}
		path = *data // an index directory itself
	}
	start := time.Now()
	if err := index.Verify(path); err != nil {
		if errors.Is(err, index.ErrLocked) {
			fmt.Fprintf(stderr, "zhsearch verify: %v; a server is running on %s: verify a snapshot of it (POST /v1/admin/snapshot) or stop it\n", err, *data)
			return 1
		}
		fmt.Fprintf(stderr, "zhsearch verify: %v\n", err)
		return 1
	}
	size, _ := measure.DirSize(path)
	fmt.Fprintf(stdout, "%s: the index is sound (%.1f MB on disk; checked in %s)\n", *data, float64(size)/1e6, time.Since(start).Round(time.Millisecond))
	return 0
}
