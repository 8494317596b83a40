package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/index"
)

// samplePath is the sample corpus the docs tell users to try the import
// with (docs/articles.md): articles we wrote, in every shape the schema
// allows.
var samplePath = filepath.Join("..", "..", "testdata", "sample.ndjson")

// TestImportSample imports testdata/sample.ndjson as the docs show: every
// line is accepted, the two articles without an id that share a title stay
// two, piped output says when the final merge starts and ends, and the
// articles are found.
func TestImportSample(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"import", "--data", data, samplePath}, env(nil), &stderr, &stderr)
	out := stderr.String()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	m := summaryRE.FindStringSubmatch(out)
	if m == nil || m[1] != "32" || m[4] != "0" {
		t.Errorf("want 32 articles imported, none rejected:\n%s", out)
	}
	for _, want := range []string{"merging the index segments (the final merge)", "final merge done in"} {
		if !strings.Contains(out, want) {
			t.Errorf("piped output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "final merge done") < strings.Index(out, "merging the index segments") {
		t.Errorf("the merge ends before it starts:\n%s", out)
	}
	for _, tc := range []struct{ q, want string }{
		{"口袋公园", "1 article hits for 口袋公园"},
		{"天气预报", "2 article hits for 天气预报"},
		{"达产", "1 article hits for 达产"},
	} {
		code, got, errs := runCmd(t, nil, "search", "--data", data, "--color", "never", tc.q)
		if code != 0 || !strings.Contains(got, tc.want) {
			t.Errorf("search %s: exit %d, %q %s; want %q", tc.q, code, got, errs, tc.want)
		}
	}
}

// TestImportProgressLines: without a terminal, each tick prints a line
// saying how far the import is, and the lines stop when told.
func TestImportProgressLines(t *testing.T) {
	var out bytes.Buffer
	counts := func() index.ImportCounts { return index.ImportCounts{Read: 500_000, Articles: 7, Paragraphs: 21} }
	ui := &importUI{out: &out, start: time.Now(), total: 2_000_000, counts: counts}
	tick, done, stopped := make(chan time.Time), make(chan struct{}), make(chan struct{})
	go func() { ui.progressLines(tick, done); close(stopped) }()
	tick <- time.Now()
	tick <- time.Now()
	close(done)
	<-stopped
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines for 2 ticks:\n%s", len(lines), out.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "importing: 0.5 of 2.0 (25%) MB read, 7 articles and 21 paragraphs indexed, ") {
			t.Errorf("line %q", l)
		}
	}
}
