package index

import (
	"context"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Words before straddles.
//
// A query's characters can occur in a text without its words: 和服 in
// 和服务, 南海 in 海南海事局. The recall field finds both (recall must stay
// whole), but a text that holds the query as words is what the reader
// means. So every article that holds the query's words (as the word field
// has them) ranks above every article that holds its characters only: a
// should-clause adds tierScore, far above any score of the text itself, to
// the first kind. A hit's Match says which kind it is.

// tierScore is what holding the query as words adds to a hit's score.
// Scores of the text itself stay far below it (tf-idf, normalised by the
// query norm: under 100 for any query the parser accepts).
const tierScore = 10000

// Match kinds of a hit.
const (
	MatchWords     = "words"     // the text holds the query's words as words
	MatchSubstring = "substring" // only as characters, across word boundaries
)

// tiered adds the words tier to the score of q's matches: bonus to those
// that words (the query's words in the word field) also matches, or to
// every match when words is nil. The whole text as a phrase, with its
// words as words, is the tier of a text of several words: the phrase says
// the characters are there in order, the words that they are words.
type tiered struct {
	q, words bq.Query
	bonus    float64
}

func (q *tiered) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	main, err := q.q.Searcher(ctx, r, m, options)
	if err != nil {
		return nil, err
	}
	s := &tieredSearcher{Searcher: main, bonus: q.bonus}
	if q.words != nil {
		wo := options
		wo.IncludeTermVectors = false
		wo.Score = "none"
		if s.words, err = q.words.Searcher(ctx, r, m, wo); err != nil {
			_ = main.Close()
			return nil, err
		}
	}
	return s, nil
}

type tieredSearcher struct {
	search.Searcher
	words search.Searcher // nil: every match is in the tier
	bonus float64
	at    *search.DocumentMatch // words' current match
	done  bool                  // words has no more matches
}

func (s *tieredSearcher) tier(ctx *search.SearchContext, dm *search.DocumentMatch) (*search.DocumentMatch, error) {
	if dm == nil {
		return nil, nil
	}
	if s.words == nil {
		dm.Score += s.bonus
		return dm, nil
	}
	if !s.done && (s.at == nil || s.at.IndexInternalID.Compare(dm.IndexInternalID) < 0) {
		if s.at != nil {
			ctx.DocumentMatchPool.Put(s.at)
		}
		var err error
		if s.at, err = s.words.Advance(ctx, dm.IndexInternalID); err != nil {
			return nil, err
		}
		s.done = s.at == nil
	}
	if s.at != nil && s.at.IndexInternalID.Equals(dm.IndexInternalID) {
		dm.Score += s.bonus
	}
	return dm, nil
}

func (s *tieredSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Next(ctx)
	if err != nil {
		return nil, err
	}
	return s.tier(ctx, dm)
}

func (s *tieredSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Advance(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.tier(ctx, dm)
}

func (s *tieredSearcher) DocumentMatchPoolSize() int {
	n := s.Searcher.DocumentMatchPoolSize()
	if s.words != nil {
		n += s.words.DocumentMatchPoolSize() + 1
	}
	return n
}

func (s *tieredSearcher) Close() error {
	err := s.Searcher.Close()
	if s.words != nil {
		if werr := s.words.Close(); err == nil {
			err = werr
		}
	}
	return err
}

// withTier gives a compiled text its tier: its score, plus tierScore when
// the article holds the text as words (tier, which may be nil).
func (c *compiler) withTier(text bq.Query, tier bq.Query) bq.Query {
	if tier == nil || !c.tier || c.negated > 0 {
		return text
	}
	c.tierClauses++
	return bq.NewBooleanQuery([]bq.Query{text}, []bq.Query{tier}, nil)
}

// constScore matches what q matches, every match with the same score. It
// weighs nothing in the query norm, so the rest of the query scores as it
// would without it.
type constScore struct {
	q     bq.Query
	score float64
}

func (q *constScore) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	options.IncludeTermVectors = false
	options.Score = "none"
	s, err := q.q.Searcher(ctx, r, m, options)
	if err != nil {
		return nil, err
	}
	return &constScoreSearcher{Searcher: s, score: q.score}, nil
}

type constScoreSearcher struct {
	search.Searcher
	score float64
}

func (s *constScoreSearcher) set(dm *search.DocumentMatch) *search.DocumentMatch {
	if dm != nil {
		dm.Score = s.score
		dm.Expl = nil
		dm.FieldTermLocations = dm.FieldTermLocations[:0]
	}
	return dm
}

func (s *constScoreSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Next(ctx)
	return s.set(dm), err
}

func (s *constScoreSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Advance(ctx, id)
	return s.set(dm), err
}

func (s *constScoreSearcher) Weight() float64      { return 0 }
func (s *constScoreSearcher) SetQueryNorm(float64) {}

// matchKind says how a hit matched, from its score: in the words tier of
// every text clause of the query (clauses of them), or not.
func matchKind(score float64, clauses int) string {
	if clauses > 0 && score >= tierScore*float64(clauses) {
		return MatchWords
	}
	return MatchSubstring
}
