package index

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// Texts.
//
// A plain text of the query (经开区 招商 …) is a few words, each of which
// must occur in the article as a run of its bigrams (a recall phrase), and
// the whole text, in order, ranks well above its words apart. Compiled to
// bleve's own queries that is a conjunction of phrases plus a phrase of
// the whole text: every bigram of the text is read twice, once for its
// word and once for the whole, each time with its positions. textQuery
// reads each distinct bigram once: a conjunction of the words' bigrams
// finds the candidates, their locations decide whether each word occurs
// as a phrase, and the bigrams that only the whole text has (those
// spanning two words) are read only for the candidates. It also adds the
// words tier (tier.go): tierScore when the whole text occurs and the
// word field holds its words.

// textQuery matches every phrase of words in field (within one element
// that elems admits), ranked by the scores of their terms, times
// wholeBoost more when whole occurs too, plus tierScore when tier (a
// query on the word field) matches as well.
type textQuery struct {
	words [][]string // recall phrases ("" leaves a position free); no open ends
	// soft[i], when not "", is word i as the word field has it: word i
	// matches through its phrase or as this word (needsWord), so its
	// terms do not decide the candidates. At least one word is not soft.
	soft       []string
	whole      []string // the whole text's recall phrase; nil: none
	field      string
	elems      elemFilter
	boost      float64
	wholeBoost float64
	tier       bq.Query // nil: no tier
}

// Searcher builds the term searchers, each term once: the words' terms in
// a conjunction, the others on their own.
func (q *textQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	keep := options.IncludeTermVectors
	options.IncludeTermVectors = true
	s := &textSearcher{keep: keep, elems: q.elems, slot: map[string]int{}}
	add := func(t string) int {
		if i, ok := s.slot[t]; ok {
			return i
		}
		s.slot[t] = len(s.terms)
		s.terms = append(s.terms, t)
		return len(s.terms) - 1
	}
	toSlots := func(p []string) []int {
		out := make([]int, len(p))
		for k, t := range p {
			out[k] = -1
			if t != "" {
				out[k] = add(t)
			}
		}
		return out
	}
	for i, w := range q.words { // the words that decide the candidates first
		if i >= len(q.soft) || q.soft[i] == "" {
			s.words = append(s.words, toSlots(w))
		}
	}
	required := len(s.terms)
	for i, w := range q.words {
		if i < len(q.soft) && q.soft[i] != "" {
			s.softs = append(s.softs, softWord{slots: toSlots(w), term: q.soft[i]})
		}
	}
	if len(q.whole) > 0 {
		s.whole = toSlots(q.whole)
		s.wholeBoost = q.wholeBoost
	}
	if required == 0 {
		return searcher.NewMatchNoneSearcher(r)
	}
	var must []search.Searcher
	fail := func(err error) (search.Searcher, error) {
		closeAll(must)
		closeAll(s.opt)
		if s.tier != nil {
			_ = s.tier.Close()
		}
		for _, w := range s.softs {
			if w.s != nil {
				_ = w.s.Close()
			}
		}
		return nil, fmt.Errorf("text: %w", err)
	}
	for i, t := range s.terms {
		ts, err := searcher.NewTermSearcher(ctx, r, t, q.field, q.boost, options)
		if err != nil {
			return fail(err)
		}
		if i < required {
			must = append(must, ts)
		} else {
			s.opt = append(s.opt, ts)
		}
	}
	s.optAt = make([]*search.DocumentMatch, len(s.opt))
	s.optDone = make([]bool, len(s.opt))
	for i := range s.softs {
		wo := options
		wo.IncludeTermVectors = false
		wo.Score = "none"
		ws, err := searcher.NewTermSearcher(ctx, r, s.softs[i].term, fieldWords, 1, wo)
		if err != nil {
			return fail(err)
		}
		s.softs[i].s = ws
	}
	if q.tier != nil {
		to := options
		to.IncludeTermVectors = false
		to.Score = "none"
		ts, err := q.tier.Searcher(ctx, r, m, to)
		if err != nil {
			return fail(err)
		}
		s.tier = ts
	}
	for _, w := range s.softs {
		g, err := softGate(ctx, r, w.term, s.terms, w.slots, q.field)
		if err != nil {
			return fail(err)
		}
		if g != nil {
			must = append(must, g)
		}
	}
	var err error
	if len(must) == 1 {
		s.must = must[0]
	} else if s.must, err = searcher.NewConjunctionSearcher(ctx, r, must, options); err != nil {
		return fail(err)
	}
	s.keys = make([][]uint64, len(s.terms))
	s.SetQueryNorm(1 / math.Sqrt(s.Weight()))
	return s, nil
}

