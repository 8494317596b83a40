// Package searcheval is zhsearch eval search: known-item retrieval
// measured on a news corpus with queries sampled from the corpus itself.
// It opens an index in-process, unlike package bench, whose protocol
// drives the zhsearch binary (and which index's tests import, so it cannot
// import index itself); it draws its substring queries with bench's
// sampler.
package searcheval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/bench"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/internal/measure"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// kindStats are the figures of one kind of query.
type kindStats struct {
	name            string
	n, found, inAll int
	rr              float64
	latencies       []float64
	missed          []string // queries whose source was not among the hits
}

func (k *kindStats) success() float64 { return float64(k.found) / float64(max(k.n, 1)) }
func (k *kindStats) mrr() float64     { return k.rr / float64(max(k.n, 1)) }
func (k *kindStats) recall() float64  { return float64(k.inAll) / float64(max(k.n, 1)) }
func (k *kindStats) pct(p float64) float64 {
	return pct(k.latencies, p)
}

// pct is the nearest-rank p-th percentile of unsorted xs.
func pct(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return measure.Percentile(s, p)
}

// Report is the outcome of Run.
type Report struct {
	paragraphs int
	indexTime  time.Duration
	kinds      []*kindStats
	suggest    []float64
}

// Run is zhsearch eval search: it indexes arts in a temporary
// folder and measures known-item retrieval with n queries of each kind
// sampled from the articles themselves (2–4 consecutive words, or 2–5
// Han characters, of a random paragraph), with a fixed seed so that runs
// compare: whether the source article is in the top 10 (Success@10,
// MRR@10) and among all hits, and the latency of searches and of
// suggestions for the first characters typed. Indexing progress goes to
// progress.
func Run(ctx context.Context, arts []*article.Article, n int, seed uint64, progress io.Writer) (*Report, error) {
	rep := &Report{}
	// a scorch index in a temporary folder: bleve's in-memory index
	// (upsidedown on a treap) indexes a corpus this size far too slowly
	dir, err := os.MkdirTemp("", "zhsearch-eval-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ix, err := index.Open(index.Options{Path: filepath.Join(dir, "index")})
	if err != nil {
		return nil, err
	}
	defer ix.Close()
	start := time.Now()
	const batch = 100
	for i := 0; i < len(arts); i += batch {
		if err := ix.Put(ctx, arts[i:min(i+batch, len(arts))]...); err != nil {
			return nil, err
		}
		if done := min(i+batch, len(arts)); done%1000 == 0 || done == len(arts) {
			fmt.Fprintf(progress, "\rindexed %d/%d articles", done, len(arts))
		}
	}
	fmt.Fprintln(progress)
	rep.indexTime = time.Since(start)
	for _, a := range arts {
		rep.paragraphs += len(a.Paragraphs)
	}
	seg, err := tokenizer.Shared()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	words := &kindStats{name: "words"}
	subs := &kindStats{name: "substring"}
	rep.kinds = []*kindStats{words, subs}
	for _, k := range rep.kinds {
		for tries := 0; k.n < n && tries < 50*n; tries++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			a := arts[rng.IntN(len(arts))]
			text := a.Paragraphs[rng.IntN(len(a.Paragraphs))].Text
			var q string
			if k == words {
				q = sampleWords(seg, text, rng)
			} else {
				q = bench.SampleSubstring(text, rng)
			}
			if q == "" {
				continue
			}
			t0 := time.Now()
			res, err := ix.Search(ctx, index.Request{Query: q, Size: 10, Snippets: 1})
			if errors.Is(err, index.ErrInvalidQuery) {
				continue // e.g. nothing but stop words: not a query a user types
			}
			if err != nil {
				return nil, fmt.Errorf("query %q: %w", q, err)
			}
			k.latencies = append(k.latencies, float64(time.Since(t0).Microseconds())/1000)
			k.n++
			for rank, h := range res.Hits {
				if h.ID == a.ID {
					k.found++
					k.rr += 1 / float64(rank+1)
					break
				}
			}
			all, err := ix.Search(ctx, index.Request{Query: q, Size: 1, Snippets: 1, IDs: []string{a.ID}})
			if err != nil {
				return nil, fmt.Errorf("query %q: %w", q, err)
			}
			if all.Total > 0 {
				k.inAll++
			} else if len(k.missed) < 5 {
				k.missed = append(k.missed, fmt.Sprintf("%q (%s)", q, a.ID))
			}
			if k == subs {
				// suggestion latency for what a user types on the way there
				for i, r := 0, []rune(q); i < min(3, len(r)); i++ {
					t0 := time.Now()
					if _, err := ix.Suggest(ctx, string(r[:i+1]), 10); err != nil {
						return nil, fmt.Errorf("suggest %q: %w", string(r[:i+1]), err)
					}
					rep.suggest = append(rep.suggest, float64(time.Since(t0).Microseconds())/1000)
				}
			}
		}
	}
	return rep, nil
}

// sampleWords picks 2–4 consecutive words of text (not all stop words)
// and writes them as a user would: Chinese words run together, other
// words separated by spaces.
func sampleWords(seg *tokenizer.Segmenter, text string, rng *rand.Rand) string {
	toks := seg.Analyze([]byte(text), tokenizer.QueryMode)
	k := 2 + rng.IntN(3)
	if len(toks) < k {
		return ""
	}
	i := rng.IntN(len(toks) - k + 1)
	run := toks[i : i+k]
	content := false
	var b strings.Builder
	for j, t := range run {
		if j > 0 && run[j].Position != run[j-1].Position+1 {
			return ""
		}
		if !tokenizer.IsStopWord(t.Term) {
			content = true
		}
		orig := text[t.Start:t.End]
		if j > 0 && !(isHanString(orig) && isHanString(text[run[j-1].Start:run[j-1].End])) {
			b.WriteByte(' ')
		}
		b.WriteString(orig)
	}
	if !content {
		return ""
	}
	return b.String()
}

func isHanString(s string) bool {
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.Is(unicode.Han, r)
}

// WriteText writes the evaluation as a table: corpus is the corpus' name,
// articles how many it held.
func (e *Report) WriteText(w io.Writer, corpus string, articles int, seed uint64) {
	fmt.Fprintf(w, "corpus %s: %d articles, %d paragraphs, indexed in %s; seed %d\n",
		corpus, articles, e.paragraphs, e.indexTime.Round(time.Second), seed)
	fmt.Fprintf(w, "%-10s %5s %11s %7s %15s %8s %8s\n", "queries", "n", "Success@10", "MRR@10", "substring-rec.", "p50 ms", "p95 ms")
	for _, k := range e.kinds {
		fmt.Fprintf(w, "%-10s %5d %11.3f %7.3f %15.3f %8.2f %8.2f\n", k.name, k.n, k.success(), k.mrr(), k.recall(), k.pct(0.5), k.pct(0.95))
	}
	for _, k := range e.kinds {
		if len(k.missed) > 0 {
			fmt.Fprintf(w, "%s queries not finding their source: %s\n", k.name, strings.Join(k.missed, ", "))
		}
	}
	fmt.Fprintf(w, "suggest    %5d prefixes: p50 %.2f ms, p95 %.2f ms\n", len(e.suggest), pct(e.suggest, 0.5), pct(e.suggest, 0.95))
}
