package measure

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/procfs"
)

func TestPercentile(t *testing.T) {
	var ms []time.Duration
	for i := 1; i <= 100; i++ {
		ms = append(ms, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"median of 100", ms, 0.5, 50 * time.Millisecond},
		{"p99 of 100", ms, 0.99, 99 * time.Millisecond},
		{"max", ms, 1, 100 * time.Millisecond},
		{"smallest rank", ms, 0.001, time.Millisecond},
		{"p0 is the first", ms, 0, time.Millisecond},
		{"median of 4 is the 2nd", ms[:4], 0.5, 2 * time.Millisecond},
		{"p95 of 4 is the last", ms[:4], 0.95, 4 * time.Millisecond},
		{"one sample", ms[6:7], 0.5, 7 * time.Millisecond},
		{"none", nil, 0.5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("Percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
	if got := Percentile([]float64{0.5, 1.5, 2.5}, 0.5); got != 1.5 {
		t.Errorf("Percentile of floats = %v, want 1.5", got)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		want float64
	}{
		{"odd", []float64{3, 1, 2}, 2},
		{"even: the mean of the middle two", []float64{4, 1, 3, 2}, 2.5},
		{"one", []float64{7}, 7},
		{"none", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.xs)
			if got := Median(tc.xs); got != tc.want || !slices.Equal(in, tc.xs) {
				t.Errorf("Median(%v) = %v, want %v (input unchanged)", in, got, tc.want)
			}
		})
	}
}

func ExamplePercentile() {
	lat := []float64{1.2, 3.4, 5.6, 7.8, 9.9} // ms, sorted
	fmt.Println(Percentile(lat, 0.5), Percentile(lat, 0.95))
	// Output: 5.6 9.9
}

func TestDirSize(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]int // path under the directory → size
		want  int64
	}{
		{"empty", nil, 0},
		{"files", map[string]int{"a": 10, "b": 5}, 15},
		{"nested", map[string]int{"a": 1, "store/x.zap": 100, "store/deep/y": 7}, 108},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, n := range tc.files {
				p = filepath.Join(dir, p)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := DirSize(dir); err != nil || got != tc.want {
				t.Errorf("DirSize = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	if _, err := DirSize(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("DirSize of a missing directory: %v, want fs.ErrNotExist", err)
	}
}

func TestProcMemory(t *testing.T) {
	fake, err := procfs.NewFS(filepath.Join("testdata", "proc"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pid  int
		want Memory
		err  error
	}{
		{"running", 100, Memory{RSS: 100 << 20, Peak: 200 << 20, Anon: 80 << 20}, nil},
		{"zombie", 200, Memory{}, ErrNoMemory},
		{"gone", 300, Memory{}, fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := procMemory(fake, tc.pid)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("procMemory(%d) = %+v, %v; want %+v, %v", tc.pid, got, err, tc.want, tc.err)
			}
		})
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	m, err := ProcMemory(os.Getpid())
	if err != nil || m.RSS <= 0 || m.Peak < m.RSS || m.Anon <= 0 || m.Anon > m.RSS {
		t.Errorf("this process: %+v, %v; want 0 < RssAnon <= VmRSS <= VmHWM", m, err)
	}
}
