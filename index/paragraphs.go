package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/zhsearch/zhsearch/highlight"
	"github.com/zhsearch/zhsearch/query"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// Paragraph search.
//
// Paragraphs have no documents of their own: an article's recall field
// holds each paragraph as an element (elements.go). A paragraph search
// compiles its query for the paragraphs' bigrams (compiler.fieldsFor),
// with its NOT clauses as optional clauses, so that the articles it
// matches are a superset of those holding a matching paragraph and every
// candidate carries the locations of every text the query names. Each
// candidate's locations then say which of its paragraphs match the whole
// query (paraEval), and those are the hits: exact totals, facets counted
// over paragraphs, every sort and cursor, collapse and boost, as when
// paragraphs were documents.

// MaxParagraphHits bounds the paragraphs one paragraph search ranks; a
// total past it is a lower bound.
const MaxParagraphHits = 200000

// paraHit is one matching paragraph.
type paraHit struct {
	article string
	para    int
	score   float64
	date    int64 // published, Unix ns; noDate when the article has none
	hasDate bool
}

func (h *paraHit) id() string { return h.article + "#" + strconv.Itoa(h.para) }

// paragraphs runs a paragraph search: q is the tree compiled for
// paragraphs, hl the plan of its marks.
func (ix *Index) paragraphs(ctx context.Context, q bq.Query, tree query.Q, r *Request, hl *highlightPlan) (*Result, error) {
	full, err := ix.withFilters(q, r)
	if err != nil {
		return nil, err
	}
	var after *cursor
	seen := (r.Page - 1) * r.Size
	if r.Cursor != "" {
		cur, err := decodeCursor(r.Cursor, r)
		if err != nil {
			return nil, err
		}
		after, seen = &cur, cur.Seen
	}
	ev := newParaEval(&compiler{typ: TypeParagraph, seg: ix.seg}, tree)
	hits, facets, err := ix.paragraphHits(ctx, full, ev, r)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, ErrInvalidQuery) {
			return nil, err
		}
		return nil, fmt.Errorf("searching: %w", err)
	}
	if r.Boost != "" {
		now := r.Now
		if now.IsZero() {
			now = time.Now()
		}
		for i := range hits {
			var t time.Time
			if hits[i].hasDate {
				t = time.Unix(0, hits[i].date)
			}
			hits[i].score = recent(hits[i].score, t, now)
		}
	}
	less := paraOrder(r.Sort)
	slices.SortFunc(hits, less)
	if r.Collapse != "" { // the best paragraph of each article
		kept := hits[:0]
		seenArticle := map[string]bool{}
		for _, h := range hits {
			if !seenArticle[h.article] {
				seenArticle[h.article] = true
				kept = append(kept, h)
			}
		}
		hits = kept
	}
	out := &Result{Query: r.Query, Type: r.Type, Page: r.Page, Size: r.Size, Sort: r.Sort, Total: uint64(len(hits))}
	out.Facets = facets
	from := min(seen, len(hits))
	if after != nil {
		key, err := after.paraKey(r.Sort)
		if err != nil {
			return nil, err
		}
		from = sort.Search(len(hits), func(i int) bool { return less(hits[i], key) > 0 })
	}
	page := hits[from:min(from+r.Size, len(hits))]
	if n := len(page); n == r.Size && from+n < len(hits) {
		out.NextCursor = encodeCursor(paraCursor(r, page[n-1], seen+n))
	}
	var located map[string]*search.DocumentMatch
	if r.Explain && len(page) > 0 {
		ms := make([]*search.DocumentMatch, len(page))
		for i, h := range page {
			ms[i] = &search.DocumentMatch{ID: h.article}
		}
		if err := ix.locate(ctx, full, ms); err != nil {
			return nil, err
		}
		located = map[string]*search.DocumentMatch{}
		for _, m := range ms {
			located[m.ID] = m
		}
	}
	out.Hits = make([]Hit, 0, len(page))
	for _, h := range page {
		hit, err := ix.paragraphHit(h, r, hl, located[h.article])
		if errors.Is(err, ErrNotFound) { // deleted between search and fetch
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

// paragraphHits walks every article full matches, on one snapshot of the
// index, and lists its matching paragraphs, with the facets counted over
// them.
func (ix *Index) paragraphHits(ctx context.Context, full bq.Query, ev *paraEval, r *Request) ([]paraHit, map[string][]FacetValue, error) {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return nil, nil, err
	}
	rd, err := adv.Reader()
	if err != nil {
		return nil, nil, err
	}
	defer rd.Close()
	s, err := full.Searcher(ctx, rd, ix.bi.Mapping(), search.SearcherOptions{IncludeTermVectors: true})
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	dvFields := []string{fieldPublished, fieldParagraphs}
	for _, f := range r.Facets {
		dvFields = append(dvFields, facetFields[f])
	}
	dvr, err := rd.DocValueReader(dvFields)
	if err != nil {
		return nil, nil, err
	}
	counts := map[string]map[string]int{}
	for _, f := range r.Facets {
		counts[facetFields[f]] = map[string]int{}
	}
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	var hits []paraHit
	var matched []int
	var weights []float64
	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return nil, nil, err
		}
		if dm == nil {
			break
		}
		h := paraHit{}
		nParas := 0
		var vals map[string][]string
		if len(r.Facets) > 0 {
			vals = map[string][]string{}
		}
		err = dvr.VisitDocValues(dm.IndexInternalID, func(field string, term []byte) {
			pc := numeric.PrefixCoded(term)
			switch field {
			case fieldPublished:
				if shift, err := pc.Shift(); err == nil && shift == 0 {
					if v, err := pc.Int64(); err == nil {
						h.date, h.hasDate = v, true
					}
				}
			case fieldParagraphs:
				nParas, _ = strconv.Atoi(string(term))
			default:
				if vals != nil {
					vals[field] = append(vals[field], string(term))
				}
			}
		})
		if err != nil {
			return nil, nil, err
		}
		matched, weights = ev.paragraphs(dm, nParas, matched[:0], weights[:0])
		if len(matched) == 0 {
			sctx.DocumentMatchPool.Put(dm)
			continue
		}
		if h.article, err = rd.ExternalID(dm.IndexInternalID); err != nil {
			return nil, nil, err
		}
		for f, vs := range vals {
			for _, v := range slices.Compact(slices.Sorted(slices.Values(vs))) {
				counts[f][v] += len(matched)
			}
		}
		top := slices.Max(weights)
		for i, p := range matched {
			h.para = p
			h.score = dm.Score * (0.5 + 0.5*weights[i]/top)
			hits = append(hits, h)
		}
		sctx.DocumentMatchPool.Put(dm)
		if len(hits) >= MaxParagraphHits {
			break
		}
	}
	var facets map[string][]FacetValue
	if len(r.Facets) > 0 {
		facets = map[string][]FacetValue{}
		for _, name := range r.Facets {
			c := counts[facetFields[name]]
			vals := make([]FacetValue, 0, len(c))
			for v, n := range c {
				if v != "" {
					vals = append(vals, FacetValue{Value: v, Count: n})
				}
			}
			slices.SortFunc(vals, func(a, b FacetValue) int {
				if a.Count != b.Count {
					return cmp.Compare(b.Count, a.Count)
				}
				return strings.Compare(a.Value, b.Value)
			})
			size := FacetSize
			if name == "month" {
				size = 120
				vals = vals[:min(len(vals), size)]
				slices.SortFunc(vals, func(a, b FacetValue) int { return strings.Compare(b.Value, a.Value) })
			}
			facets[name] = vals[:min(len(vals), size)]
		}
	}
	return hits, facets, nil
}