// textSearcher is textQuery's searcher.
type textSearcher struct {
	must       search.Searcher   // the words' terms, all
	opt        []search.Searcher // the whole text's other terms
	tier       search.Searcher   // the words tier; nil: none
	terms      []string          // by slot: required first, then opt's
	slot       map[string]int
	words      [][]int // per word, the slot at each position (-1: free)
	whole      []int   // the whole text, likewise; nil: none
	wholeBoost float64
	elems      elemFilter
	keep       bool // return locations (explain, paragraph search)

	optAt   []*search.DocumentMatch // opt[i]'s current match
	optDone []bool
	tierAt  *search.DocumentMatch
	tierEnd bool

	softs []softWord // words that match as a phrase or as a word

	curr        *search.DocumentMatch
	initialized bool
	keys        [][]uint64 // per slot, reused: the candidate's location keys
	starts      []uint64
}

func (s *textSearcher) start(ctx *search.SearchContext) error {
	if s.initialized {
		return nil
	}
	s.initialized = true
	var err error
	s.curr, err = s.must.Next(ctx)
	return err
}

func (s *textSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	for s.curr != nil {
		dm := s.curr
		s.curr = nil
		rv, err := s.check(ctx, dm)
		if err != nil {
			return nil, err
		}
		if rv == nil {
			ctx.DocumentMatchPool.Put(dm)
		}
		if s.curr, err = s.must.Next(ctx); err != nil {
			return nil, err
		}
		if rv != nil {
			return rv, nil
		}
	}
	return nil, nil
}

func (s *textSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	if s.curr == nil {
		return nil, nil
	}
	if s.curr.IndexInternalID.Compare(id) < 0 {
		ctx.DocumentMatchPool.Put(s.curr)
		var err error
		if s.curr, err = s.must.Advance(ctx, id); err != nil {
			return nil, err
		}
	}
	return s.Next(ctx)
}

// softWord is a word that matches through its phrase or as a word.
type softWord struct {
	slots []int
	term  string
	s     search.Searcher // the word field's term
	at    *search.DocumentMatch
	done  bool
}

// asWord reports whether the article id holds soft word w as a word.
func (w *softWord) asWord(ctx *search.SearchContext, id index.IndexInternalID) (bool, error) {
	if w.done {
		return false, nil
	}
	if w.at == nil || w.at.IndexInternalID.Compare(id) < 0 {
		if w.at != nil {
			ctx.DocumentMatchPool.Put(w.at)
		}
		var err error
		if w.at, err = w.s.Advance(ctx, id); err != nil {
			return false, err
		}
		if w.at == nil {
			w.done = true
			return false, nil
		}
	}
	return w.at.IndexInternalID.Equals(id), nil
}

// check returns dm if every word occurs in it, scored.
func (s *textSearcher) check(ctx *search.SearchContext, dm *search.DocumentMatch) (*search.DocumentMatch, error) {
	for i := range s.keys {
		s.keys[i] = s.keys[i][:0]
	}
	s.collect(dm.FieldTermLocations)
	for _, w := range s.words {
		if !s.occurs(w) {
			return nil, nil
		}
	}
	var extra float64
	if s.whole != nil || len(s.softs) > 0 {
		for i, o := range s.opt {
			m, err := s.optMatch(ctx, i, o, dm.IndexInternalID)
			if err != nil {
				return nil, err
			}
			if m != nil {
				s.collect(m.FieldTermLocations)
				extra += m.Score
				if s.keep {
					dm.FieldTermLocations = append(dm.FieldTermLocations, m.FieldTermLocations...)
				}
			}
		}
	}
	for i := range s.softs {
		w := &s.softs[i]
		if s.occurs(w.slots) {
			continue
		}
		ok, err := w.asWord(ctx, dm.IndexInternalID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, nil
		}
	}
	if s.whole != nil {
		if s.occurs(s.whole) {
			dm.Score = (dm.Score + extra) * (1 + s.wholeBoost)
			if s.inTitle() {
				dm.Score *= titleBoost
			}
			if err := s.addTier(ctx, dm); err != nil {
				return nil, err
			}
		}
	} else {
		if s.inTitle() { // the starts of the last word checked
			dm.Score *= titleBoost
		}
		if err := s.addTier(ctx, dm); err != nil {
			return nil, err
		}
	}
	if !s.keep {
		dm.FieldTermLocations = dm.FieldTermLocations[:0]
	} else {
		for i := range dm.FieldTermLocations { // owned by the match from here on
			l := &dm.FieldTermLocations[i]
			l.Location.ArrayPositions = slices.Clone(l.Location.ArrayPositions)
		}
	}
	return dm, nil
}

