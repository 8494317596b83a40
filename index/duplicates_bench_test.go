package index

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/internal/measure"
)

// The costs of issue 20 §2 on the xwlb corpus (74,545 articles; docs/duplicates.md):
//
//	go test ./index -run '^$' -bench 'Fingerprint|DuplicatesXWLB' -benchtime 5x
//
// They skip when ../shared/data is missing.
const xwlbCorpus = "../../shared/data/news/xwlb.jsonl.gz"

var (
	xwlbOnce sync.Once
	xwlbArts []*article.Article
	xwlbErr  error
)

// xwlbArticles reads the xwlb corpus (the lines the index accepts).
func xwlbArticles(b *testing.B) []*article.Article {
	b.Helper()
	if _, err := os.Stat(xwlbCorpus); err != nil {
		b.Skipf("needs the evaluation data: %v", err)
	}
	xwlbOnce.Do(func() {
		f, err := os.Open(xwlbCorpus)
		if err != nil {
			xwlbErr = err
			return
		}
		defer f.Close()
		r, err := article.Decompress(f, true)
		if err != nil {
			xwlbErr = err
			return
		}
		defer r.Close()
		xwlbErr = article.ReadNDJSON(r, article.ReadOptions{}, func(it article.Item) error {
			if it.Err == nil {
				xwlbArts = append(xwlbArts, it.Article)
			}
			return nil
		})
	})
	if xwlbErr != nil {
		b.Fatal(xwlbErr)
	}
	return xwlbArts
}

// BenchmarkFingerprintIngest puts the same 1,000 xwlb articles into a
// fresh in-memory index without and with their fingerprints, one right
// after the other in every round so that a busy machine slows both
// alike. overhead-% is what fingerprinting adds to ingest (the issue's
// bound is 10 %): the median over the rounds of each round's ratio, in
// the process's CPU time (user and system, which other processes on a
// shared machine disturb less than the clock); wall-% is the same by the
// clock. put is the whole write (analysis, the index's write, and its
// close, which waits for every segment to be written and merged);
// prepare the analysis alone (Index.Prepare).
func BenchmarkFingerprintIngest(b *testing.B) {
	arts := xwlbArticles(b)[:1000]
	ctx := context.Background()
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	for _, put := range []bool{false, true} {
		name := "prepare"
		if put {
			name = "put"
		}
		b.Run(name, func(b *testing.B) {
			var cpuRatio, wallRatio []float64
			var cpuSum [2]time.Duration // fingerprint off, on
			for b.Loop() {
				var c, w [2]time.Duration
				for k, off := range []bool{true, false} {
					runtime.GC()
					ix, err := Open(Options{})
					if err != nil {
						b.Fatal(err)
					}
					ix.noFingerprint = off
					c0, w0 := cpu(), time.Now()
					for i := 0; i < len(arts); i += 100 {
						batch := arts[i:min(i+100, len(arts))]
						if put {
							err = ix.Put(ctx, batch...)
						} else {
							_, err = ix.Prepare(ctx, batch...)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					if put {
						err = ix.Close()
					}
					c[k], w[k] = cpu()-c0, time.Since(w0)
					if !put {
						err = ix.Close()
					}
					if err != nil {
						b.Fatal(err)
					}
					cpuSum[k] += c[k]
				}
				cpuRatio = append(cpuRatio, c[1].Seconds()/c[0].Seconds())
				wallRatio = append(wallRatio, w[1].Seconds()/w[0].Seconds())
			}
			median := func(xs []float64) float64 {
				slices.Sort(xs)
				return xs[len(xs)/2]
			}
			n := float64(len(cpuRatio))
			b.ReportMetric(cpuSum[0].Seconds()/n, "cpu-s-without")
			b.ReportMetric(cpuSum[1].Seconds()/n, "cpu-s-with")
			b.ReportMetric(100*(median(cpuRatio)-1), "overhead-%")
			b.ReportMetric(100*(median(wallRatio)-1), "wall-%")
		})
	}
}

// BenchmarkDuplicatesXWLB indexes all of xwlb on disk (bulk, as zhsearch
// import does; a minute or two) and times Index.Duplicates for articles
// taken across the corpus, and a collapse=story search against the same
// search without it. p50/p99 are over every look-up the benchmark made.
func BenchmarkDuplicatesXWLB(b *testing.B) {
	arts := xwlbArticles(b)
	ctx := context.Background()
	// ZHSEARCH_BENCH_XWLB names a directory to keep the index in between
	// runs (built when missing); by default it is built in a temporary one.
	dir := os.Getenv("ZHSEARCH_BENCH_XWLB")
	if dir == "" {
		dir = b.TempDir()
	}
	if _, err := os.Stat(dir); err != nil || dir != os.Getenv("ZHSEARCH_BENCH_XWLB") || isEmptyDir(dir) {
		ix, err := Open(Options{Path: dir, Bulk: true})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for i := 0; i < len(arts); i += 500 {
			if err := ix.Put(ctx, arts[i:min(i+500, len(arts))]...); err != nil {
				b.Fatal(err)
			}
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		b.Logf("indexed %d articles in %s", len(arts), time.Since(start).Round(time.Second))
	}
	ix, err := Open(Options{Path: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	ids := make([]string, 0, 1000)
	for i := 0; i < len(arts); i += len(arts) / 1000 {
		ids = append(ids, arts[i].ID)
	}
	b.Run("lookup", func(b *testing.B) {
		var lat []time.Duration
		found, n := 0, 0
		for b.Loop() {
			for _, id := range ids {
				t := time.Now()
				d, err := ix.Duplicates(ctx, id, 0)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t))
				n++
				if d.Total > 0 {
					found++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/lookup")
		reportPercentiles(b, lat)
		b.ReportMetric(float64(found)/float64(n), "with-duplicates")
	})
	for _, collapse := range []string{"", CollapseStory} {
		b.Run(fmt.Sprintf("search/collapse=%s", collapse), func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				for _, q := range []string{"习近平", "国内联播快讯", "经济", "两会"} {
					t := time.Now()
					if _, err := ix.Search(ctx, Request{Query: q, Collapse: collapse}); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t))
				}
			}
			reportPercentiles(b, lat)
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(measure.Percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(measure.Percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
}

func isEmptyDir(dir string) bool {
	es, err := os.ReadDir(dir)
	return err != nil || len(es) == 0
}
