package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchUsageErrors checks that bad bench invocations fail with exit
// status 2 and a message saying what to do, before any process starts.
func TestBenchUsageErrors(t *testing.T) {
	corpus := filepath.Join(t.TempDir(), "missing.jsonl.gz")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no phase", []string{"bench", "--corpus", "x"}, "name a phase"},
		{"unknown phase", []string{"bench", "warmup", "--corpus", "x"}, `unknown phase "warmup"`},
		{"no corpus", []string{"bench", "all"}, "--corpus FILE is required"},
		{"missing corpus", []string{"bench", "query", "--corpus", corpus}, "missing.jsonl.gz"},
		{"unbounded load", []string{"bench", "query", "--corpus", "x", "--duration", "1h"}, "between 0 and 10m"},
		{"no clients", []string{"bench", "query", "--corpus", "x", "--clients", "0"}, "--clients must be at least 1"},
		{"stray argument", []string{"bench", "all", "--corpus", "x", "extra"}, "unexpected arguments"},
		{"growth: a size not a number", []string{"bench", "growth", "--corpus", "x", "--sizes", "200,lots"}, `--sizes: "lots" is not a positive number`},
		{"growth: a size of 0", []string{"bench", "growth", "--corpus", "x", "--sizes", "0,800"}, `--sizes: "0" is not a positive number`},
		{"growth: an existing index", []string{"bench", "growth", "--corpus", "x", "--data", "d"}, "leave out --data, --keep and --n"},
		{"publish: no writers", []string{"bench", "publish", "--corpus", "x", "--writers", "0"}, "--writers and --writes must be at least 1"},
		{"publish: no writes", []string{"bench", "publish", "--corpus", "x", "--writes", "0"}, "--writers and --writes must be at least 1"},
		{"publish: unbounded", []string{"bench", "publish", "--corpus", "x", "--max-duration", "2h"}, "--max-duration must be between 0 and 1h"},
		{"publish: --keep", []string{"bench", "publish", "--corpus", "x", "--keep", "k"}, "--keep does not apply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, func(string) string { return "" }, &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr: %s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
			}
		})
	}
}