// paraOrder is the order of paragraph hits for a sort: by relevance (ties
// by article id and paragraph), or by date with an article's paragraphs
// in their order.
func paraOrder(sortBy string) func(a, b paraHit) int {
	byArticle := func(a, b paraHit) int {
		if c := strings.Compare(a.article, b.article); c != 0 {
			return c
		}
		return cmp.Compare(a.para, b.para)
	}
	byDate := func(a, b paraHit, newest bool) int {
		switch {
		case a.hasDate != b.hasDate: // undated last
			if a.hasDate {
				return -1
			}
			return 1
		case a.date != b.date:
			if newest {
				return cmp.Compare(b.date, a.date)
			}
			return cmp.Compare(a.date, b.date)
		}
		return byArticle(a, b)
	}
	switch sortBy {
	case SortNewest:
		return func(a, b paraHit) int { return byDate(a, b, true) }
	case SortOldest:
		return func(a, b paraHit) int { return byDate(a, b, false) }
	}
	return func(a, b paraHit) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return byArticle(a, b)
	}
}

// paraCursor is the cursor after paragraph hit h: its sort value, article
// and paragraph.
func paraCursor(r *Request, h paraHit, seen int) cursor {
	v := strconv.FormatFloat(h.score, 'g', -1, 64)
	if r.Sort != SortRelevance {
		v = "-"
		if h.hasDate {
			v = strconv.FormatInt(h.date, 10)
		}
	}
	return cursor{Sort: r.Sort, Type: r.Type, Seen: seen, After: [][]byte{[]byte(v), []byte(h.article), []byte(strconv.Itoa(h.para))}}
}

