package index

import (
	"context"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/zhsearch/zhsearch/query"
)

// Synonyms at query time.
//
// A newsroom's synonym list (package synonym, managed by the API) is
// applied when a query is compiled, so a change takes effect on the next
// search without re-indexing: a text clause the list names (世卫组织)
// becomes a group of alternatives, the text as typed first, then each
// word the list gives it (世界卫生组织, who). The group is an OR in the
// query tree, so a paragraph search decides each paragraph by any of
// them (paragraphs.go) and each hit is marked on the form its text holds.
// It is compiled as anyOf: a document's score is its best alternative's,
// not a sum scaled by how many matched (bleve's disjunction), so the
// group is one clause of the words tier (tier.go) whichever form the
// article holds, and a document holding the text as typed gets
// exactBonus on top: the exact form ranks first within its tier.
// A quoted phrase is expanded only when the request asks
// (SynonymPhrases).

// Expander gives the alternatives of a query text: the text itself
// first, then the words it stands for (synonym.Set.Expand).
type Expander interface {
	Expand(text string) []string
}

// exactBonus is what holding a synonym group's text as typed adds to a
// document's score: above any text score (under 100), below the words
// tier's tierScore. (With ten or more expanded clauses in one query the
// bonuses could add up to a tier; a query that long is not a search.)
const exactBonus = 1000

// synonymGroups rewrites tree: every text clause (not a keyword field)
// that ex expands becomes an OR of its alternatives. It returns the new
// tree, the OR nodes it made, and what each text expanded to. tree is
// not changed; without expansions it is returned as it is.
func synonymGroups(tree query.Q, ex Expander, phrases bool) (query.Q, map[*query.Or]bool, map[string][]string) {
	if ex == nil {
		return tree, nil, nil
	}
	groups := map[*query.Or]bool{}
	expanded := map[string][]string{}
	out := mapTexts(tree, func(q *query.Text) query.Q {
		if keywordField(q.Field) != "" || (q.Phrase && !phrases) || q.Field == query.FieldPinyin {
			return q
		}
		alts := ex.Expand(q.Text)
		if len(alts) < 2 {
			return q
		}
		or := &query.Or{Children: []query.Q{q}}
		for _, a := range alts[1:] {
			or.Children = append(or.Children, &query.Text{Field: q.Field, Text: a, Phrase: q.Phrase})
		}
		groups[or] = true
		expanded[q.Text] = alts[1:]
		return or
	})
	if len(groups) == 0 {
		return tree, nil, nil
	}
	return out, groups, expanded
}

// synonymGroup compiles a group made by synonymGroups: its first child
// is the text as typed. An alternative with nothing to search for is
// left out. The group counts as one clause of the words tier.
func (c *compiler) synonymGroup(or *query.Or) (bq.Query, error) {
	before := c.tierClauses
	g := &anyOf{}
	for i, ch := range or.Children {
		cq, err := c.compile(ch)
		if err != nil {
			if i == 0 {
				return nil, err
			}
			continue
		}
		g.qs = append(g.qs, cq)
	}
	if c.tierClauses > before {
		c.tierClauses = before + 1
	}
	return g, nil
}

// anyOf matches what any of qs matches, scoring a document by its best
// alternative, plus exactBonus when qs[0] (the text as typed) matches.
type anyOf struct {
	qs []bq.Query
}

func (q *anyOf) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	s := &anyOfSearcher{}
	for _, sq := range q.qs {
		ch, err := sq.Searcher(ctx, r, m, options)
		if err != nil {
			_ = s.Close()
			return nil, err
		}
		s.children = append(s.children, ch)
	}
	s.cur = make([]*search.DocumentMatch, len(s.children))
	s.scoring = options.Score != "none"
	return s, nil
}

type anyOfSearcher struct {
	children []search.Searcher
	cur      []*search.DocumentMatch // each child's current match; nil when done
	started  bool
	scoring  bool
}

// start reads every child's first match.
func (s *anyOfSearcher) start(ctx *search.SearchContext) error {
	if s.started {
		return nil
	}
	s.started = true
	for i, ch := range s.children {
		dm, err := ch.Next(ctx)
		if err != nil {
			return err
		}
		s.cur[i] = dm
	}
	return nil
}

// emit returns the smallest current document, merged from every child
// at it, and moves those children on.
func (s *anyOfSearcher) emit(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	var low index.IndexInternalID
	for _, dm := range s.cur {
		if dm != nil && (low == nil || dm.IndexInternalID.Compare(low) < 0) {
			low = dm.IndexInternalID
		}
	}
	if low == nil {
		return nil, nil
	}
	var out *search.DocumentMatch
	best := 0.0
	for i, dm := range s.cur {
		if dm == nil || dm.IndexInternalID.Compare(low) != 0 {
			continue
		}
		score := dm.Score
		if i == 0 && s.scoring {
			score += exactBonus
		}
		if out == nil {
			out, best = dm, score
		} else {
			out.FieldTermLocations = search.MergeFieldTermLocationsFromMatch(out.FieldTermLocations, dm)
			best = max(best, score)
			ctx.DocumentMatchPool.Put(dm)
		}
		next, err := s.children[i].Next(ctx)
		if err != nil {
			return nil, err
		}
		s.cur[i] = next
	}
	if s.scoring {
		out.Score = best
	}
	return out, nil
}

func (s *anyOfSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s.emit(ctx)
}

func (s *anyOfSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	for i, dm := range s.cur {
		if dm == nil || dm.IndexInternalID.Compare(id) >= 0 {
			continue
		}
		ctx.DocumentMatchPool.Put(dm)
		next, err := s.children[i].Advance(ctx, id)
		if err != nil {
			return nil, err
		}
		s.cur[i] = next
	}
	return s.emit(ctx)
}

func (s *anyOfSearcher) Close() error {
	var err error
	for _, ch := range s.children {
		if cerr := ch.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func (s *anyOfSearcher) Weight() float64 {
	var w float64
	for _, ch := range s.children {
		w += ch.Weight()
	}
	return w
}

func (s *anyOfSearcher) SetQueryNorm(n float64) {
	for _, ch := range s.children {
		ch.SetQueryNorm(n)
	}
}

func (s *anyOfSearcher) Count() uint64 {
	var n uint64
	for _, ch := range s.children {
		n += ch.Count()
	}
	return n
}

func (s *anyOfSearcher) Min() int { return 0 }

func (s *anyOfSearcher) Size() int {
	n := 64
	for _, ch := range s.children {
		n += ch.Size()
	}
	return n
}

func (s *anyOfSearcher) DocumentMatchPoolSize() int {
	n := 1
	for _, ch := range s.children {
		n += ch.DocumentMatchPoolSize()
	}
	return n
}
