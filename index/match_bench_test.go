package index

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"unicode"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/bench"
)

// matchCorpus is the corpus of the matcher's benchmark (never copied into
// the repository).
const matchCorpus = "../../shared/data/news/xwlb.jsonl.gz"

// standingQueries draws n queries from real text: runs of 2 to 4 Han
// characters from paragraphs of arts, a third of them two such runs (the
// saved searches of alert's ingest benchmark are drawn the same way).
func standingQueries(arts []*article.Article, n int) []string {
	rng := rand.New(rand.NewPCG(9, 9))
	var out []string
	for len(out) < n {
		a := arts[rng.IntN(len(arts))]
		if len(a.Paragraphs) == 0 {
			continue
		}
		text := []rune(a.Paragraphs[rng.IntN(len(a.Paragraphs))].Text)
		pick := func() string {
			for range 20 {
				l := 2 + rng.IntN(3)
				if len(text) <= l {
					return ""
				}
				at := rng.IntN(len(text) - l)
				run := text[at : at+l]
				ok := true
				for _, r := range run {
					ok = ok && unicode.Is(unicode.Han, r)
				}
				if ok {
					return string(run)
				}
			}
			return ""
		}
		q := pick()
		if q == "" {
			continue
		}
		if rng.IntN(3) == 0 {
			if q2 := pick(); q2 != "" {
				q += " " + q2
			}
		}
		out = append(out, q)
	}
	return out
}

// BenchmarkMatch runs 1,000 saved searches (drawn from other articles'
// text) against writes of xwlb articles, as the alerts' matcher does: the
// cost matching adds to a write. batch is the number of articles matched
// at once (the matcher takes everything queued: one write of 50 when it
// keeps up, more when writes come faster). art/s is articles matched a
// second.
func BenchmarkMatch(b *testing.B) {
	all, _, err := loadArticlesFrom(matchCorpus, 3000)
	if err != nil {
		b.Skipf("the xwlb corpus is not here (%v): this benchmark needs ../shared/data", err)
	}
	if len(all) < 3000 {
		b.Skipf("%s holds %d articles, fewer than 3,000", matchCorpus, len(all))
	}
	queries := standingQueries(all[1000:], 1000)
	reqs := make([]Request, len(queries))
	for i, q := range queries {
		reqs[i] = Request{Query: q}
	}
	ctx := context.Background()
	for _, size := range []int{50, 1000} {
		b.Run("batch="+strconv.Itoa(size), func(b *testing.B) {
			ix, err := Open(Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			var mu sync.Mutex
			var ws []*Written
			ix.SetWriteHook(func(w *Written) {
				mu.Lock()
				ws = append(ws, w)
				mu.Unlock()
			})
			if err := ix.Put(ctx, all[:size]...); err != nil {
				b.Fatal(err)
			}
			matches := 0
			for b.Loop() {
				out, errs, err := ix.Match(ctx, ws, reqs)
				if err != nil {
					b.Fatal(err)
				}
				matches = 0
				for i := range out {
					if errs[i] != nil {
						b.Fatal(errs[i])
					}
					matches += len(out[i])
				}
			}
			b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "art/s")
			b.ReportMetric(float64(matches), "matches")
		})
	}
}

// loadArticlesFrom reads the first n valid articles of a corpus in the
// bench format (one JSON article a line, gzipped).
func loadArticlesFrom(path string, n int) ([]*article.Article, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
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
	return out, path, sc.Err()
}
