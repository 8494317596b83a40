package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// maxPrefixTerms bounds the recall-field terms a lone final character
// expands to (openPhrase); there are at most a few thousand characters
// that can follow one character.
const maxPrefixTerms = 20000

// openPhrase matches a recall phrase whose last term is a lone character
// (tokenizer.OpenEnd), in the elements of field that elems admits. The
// index holds such a character as the first character of whatever bigram
// starts there, so the last position matches any term of field starting
// with it. Those terms are read when the search builds its searcher, from
// the reader it hands in: the phrase matches the terms of the snapshot it
// runs on.
type openPhrase struct {
	terms []string // the last one open
	field string
	elems elemFilter
	boost float64
}

// Searcher expands the open term to the field's terms that start with it
// and searches the phrase of them (phrase.go); no such term matches
// nothing.
func (q *openPhrase) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	alts, err := prefixTerms(r, q.field, q.terms[len(q.terms)-1])
	if err != nil {
		return nil, err
	}
	if len(alts) == 0 {
		return searcher.NewMatchNoneSearcher(r)
	}
	multi := make([][]string, len(q.terms))
	for i, t := range q.terms[:len(q.terms)-1] {
		multi[i] = []string{t}
	}
	multi[len(q.terms)-1] = alts
	return newPhrase(multi, q.field, q.elems, q.boost).Searcher(ctx, r, m, options)
}

// prefixTerms lists the terms of field starting with prefix, in order, at
// most maxPrefixTerms.
func prefixTerms(r index.IndexReader, field, prefix string) ([]string, error) {
	dict, err := r.FieldDictPrefix(field, []byte(prefix))
	if err != nil {
		return nil, fmt.Errorf("reading the terms of %s: %w", field, err)
	}
	var alts []string
	for len(alts) < maxPrefixTerms {
		e, err := dict.Next()
		if err != nil {
			_ = dict.Close()
			return nil, fmt.Errorf("reading the terms of %s: %w", field, err)
		}
		if e == nil {
			break
		}
		alts = append(alts, e.Term)
	}
	if err := dict.Close(); err != nil {
		return nil, fmt.Errorf("reading the terms of %s: %w", field, err)
	}
	return alts, nil
}