// paraKey decodes a paragraph cursor into the hit it stands after.
func (c *cursor) paraKey(sortBy string) (paraHit, error) {
	bad := fmt.Errorf("%w: cursor is not one this server gave; pass next_cursor from the previous answer unchanged", ErrInvalidQuery)
	if len(c.After) != 3 {
		return paraHit{}, bad
	}
	h := paraHit{article: string(c.After[1])}
	var err error
	if h.para, err = strconv.Atoi(string(c.After[2])); err != nil {
		return paraHit{}, bad
	}
	v := string(c.After[0])
	switch {
	case sortBy == SortRelevance:
		if h.score, err = strconv.ParseFloat(v, 64); err != nil {
			return paraHit{}, bad
		}
	case v != "-":
		if h.date, err = strconv.ParseInt(v, 10, 64); err != nil {
			return paraHit{}, bad
		}
		h.hasDate = true
	}
	return h, nil
}

// paragraphHit builds the hit of one paragraph; dm holds the article's
// term locations when the request explains its hits.
func (ix *Index) paragraphHit(h paraHit, r *Request, hl *highlightPlan, dm *search.DocumentMatch) (Hit, error) {
	a, err := ix.get(h.article)
	if err != nil {
		return Hit{}, err
	}
	if h.para >= len(a.Paragraphs) {
		return Hit{}, fmt.Errorf("paragraph %d of %q: %w", h.para, h.article, ErrNotFound)
	}
	hit := newHit(h.id(), r, h.score, a)
	p := a.Paragraphs[h.para]
	para := h.para
	hit.ArticleID, hit.Paragraph, hit.Subhead = h.article, &para, p.Subhead
	hit.Match = ix.paragraphMatch(p.Text, hl)
	if r.Explain && dm != nil {
		hit.Explain = explain(dm, a, h.para, hl, ix.seg)
	}
	m := highlight.Paragraph(docOf(a), marksQuery(hl), h.para, ix.snippetOptions(r))
	hit.TitleHTML, hit.Snippets = m.TitleHTML, m.Snippets
	return hit, nil
}

// paragraphMatch says whether a paragraph holds the query's words as
// words (the index analysis of its text has them all) or only as
// characters.
func (ix *Index) paragraphMatch(text string, hl *highlightPlan) string {
	if hl == nil || len(hl.bodyWords) == 0 {
		return ""
	}
	has := map[string]bool{}
	for _, t := range ix.seg.Analyze([]byte(text), tokenizer.IndexMode) {
		if hl.bodyWords[t.Term] {
			has[t.Term] = true
		}
	}
	if len(has) == len(hl.bodyWords) {
		return MatchWords
	}
	return MatchSubstring
}

// paraEval decides, from an article's recall locations, which of its
// paragraphs match a query tree.
type paraEval struct {
	c       *compiler // analyses texts as the compiler does
	tree    query.Q
	phrases map[*query.Text][][]string // the recall phrases each text needs
	// per candidate, reused: term -> sorted (paragraph, position) keys
	locs map[string][]uint64
}

func newParaEval(c *compiler, tree query.Q) *paraEval {
	ev := &paraEval{c: c, tree: tree, phrases: map[*query.Text][][]string{}, locs: map[string][]uint64{}}
	ev.plan(tree)
	return ev
}

// plan lists each text's recall phrases as the compiler built them.
func (ev *paraEval) plan(q query.Q) {
	switch q := q.(type) {
	case *query.Text:
		if keywordField(q.Field) != "" {
			return
		}
		if q.Phrase {
			if rp := tokenizer.RecallPhrase(q.Text); len(rp) > 0 {
				ev.phrases[q] = [][]string{rp}
			}
			return
		}
		words, _ := ev.c.tokensOf(q.Text)
		var ps [][]string
		for _, tok := range words {
			if rp := tokenizer.RecallPhrase(wordContext(q.Text, tok)); len(rp) > 0 {
				ps = append(ps, rp)
			}
		}
		ev.phrases[q] = ps
	case *query.Not:
		ev.plan(q.Child)
	case *query.And:
		for _, ch := range q.Children {
			ev.plan(ch)
		}
	case *query.Or:
		for _, ch := range q.Children {
			ev.plan(ch)
		}
	}
}

func paraKey(para int, pos uint64) uint64 { return uint64(para)<<32 | pos }

