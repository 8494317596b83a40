package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestLoadtestCommand runs `zhsearch loadtest` briefly on a small corpus
// of our own: it imports, serves, attacks with searches and writes, and
// reports zero errors, percentiles and RSS, and leaves no server behind.
// The request counts are the plan (rate × duration), which the command
// sends in full however busy the machine: no count here is the clock's.
// TestPlannedPacer: the pacer stops at the plan and paces like its inner
// pacer before it.
func TestPlannedPacer(t *testing.T) {
	if n := planned(20, 4*time.Second); n != 80 {
		t.Fatalf("planned(20, 4s) = %d, want 80", n)
	}
	p := plannedPacer{vegeta.Rate{Freq: 20, Per: time.Second}, 80}
	for _, tc := range []struct {
		elapsed time.Duration
		hits    uint64
		stop    bool
	}{{0, 0, false}, {time.Second, 20, false}, {time.Hour, 79, false}, {time.Second, 80, true}, {time.Hour, 81, true}} {
		wait, stop := p.Pace(tc.elapsed, tc.hits)
		innerWait, _ := p.Pacer.Pace(tc.elapsed, tc.hits)
		if stop != tc.stop || (!stop && wait != innerWait) {
			t.Errorf("Pace(%s, %d) = %s, %v; want stop %v (inner wait %s)", tc.elapsed, tc.hits, wait, stop, tc.stop, innerWait)
		}
	}
}

// TestHoldsIndex: loadtest --data reuses a data directory that holds an
// index (DIR/index/index_meta.json, as import writes it), and only that.
func TestHoldsIndex(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string // created under the data directory; "" for none
		want bool
	}{
		{"empty", "", false},
		{"an index in DIR/index", "index/index_meta.json", true},
		{"index_meta.json at the top is not the layout", "index_meta.json", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.file != "" {
				p := filepath.Join(dir, tc.file)
				os.MkdirAll(filepath.Dir(p), 0o755)
				os.WriteFile(p, []byte(`{"storage":"scorch"}`), 0o644)
			}
			if got := holdsIndex(dir); got != tc.want {
				t.Errorf("holdsIndex = %v, want %v", got, tc.want)
			}
		})
	}
}

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

// sendBurst counts 2xx answers, 503s with Retry-After (shed) and
// everything else (errors) of its searches.
func TestSendBurst(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("i") {
		case "0":
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		case "1":
			w.WriteHeader(http.StatusServiceUnavailable) // no Retry-After: an error
		case "2":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			_, _ = w.Write([]byte(`{}`))
		}
	}))
	defer srv.Close()
	got := sendBurst(context.Background(), 10, func(i int) string { return fmt.Sprintf("%s/?i=%d", srv.URL, i) })
	if got.ok != 7 || got.shed != 1 || len(got.errs) != 2 {
		t.Errorf("burst of 10: %d ok, %d shed, errors %q; want 7, 1 and two errors", got.ok, got.shed, got.errs)
	}
}

func TestRSSTailGrowth(t *testing.T) {
	at := func(sec int, mib int64) rssSample { return rssSample{time.Duration(sec) * time.Second, mib << 20, 0} }
	for _, tc := range []struct {
		name    string
		samples []rssSample
		want    float64
		ok      bool
	}{
		{"too short", []rssSample{at(0, 100), at(60, 100), at(120, 100)}, 0, false},
		{"flat", []rssSample{at(0, 50), at(60, 100), at(120, 100), at(180, 102), at(240, 101)}, 0.02, true},
		{"growing", []rssSample{at(0, 50), at(60, 100), at(120, 110), at(180, 120), at(240, 130)}, 0.30, true},
		{"early growth is not the tail's", []rssSample{at(0, 10), at(30, 100), at(60, 100), at(120, 100), at(240, 100)}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := rssTailGrowth(tc.samples, 3*time.Minute)
			if ok != tc.ok || (ok && math.Abs(got-tc.want) > 1e-9) {
				t.Errorf("rssTailGrowth = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
