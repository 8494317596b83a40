package index

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// Limits of Related.
const (
	DefaultRelated = 5
	MaxRelated     = 20
	relatedTerms   = 20 // distinctive terms a more-like-this query uses
)

// Related finds articles like the one with id: a more-like-this query on
// its most distinctive words (frequency in the article × inverse document
// frequency in the index; title words count double), at least two of
// which a related article must share. The article itself is left out.
// ErrNotFound if id is unknown.
func (ix *Index) Related(ctx context.Context, id string, n int) (*Result, error) {
	start := time.Now()
	if n == 0 {
		n = DefaultRelated
	}
	if n < 1 || n > MaxRelated {
		return nil, fmt.Errorf("%w: size must be between 1 and %d", ErrInvalidQuery, MaxRelated)
	}
	a, err := ix.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	tf := map[string]float64{}
	count := func(text string, w float64) {
		for _, t := range ix.seg.Analyze([]byte(text), tokenizer.QueryMode) {
			if distinctive(t.Term) {
				tf[t.Term] += w
			}
		}
	}
	count(a.Title, 2)
	for _, p := range a.Paragraphs {
		count(p.Text, 1)
	}
	terms, err := ix.weigh(ctx, tf)
	if err != nil {
		return nil, err
	}
	r := Request{Query: id, Type: TypeArticle, Size: n, Snippets: 1}
	if err := r.normalize(); err != nil {
		return nil, err
	}
	if len(terms) == 0 {
		return &Result{Query: id, Type: r.Type, Page: 1, Size: n, Sort: r.Sort, Hits: []Hit{}}, nil
	}
	var alts []bq.Query
	for _, t := range terms {
		// the word field keeps no frequencies: a shared word scores its weight
		alts = append(alts, &constScore{q: termQuery(t.term, fieldWords, 1), score: t.weight}, termQuery(t.term, fieldTitle, 2*t.weight))
	}
	like := bleve.NewDisjunctionQuery(alts...)
	like.SetMin(float64(min(2, len(alts))))
	q := bq.NewBooleanQuery([]bq.Query{like}, nil, []bq.Query{bleve.NewDocIDQuery([]string{id})})
	// marked where the terms occur: body words keep no term locations
	hl := newHighlightPlan(nil)
	for _, t := range terms {
		hl.mark("", t.term)
	}
	out, err := ix.run(ctx, q, &r, hl)
	if err != nil {
		return nil, err
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// distinctive reports whether a term may characterise an article: not a
// stop word, not a single character, not a bare number.
func distinctive(t string) bool {
	if utf8.RuneCountInString(t) < 2 || tokenizer.IsStopWord(t) {
		return false
	}
	for _, r := range t {
		if !unicode.IsDigit(r) && !unicode.IsPunct(r) {
			return true
		}
	}
	return false
}

type weighted struct {
	term   string
	weight float64
}

// weigh keeps the relatedTerms terms with the highest tf × idf.
func (ix *Index) weigh(ctx context.Context, tf map[string]float64) ([]weighted, error) {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return nil, fmt.Errorf("opening index: %w", err)
	}
	rd, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("opening index reader: %w", err)
	}
	defer rd.Close()
	docs, err := rd.DocCount()
	if err != nil {
		return nil, fmt.Errorf("counting documents: %w", err)
	}
	var out []weighted
	for t, f := range tf {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tfr, err := rd.TermFieldReader(ctx, []byte(t), fieldWords, false, false, false)
		if err != nil {
			return nil, fmt.Errorf("reading term %q: %w", t, err)
		}
		df := tfr.Count()
		tfr.Close()
		if df == 0 {
			continue
		}
		out = append(out, weighted{t, f * math.Log(1+float64(docs)/float64(df))})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].weight != out[j].weight {
			return out[i].weight > out[j].weight
		}
		return out[i].term < out[j].term
	})
	if len(out) > relatedTerms {
		out = out[:relatedTerms]
	}
	// normalise so the best term weighs 1: boosts stay in a sane range
	if len(out) > 0 {
		top := out[0].weight
		for i := range out {
			out[i].weight /= top
		}
	}
	return out, nil
}