// paragraphs appends to matched the paragraphs of dm's article that match
// the tree, and to weights how many matches of the query's texts each
// holds.
func (ev *paraEval) paragraphs(dm *search.DocumentMatch, nParas int, matched []int, weights []float64) ([]int, []float64) {
	clear(ev.locs)
	paras := map[int]bool{}
	for i := range dm.FieldTermLocations {
		l := &dm.FieldTermLocations[i]
		if l.Field != fieldRecall {
			continue
		}
		kind, p := elementOf(l.Location.ArrayPositions)
		if kind != elemParagraph {
			continue
		}
		paras[p] = true
		ev.locs[l.Term] = append(ev.locs[l.Term], paraKey(p, l.Location.Pos))
	}
	for t, ks := range ev.locs {
		slices.Sort(ks)
		ev.locs[t] = slices.Compact(ks)
	}
	// a paragraph without any location can match only through NOT
	// clauses: such a query (NOT alone) holds in every paragraph without
	// the negated text, of the nParas the article has
	candidates := make([]int, 0, len(paras))
	for p := range paras {
		candidates = append(candidates, p)
	}
	if ev.negativeOnly() {
		candidates = candidates[:0]
		for p := 0; p < nParas; p++ {
			candidates = append(candidates, p)
		}
	}
	slices.Sort(candidates)
	for _, p := range candidates {
		if ok, w := ev.eval(ev.tree, p); ok {
			matched = append(matched, p)
			weights = append(weights, float64(w)+1)
		}
	}
	return matched, weights
}

// negativeOnly reports whether the tree matches without any text of its
// own (a NOT alone, or only keyword clauses and NOTs).
func (ev *paraEval) negativeOnly() bool { return !ev.positive(ev.tree) }

func (ev *paraEval) positive(q query.Q) bool {
	switch q := q.(type) {
	case *query.Text:
		return len(ev.phrases[q]) > 0
	case *query.And:
		for _, ch := range q.Children {
			if ev.positive(ch) {
				return true
			}
		}
	case *query.Or:
		for _, ch := range q.Children {
			if !ev.positive(ch) {
				return false
			}
		}
		return len(q.Children) > 0
	}
	return false
}

// eval reports whether paragraph p matches q, and how many matches of
// positive texts it holds.
func (ev *paraEval) eval(q query.Q, p int) (bool, int) {
	switch q := q.(type) {
	case *query.Text:
		ps, planned := ev.phrases[q]
		if !planned { // a keyword clause: the article matched it
			return true, 0
		}
		total := 0
		for _, rp := range ps {
			n := ev.count(rp, p)
			if n == 0 {
				return false, 0
			}
			total += n
		}
		return len(ps) > 0, total
	case *query.Not:
		ok, _ := ev.eval(q.Child, p)
		return !ok, 0
	case *query.And:
		onlyStop := ev.c.stopOnlyClauses(q.Children)
		total := 0
		for i, ch := range q.Children {
			ok, n := ev.eval(ch, p)
			if onlyStop[i] {
				total += n
				continue
			}
			if !ok {
				return false, 0
			}
			total += n
		}
		return true, total
	case *query.Or:
		any, total := false, 0
		for _, ch := range q.Children {
			if ok, n := ev.eval(ch, p); ok {
				any = true
				total += n
			}
		}
		return any, total
	}
	return false, 0
}

// count is how many times recall phrase rp occurs in paragraph p.
func (ev *paraEval) count(rp []string, p int) int {
	open := tokenizer.OpenEnd(rp)
	// the first filled position anchors the phrase
	first := -1
	for k, t := range rp {
		if t != "" && !(open && k == len(rp)-1) {
			first = k
			break
		}
	}
	lo, hi := paraKey(p, 0), paraKey(p+1, 0)
	if first < 0 { // a lone open character: any term starting with it
		n := 0
		for t, ks := range ev.locs {
			if strings.HasPrefix(t, rp[len(rp)-1]) {
				n += countIn(ks, lo, hi)
			}
		}
		return n
	}
	ks := ev.locs[rp[first]]
	i, _ := slices.BinarySearch(ks, lo)
	n := 0
	for ; i < len(ks) && ks[i] < hi; i++ {
		start := ks[i] - uint64(first)
		if ev.at(rp, start, open) {
			n++
		}
	}
	return n
}

// at reports whether phrase rp occurs at key start (its first position).
func (ev *paraEval) at(rp []string, start uint64, open bool) bool {
	for k, t := range rp {
		if t == "" {
			continue
		}
		want := start + uint64(k)
		if open && k == len(rp)-1 {
			found := false
			for term, ks := range ev.locs {
				if strings.HasPrefix(term, t) {
					if _, ok := slices.BinarySearch(ks, want); ok {
						found = true
						break
					}
				}
			}
			if !found {
				return false
			}
			continue
		}
		if _, ok := slices.BinarySearch(ev.locs[t], want); !ok {
			return false
		}
	}
	return true
}

// countIn counts the keys of sorted ks in [lo, hi).
func countIn(ks []uint64, lo, hi uint64) int {
	i, _ := slices.BinarySearch(ks, lo)
	j, _ := slices.BinarySearch(ks, hi)
	return j - i
}
