package index

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkPutEntities is the write cost of the names (entities.go):
// Put of 200 articles (chinanews when ../shared/data is there, else the
// seed page) into a fresh in-memory index, with and without them. Each
// iteration writes both ways, in alternating order, so that a machine
// shared with other work slows both alike; the metrics are the median
// times and their ratio, the cost docs/entities.md reports.
func BenchmarkPutEntities(b *testing.B) {
	arts := benchArticles(b)
	ctx := context.Background()
	put := func(off bool) time.Duration {
		ix, err := Open(Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer ix.Close()
		ix.noEntities = off
		start := time.Now()
		if err := ix.Put(ctx, arts...); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var off, on []time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			off = append(off, put(true))
			on = append(on, put(false))
		} else {
			on = append(on, put(false))
			off = append(off, put(true))
		}
		i++
	}
	median := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)/2]
	}
	mOff, mOn := median(off), median(on)
	b.ReportMetric(float64(mOff.Milliseconds()), "ms-names-off")
	b.ReportMetric(float64(mOn.Milliseconds()), "ms-names-on")
	b.ReportMetric(float64(mOn)/float64(mOff), "ratio")
}