// titleBoost multiplies the score of a text that occurs whole in the
// title. (A clause of the title's words, as before the recall field held
// titles, cost 10 % of the search time and ranked the protocol's sources
// lower; the text whole in the title is what a reader means by a title
// match, and costs nothing here.)
const titleBoost = 1.5

// inTitle reports whether a start the last phrase check left lies in the
// title.
func (s *textSearcher) inTitle() bool {
	for _, st := range s.starts {
		if st>>32 == elemKey(apTitle) {
			return true
		}
	}
	return false
}

// collect adds locations to the slots' keys.
func (s *textSearcher) collect(locs []search.FieldTermLocation) {
	for i := range locs {
		l := &locs[i]
		if !s.elems.admits(&l.Location) {
			continue
		}
		if k, ok := s.slot[l.Term]; ok {
			s.keys[k] = append(s.keys[k], key(&l.Location))
		}
	}
}

// occurs reports whether the phrase of slots p occurs, from the keys.
func (s *textSearcher) occurs(p []int) bool {
	s.starts = s.starts[:0]
	first := true
	for k, sl := range p {
		if sl < 0 {
			continue
		}
		ks := s.keys[sl]
		if len(ks) == 0 {
			return false
		}
		if !slices.IsSorted(ks) {
			slices.Sort(ks)
		}
		if first {
			for _, x := range ks {
				s.starts = append(s.starts, x-uint64(k))
			}
			first = false
			continue
		}
		// keep the starts whose position k holds the slot's term
		out := s.starts[:0]
		j := 0
		for _, st := range s.starts {
			want := st + uint64(k)
			for j < len(ks) && ks[j] < want {
				j++
			}
			if j < len(ks) && ks[j] == want {
				out = append(out, st)
			}
		}
		s.starts = out
		if len(s.starts) == 0 {
			return false
		}
	}
	return !first && len(s.starts) > 0
}

// optMatch advances opt searcher i to the document id; its match there,
// or nil.
func (s *textSearcher) optMatch(ctx *search.SearchContext, i int, o search.Searcher, id index.IndexInternalID) (*search.DocumentMatch, error) {
	if s.optDone[i] {
		return nil, nil
	}
	at := s.optAt[i]
	if at == nil || at.IndexInternalID.Compare(id) < 0 {
		if at != nil {
			ctx.DocumentMatchPool.Put(at)
		}
		var err error
		if at, err = o.Advance(ctx, id); err != nil {
			return nil, err
		}
		s.optAt[i] = at
		if at == nil {
			s.optDone[i] = true
			return nil, nil
		}
	}
	if at.IndexInternalID.Equals(id) {
		return at, nil
	}
	return nil, nil
}

// addTier adds tierScore to dm when the tier query matches it too.
func (s *textSearcher) addTier(ctx *search.SearchContext, dm *search.DocumentMatch) error {
	if s.tier == nil || s.tierEnd {
		return nil
	}
	if s.tierAt == nil || s.tierAt.IndexInternalID.Compare(dm.IndexInternalID) < 0 {
		if s.tierAt != nil {
			ctx.DocumentMatchPool.Put(s.tierAt)
		}
		var err error
		if s.tierAt, err = s.tier.Advance(ctx, dm.IndexInternalID); err != nil {
			return err
		}
		if s.tierAt == nil {
			s.tierEnd = true
			return nil
		}
	}
	if s.tierAt.IndexInternalID.Equals(dm.IndexInternalID) {
		dm.Score += tierScore
	}
	return nil
}

func (s *textSearcher) Weight() float64 {
	w := s.must.Weight()
	for _, o := range s.opt {
		w += o.Weight()
	}
	return w
}

func (s *textSearcher) SetQueryNorm(n float64) {
	s.must.SetQueryNorm(n)
	for _, o := range s.opt {
		o.SetQueryNorm(n)
	}
}

func (s *textSearcher) Count() uint64 { return s.must.Count() }
func (s *textSearcher) Min() int      { return 0 }
func (s *textSearcher) Size() int     { return s.must.Size() + 64*(len(s.opt)+1) }

func (s *textSearcher) DocumentMatchPoolSize() int {
	n := s.must.DocumentMatchPoolSize() + 2
	for _, o := range s.opt {
		n += o.DocumentMatchPoolSize() + 1
	}
	if s.tier != nil {
		n += s.tier.DocumentMatchPoolSize() + 1
	}
	for _, w := range s.softs {
		n += w.s.DocumentMatchPoolSize() + 1
	}
	return n
}

func (s *textSearcher) Close() error {
	err := s.must.Close()
	for _, o := range s.opt {
		if cerr := o.Close(); err == nil {
			err = cerr
		}
	}
	if s.tier != nil {
		if cerr := s.tier.Close(); err == nil {
			err = cerr
		}
	}
	for _, w := range s.softs {
		if cerr := w.s.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
