package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestLoadtestCommand runs `zhsearch loadtest` briefly on a small corpus
// of our own: it imports, serves, attacks with searches and writes, and
// reports zero errors, percentiles and RSS, and leaves no server behind.
// The request counts are the plan (rate × duration), which the command
// sends in full however busy the machine: no count here is the clock's.
func TestLoadtestCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	var lines []string
	for i := 0; i < 30; i++ {
		lines = append(lines, fmt.Sprintf(`{"id": "lt-%d", "title": "郑州地铁第%d号线开通运营", "published_at": "2024-07-01", "paragraphs": ["今天上午，郑州地铁新线开通，市民纷纷乘坐体验。", "二七经开区的居民出行更加方便。"]}`, i, i))
	}
	corpus := writeFile(t, t.TempDir(), "corpus.jsonl", []byte(strings.Join(lines, "\n")+"\n"))
	out, err := exec.Command(bin, "loadtest", "--corpus", corpus, "--duration", "4s", "--search-rate", "20", "--write-rate", "5", "--write-ids", "10", "--rss-every", "500ms").CombinedOutput()
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	for _, re := range []string{
		`plan: 80 searches, 20 writes`,
		`search +80 requests, [\d.]+/s; latency p50 \S+, p95 \S+, p99 \S+, max \S+; errors 0`,
		`write +20 requests, [\d.]+/s; .*errors 0`,
		`server peak RSS \d+ MiB; RSS over time \(MiB, of it anonymous\): 0s=\d+/\d+`,
		`burst  64 searches at once: \d+ answered 2xx, \d+ shed \(503 with Retry-After\), 0 errors`,
	} {
		if !regexp.MustCompile(re).Match(out) {
			t.Errorf("output lacks %s", re)
		}
	}
}
