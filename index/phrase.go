package index

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// Phrases.
//
// Every substring match and every ranking phrase is a phrase of recall
// terms (and a title's phrase one of words), so a query spends a third of
// its time in phrase searchers.
// bleve's PhraseSearcher turns each candidate's term locations into maps
// (DocumentMatch.Complete: 11 % of query CPU on all of xwlb) and walks
// them recursively. phrase checks the same positions from the flat
// location list with reused buffers, and keeps locations only when the
// search asked for them (explain). Its matches and scores are bleve's:
// the candidates and their scores come from the same conjunction of term
// searchers (TestPhraseMatchesBleve compares both).

// phrase matches terms at consecutive positions of one field value
// (one paragraph of a body): terms[k] lists the alternatives for position
// k, and an empty list or a lone "" leaves position k free.
type phrase struct {
	terms [][]string
	field string
	elems elemFilter // the elements of the recall field it may match in
	boost float64
}

func newPhrase(terms [][]string, field string, elems elemFilter, boost float64) *phrase {
	return &phrase{terms: terms, field: field, elems: elems, boost: boost}
}

// SetBoost and Boost make it a bleve BoostableQuery.
func (q *phrase) SetBoost(b float64) { q.boost = b }

// Boost is the query's boost.
func (q *phrase) Boost() float64 { return q.boost }

