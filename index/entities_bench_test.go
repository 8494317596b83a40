package index

import (
	"context"
	"testing"
)

// BenchmarkPutEntities is the write cost of the names (entities.go):
// Put of 200 articles (chinanews when ../shared/data is there, else the
// seed page) into a fresh in-memory index, with and without them. The
// ratio of the two ns/op is the cost docs/entities.md reports.
func BenchmarkPutEntities(b *testing.B) {
	arts := benchArticles(b)
	for _, tc := range []struct {
		name string
		off  bool
	}{{"names=off", true}, {"names=on", false}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(textBytes(arts))
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				ix, err := Open(Options{})
				if err != nil {
					b.Fatal(err)
				}
				ix.noEntities = tc.off
				b.StartTimer()
				if err := ix.Put(ctx, arts...); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				ix.Close()
				b.StartTimer()
			}
		})
	}
}
