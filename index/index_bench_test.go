package index

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/bench"
	"github.com/zhsearch/zhsearch/highlight"
	"github.com/zhsearch/zhsearch/query"
	"github.com/zhsearch/zhsearch/seeds"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// benchCorpus is the evaluation corpus the benchmarks read when it is
// there (../shared/data, see DEVELOPERS.md); without it they fall back to
// the embedded seed page, so they run on any machine.
const benchCorpus = "../../shared/data/news/chinanews.jsonl.gz"

var (
	benchOnce sync.Once
	benchArts []*article.Article
	benchSrc  string
	benchErr  error
)

// benchArticles returns up to 200 real articles, normalised and valid.
func benchArticles(b *testing.B) []*article.Article {
	b.Helper()
	benchOnce.Do(func() {
		benchArts, benchSrc, benchErr = loadBenchArticles(200)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchArts
}

func loadBenchArticles(n int) ([]*article.Article, string, error) {
	f, err := os.Open(benchCorpus)
	if err != nil { // fresh machine: the seed page, copied under new ids
		var arts []*article.Article
		for _, p := range seeds.Pages() {
			page, err := article.ParsePage(strings.NewReader(p.Text), article.PageMeta{Source: "seed", Page: p.Name})
			if err != nil {
				return nil, "", err
			}
			for i := range page.Articles {
				arts = append(arts, &page.Articles[i])
			}
		}
		var out []*article.Article
		for i := 0; len(out) < 20; i++ {
			a := *arts[i%len(arts)]
			a.ID = fmt.Sprintf("%s-%d", a.ID, i)
			out = append(out, &a)
		}
		return out, "seed page (" + benchCorpus + " is missing)", nil
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, "", err
	}
	var out []*article.Article
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() && len(out) < n {
		var d bench.Doc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, "", err
		}
		a := &article.Article{ID: d.ID, Title: d.Title}
		for _, p := range d.Paragraphs {
			a.Paragraphs = append(a.Paragraphs, article.Paragraph{Text: p})
		}
		a.Normalize()
		if a.Validate() == nil {
			out = append(out, a)
		}
	}
	return out, benchCorpus, sc.Err()
}

func textBytes(arts []*article.Article) int64 {
	var n int64
	for _, a := range arts {
		n += int64(len(a.Title))
		for _, p := range a.Paragraphs {
			n += int64(len(p.Text))
		}
	}
	return n
}

// BenchmarkPut indexes a batch of articles (each with its paragraph
// documents) into a fresh index: analysis (gse words, sub-words, bigrams)
// plus bleve's indexing, the CPU side of an import. store=mem is
// Open(Options{}), the server without --data (scorch in a scratch
// directory); store=disk is an index in a named directory, what import and
// --data use. MB/s is of title and paragraph text.
func BenchmarkPut(b *testing.B) {
	arts := benchArticles(b)
	for _, store := range []string{"mem", "disk"} {
		for _, size := range []int{1, 50} {
			batch := arts[:min(size, len(arts))]
			b.Run(fmt.Sprintf("store=%s/batch=%d", store, len(batch)), func(b *testing.B) {
				b.SetBytes(textBytes(batch))
				ctx := context.Background()
				for b.Loop() {
					b.StopTimer()
					var opts Options
					if store == "disk" {
						opts.Path = b.TempDir() + "/ix"
					}
					ix, err := Open(opts)
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if err := ix.Put(ctx, batch...); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					ix.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(len(batch)*b.N)/b.Elapsed().Seconds(), "articles/s")
			})
		}
	}
}

var (
	searchOnce sync.Once
	searchIx   *Index
	searchQs   []bench.Query
	searchErr  error
)

// benchIndex is an in-memory index of the bench articles and 40 queries
// drawn from them by the bench protocol's generator (fixed seed).
func benchIndex(b *testing.B) (*Index, []bench.Query) {
	b.Helper()
	arts := benchArticles(b)
	searchOnce.Do(func() {
		seg, err := tokenizer.Shared()
		if err != nil {
			searchErr = err
			return
		}
		if searchIx, err = Open(Options{}); err != nil {
			searchErr = err
			return
		}
		if searchErr = searchIx.Put(context.Background(), arts...); searchErr != nil {
			return
		}
		docs := make([]bench.Doc, len(arts))
		for i, a := range arts {
			docs[i] = bench.Doc{ID: a.ID, Title: a.Title}
			for _, p := range a.Paragraphs {
				docs[i].Paragraphs = append(docs[i].Paragraphs, p.Text)
			}
		}
		words := func(text string) []bench.Span {
			var out []bench.Span
			for _, t := range seg.Analyze([]byte(text), tokenizer.QueryMode) {
				out = append(out, bench.Span{Start: t.Start, End: t.End})
			}
			return out
		}
		searchQs, searchErr = bench.GenerateQueries(docs, words, 9, 20, 20)
	})
	if searchErr != nil {
		b.Fatal(searchErr)
	}
	return searchIx, searchQs
}

// BenchmarkSearchProtocol runs the bench protocol's queries (top 10, articles):
// "highlight" is the API's search with one highlighted snippet per hit;
// "no-highlight" is the same compiled bleve query without term locations,
// stored-article reads or snippets, so the difference is the cost of
// highlighting.
func BenchmarkSearchProtocol(b *testing.B) {
	ix, qs := benchIndex(b)
	ctx := context.Background()
	b.Run("highlight", func(b *testing.B) {
		i := 0
		for b.Loop() {
			q := qs[i%len(qs)]
			i++
			if _, err := ix.Search(ctx, Request{Query: q.Text, Size: 10, Snippets: 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("no-highlight", func(b *testing.B) {
		i := 0
		for b.Loop() {
			q := qs[i%len(qs)]
			i++
			tree, err := query.Parse(q.Text)
			if err != nil {
				b.Fatal(err)
			}
			c := compiler{typ: TypeArticle, seg: ix.seg, broadDocs: broadDocs}
			cq, err := c.compile(tree)
			if err != nil {
				b.Fatal(err)
			}
			req := bleve.NewSearchRequestOptions(cq, 10, 0, false)
			if _, err := ix.bi.SearchInContext(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSnippet builds highlighted snippets for a long paragraph with
// matches spread through it: span merging, clause windows, ranking and
// HTML rendering, as buildHit does for each hit.
func BenchmarkSnippet(b *testing.B) {
	arts := benchArticles(b)
	text := ""
	for _, a := range arts { // the longest paragraph
		for _, p := range a.Paragraphs {
			if len(p.Text) > len(text) {
				text = p.Text
			}
		}
	}
	seg, err := tokenizer.Shared()
	if err != nil {
		b.Fatal(err)
	}
	// a match every ~40 bytes, two characters long, on rune boundaries
	var spans []highlight.Span
	for i := 0; i < len(text); {
		start := i
		end := start
		for k := 0; k < 2 && end < len(text); k++ {
			_, size := utf8.DecodeRuneInString(text[end:])
			end += size
		}
		spans = append(spans, highlight.Span{Start: start, End: end})
		for i = end; i < len(text) && i < start+40; {
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
		}
	}
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("snippets=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				merged := highlight.Merge(text, append([]highlight.Span(nil), spans...))
				for _, w := range highlight.Windows(text, merged, highlight.Options{Len: DefaultSnippetLen, Count: n, Seg: seg}) {
					_ = highlight.Render(text, merged, w)
				}
			}
			b.ReportMetric(float64(len(spans)), "matches")
		})
	}
}
