package index

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/seeds"
)

// BenchmarkPutBatch indexes batches of seed-page articles (under fresh
// ids) into an index on disk, the path of `zhsearch import`; it reports
// articles/s and MB/s of paragraph text.
//
//	go test ./index -run '^$' -bench PutBatch -benchtime 5x
func BenchmarkPutBatch(b *testing.B) {
	page, err := article.ParsePage(strings.NewReader(seeds.Pages()[0].Text), article.PageMeta{})
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{50, 250} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			ix, err := Open(Options{Path: b.TempDir() + "/idx"})
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			var articles, bytes int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				batch := make([]*article.Article, size)
				for j := range batch {
					a := page.Articles[j%len(page.Articles)]
					a.ID = fmt.Sprintf("b%d-%d", i, j)
					batch[j] = &a
					bytes += len(a.Text())
				}
				if err := ix.Put(context.Background(), batch...); err != nil {
					b.Fatal(err)
				}
				articles += size
			}
			b.ReportMetric(float64(articles)/b.Elapsed().Seconds(), "articles/s")
			b.ReportMetric(float64(bytes)/1e6/b.Elapsed().Seconds(), "MB/s")
		})
	}
}
