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
