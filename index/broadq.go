package index

import (
	"context"
	"fmt"
	"math"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/zhsearch/zhsearch/query"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// Broad texts.
//
// A plain text is broad when it is so common that checking the positions
// of its bigrams in every candidate would dominate the search: when even
// the rarest bigram (or one-term recall) of each of its words is in
// broadDocs bodies or more. 央视网消息 opens 73,814 of xwlb's 74,545
// articles; the 13 broadest of the protocol's 500 queries took 100-435 ms
// each, more than half of the time of all 500. A broad text finds a word
// of three or more characters through its bigrams without their positions
// (a superset of the texts that hold it: the word must still be in the
// text as bigrams, in any order) and ranks without the phrase of the
// whole text in bodies (wordsText). A text with a rare word is
// never broad.
//
// How common a word is depends on the index, so the compiler compiles the
// text for a search where it is not broad, and broadText decides when the
// search builds its searcher, from the counts of the reader the search
// hands in; where the text is broad, it is compiled again as broad then
// (rarely: a few of the protocol's 500 queries).

// broadDocs is where a text becomes broad: 13 % of all of xwlb's
// articles. A variable only so that a test can make every text broad
// (TestRecallSeedPageBroad); nothing else changes it.
var broadDocs = 10000

// broadText is a plain text that may be broad: narrow is what it compiles
// to where it is not; text, words, all, fields and tier are what
// wordsText compiles it from where it is.
type broadText struct {
	narrow bq.Query
	text   *query.Text
	words  []tokenizer.Token // its words (compiler.tokensOf)
	all    []string
	fields []textFields
	tier   bool
	docs   uint64 // broadDocs
}

// wide is the text compiled for a search where it is broad.
func (q *broadText) wide() bq.Query {
	wide, _ := wordsText(q.text, q.words, q.all, q.fields, q.tier, true)
	return wide
}

// Searcher builds the searcher of the text compiled as broad when it is
// broad in r, of narrow otherwise.
func (q *broadText) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	broad, err := q.broad(ctx, r)
	if err != nil {
		return nil, err
	}
	if broad {
		return q.wide().Searcher(ctx, r, m, options)
	}
	return q.narrow.Searcher(ctx, r, m, options)
}

// broad reports whether the rarest recall term of every word (of its
// recall phrase, wordContext) is in docs documents or more of r.
func (q *broadText) broad(ctx context.Context, r index.IndexReader) (bool, error) {
	for _, tok := range q.words {
		rarest := uint64(math.MaxUint64)
		for _, term := range tokenizer.RecallPhrase(wordContext(q.text.Text, tok)) {
			if term == "" {
				continue
			}
			tfr, err := r.TermFieldReader(ctx, []byte(term), fieldRecall, false, false, false)
			if err != nil {
				return false, fmt.Errorf("counting the documents holding %q: %w", term, err)
			}
			rarest = min(rarest, tfr.Count())
			if err := tfr.Close(); err != nil {
				return false, fmt.Errorf("counting the documents holding %q: %w", term, err)
			}
		}
		if rarest < q.docs {
			return false, nil
		}
	}
	return true, nil
}
