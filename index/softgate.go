package index

import (
	"context"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// Soft gates.
//
// A soft word (a single character, or a word with letters or digits)
// matches through its recall phrase or as a word, so its terms did not
// decide textSearcher's candidates: 向中国献 walked every article with
// 中国 and read its locations, to find the few that also hold 向 and 献.
// A gate is a necessary condition of a soft word, cheap to test: all of
// its recall phrase's terms anywhere in the article, or the word in the
// word field. It holds only document numbers (no frequencies, positions
// or scores), so bleve turns it into one bitmap a segment and intersects
// it with the candidates' terms before any location is read
// (scorch's conjunction optimisations). The exact test stays in
// textSearcher.check.

// softGate returns a searcher of the articles that may hold soft word
// term: every recall-field term of its slots, or term in the word field.
// nil: no gate (a slot-less word holds anywhere).
func softGate(ctx context.Context, r index.IndexReader, term string, terms []string, slots []int, field string) (search.Searcher, error) {
	none := search.SearcherOptions{Score: "none"}
	var phrase []search.Searcher
	seen := map[int]bool{}
	for _, sl := range slots {
		if sl < 0 || seen[sl] {
			continue
		}
		seen[sl] = true
		ts, err := searcher.NewTermSearcher(ctx, r, terms[sl], field, 1, none)
		if err != nil {
			closeAll(phrase)
			return nil, err
		}
		phrase = append(phrase, ts)
	}
	if len(phrase) == 0 {
		return nil, nil
	}
	var bigrams search.Searcher = phrase[0]
	if len(phrase) > 1 {
		c, err := searcher.NewConjunctionSearcher(ctx, r, phrase, none)
		if err != nil {
			closeAll(phrase)
			return nil, err
		}
		bigrams = c
	}
	word, err := searcher.NewTermSearcher(ctx, r, term, fieldWords, 1, none)
	if err != nil {
		_ = bigrams.Close()
		return nil, err
	}
	g, err := searcher.NewDisjunctionSearcher(ctx, r, []search.Searcher{bigrams, word}, 1, none)
	if err != nil {
		_ = bigrams.Close()
		_ = word.Close()
		return nil, err
	}
	return gate{g}, nil
}

// gate is a searcher that decides matching only: it weighs nothing in
// the query norm of the conjunction it is in, and scores nothing. It keeps
// the optimisability of what it wraps (bleve's unadorned bitmaps).
type gate struct{ search.Searcher }

func (gate) Weight() float64      { return 0 }
func (gate) SetQueryNorm(float64) {}

// Optimize passes bleve's conjunction optimisation on to the bitmap
// searcher inside, when it is one.
func (g gate) Optimize(kind string, octx index.OptimizableContext) (index.OptimizableContext, error) {
	if o, ok := g.Searcher.(index.Optimizable); ok {
		return o.Optimize(kind, octx)
	}
	return nil, nil
}