// Searcher builds the conjunction of the positions' term searchers (with
// term vectors), as bleve's multi-phrase searcher does, and wraps it.
func (q *phrase) Searcher(ctx context.Context, r index.IndexReader, _ mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	keep := options.IncludeTermVectors
	options.IncludeTermVectors = true
	var parts []search.Searcher
	slots := map[string][]int{}
	filled := make([]bool, len(q.terms))
	for k, alts := range q.terms {
		var terms []string
		for _, t := range alts {
			if t != "" {
				terms = append(terms, t)
				slots[t] = append(slots[t], k)
				filled[k] = true
			}
		}
		if len(terms) == 0 {
			continue
		}
		var s search.Searcher
		var err error
		if len(terms) == 1 {
			s, err = searcher.NewTermSearcher(ctx, r, terms[0], q.field, q.boost, options)
		} else { // closes its term searchers if it fails
			s, err = searcher.NewMultiTermSearcher(ctx, r, terms, q.field, q.boost, options, false)
		}
		if err != nil {
			closeAll(parts)
			return nil, fmt.Errorf("phrase position %d: %w", k, err)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return searcher.NewMatchNoneSearcher(r)
	}
	must, err := searcher.NewConjunctionSearcher(ctx, r, parts, options)
	if err != nil {
		closeAll(parts)
		return nil, fmt.Errorf("phrase: %w", err)
	}
	s := &phraseSearcher{must: must, slots: slots, filled: filled, keep: keep, elems: q.elems}
	// the query norm as bleve's phrase searcher sets it
	s.must.SetQueryNorm(1 / math.Sqrt(s.must.Weight()))
	return s, nil
}

func closeAll(ss []search.Searcher) {
	for _, s := range ss {
		_ = s.Close()
	}
}

// phraseSearcher filters the conjunction's candidates by position.
type phraseSearcher struct {
	must   search.Searcher
	slots  map[string][]int // term -> the positions of the phrase it may fill
	filled []bool           // per position: whether a term must be there
	keep   bool             // return the matched locations (explain)
	elems  elemFilter       // the elements a match may lie in

	curr        *search.DocumentMatch
	initialized bool

	// reused per candidate
	at     [][]uint64 // per phrase position: (array position, position) keys
	starts []uint64   // keys where the whole phrase starts
}

// start reads the conjunction's first candidate, once.
func (s *phraseSearcher) start(ctx *search.SearchContext) error {
	if s.initialized {
		return nil
	}
	s.initialized = true
	return s.advance(ctx)
}

func (s *phraseSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	for s.curr != nil {
		rv := s.check()
		if err := s.advance(ctx); err != nil {
			return nil, err
		}
		if rv != nil {
			return rv, nil
		}
	}
	return nil, nil
}

// advance moves to the conjunction's next candidate, returning the current
// one to the pool unless check handed it out.
func (s *phraseSearcher) advance(ctx *search.SearchContext) error {
	if s.curr != nil {
		ctx.DocumentMatchPool.Put(s.curr)
	}
	var err error
	s.curr, err = s.must.Next(ctx)
	return err
}

func (s *phraseSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	if s.curr != nil {
		if s.curr.IndexInternalID.Compare(id) >= 0 {
			return s.Next(ctx)
		}
		ctx.DocumentMatchPool.Put(s.curr)
	}
	if s.curr == nil {
		return nil, nil
	}
	var err error
	s.curr, err = s.must.Advance(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.Next(ctx)
}

// key orders a location by its element (elements.go) and position: a
// phrase lies within one element.
func key(l *search.Location) uint64 {
	return elemKey(l.ArrayPositions)<<32 | l.Pos
}

// check returns the current candidate if the phrase occurs in it, with
// only the phrase's locations (or none, unless keep).
func (s *phraseSearcher) check() *search.DocumentMatch {
	dm := s.curr
	if len(s.at) < len(s.filled) {
		s.at = make([][]uint64, len(s.filled))
	}
	for k := range s.at {
		s.at[k] = s.at[k][:0]
	}
	for i := range dm.FieldTermLocations {
		l := &dm.FieldTermLocations[i]
		if !s.elems.admits(&l.Location) {
			continue
		}
		for _, k := range s.slots[l.Term] {
			s.at[k] = append(s.at[k], key(&l.Location)-uint64(k))
		}
	}
	// starts: keys (shifted to the phrase's first position) present for
	// every filled position
	s.starts = s.starts[:0]
	first := true
	for k := range s.at {
		if !s.filled[k] {
			continue
		}
		slices.Sort(s.at[k])
		if first {
			s.starts = append(s.starts, s.at[k]...)
			first = false
			continue
		}
		s.starts = intersect(s.starts, s.at[k])
		if len(s.starts) == 0 {
			return nil
		}
	}
	s.starts = slices.Compact(s.starts)
	if len(s.starts) == 0 {
		return nil
	}
	if !s.keep {
		dm.FieldTermLocations = dm.FieldTermLocations[:0]
	} else {
		kept := dm.FieldTermLocations[:0]
		for _, ftl := range dm.FieldTermLocations {
			for _, k := range s.slots[ftl.Term] {
				if _, ok := slices.BinarySearch(s.starts, key(&ftl.Location)-uint64(k)); ok {
					if len(ftl.Location.ArrayPositions) > 0 { // owned by the match from here on
						ftl.Location.ArrayPositions = slices.Clone(ftl.Location.ArrayPositions)
					}
					kept = append(kept, ftl)
					break
				}
			}
		}
		dm.FieldTermLocations = kept
	}
	s.curr = nil
	return dm
}

// intersect keeps the keys of a (sorted, may repeat) that b (sorted) holds.
func intersect(a, b []uint64) []uint64 {
	out := a[:0]
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j < len(b) && b[j] == x {
			out = append(out, x)
		}
	}
	return out
}

func (s *phraseSearcher) Weight() float64            { return s.must.Weight() }
func (s *phraseSearcher) SetQueryNorm(n float64)     { s.must.SetQueryNorm(n) }
func (s *phraseSearcher) Count() uint64              { return s.must.Count() }
func (s *phraseSearcher) Min() int                   { return 0 }
func (s *phraseSearcher) Size() int                  { return s.must.Size() + 64 }
func (s *phraseSearcher) DocumentMatchPoolSize() int { return s.must.DocumentMatchPoolSize() + 1 }
func (s *phraseSearcher) Close() error               { return s.must.Close() }
