package bench

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestPlannedPacer: the pacer stops at the plan and paces like its inner
// pacer before it.
func TestPlannedPacer(t *testing.T) {
	if n := Planned(20, 4*time.Second); n != 80 {
		t.Fatalf("Planned(20, 4s) = %d, want 80", n)
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
