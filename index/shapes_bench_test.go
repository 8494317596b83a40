package index

import (
	"fmt"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/internal/shapes"
)

// BenchmarkPutShapes writes one article whose paragraph is 256 KiB of
// each text shape through the real write path (Put: validation, analysis
// of every field, the bleve batch): CPU time per MB must not depend on
// the shape (docs/reliability.md).
func BenchmarkPutShapes(b *testing.B) {
	ix := openMem(b)
	for _, sh := range shapes.All() {
		text := sh.Text(256 << 10)
		b.Run(sh.Name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			cpu := shapes.CPUTime()
			n := 0
			for b.Loop() {
				n++
				a := &article.Article{ID: fmt.Sprintf("%s-%d", sh.Name, n), Title: "t", Paragraphs: []article.Paragraph{{Text: text}}}
				if err := ix.Put(b.Context(), a); err != nil {
					b.Fatal(err)
				}
			}
			mb := float64(len(text)) * float64(b.N) / 1e6
			b.ReportMetric(float64(shapes.CPUTime()-cpu)/1e6/mb, "cpu-ms/MB")
		})
	}
}
