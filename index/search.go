package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/query"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// Defaults and limits of a search.
const (
	DefaultSize       = 10
	MaxSize           = 100
	DefaultSnippetLen = 160
	DefaultSnippets   = 3
	MaxSnippets       = 10
	MaxSnippetLen     = 1000
)

// Request is one search. The zero value of every field but Query is its
// default.
type Request struct {
	Query      string // in the query language of package query
	Type       string // TypeArticle (default) or TypeParagraph
	Page       int    // 1-based
	Size       int    // hits per page
	SnippetLen int    // characters per snippet
	Snippets   int    // snippets per hit

	// Since and Until bound published_at: RFC 3339, or YYYY-MM-DD for a
	// whole day in the newsroom's zone; both ends inclusive.
	Since, Until string
	// MonthDay, MM-DD, keeps the articles published on that day of any
	// year in the newsroom's zone ("on this day", onthisday.go).
	MonthDay string
	// Filters: a hit must match one value of every non-empty list.
	Sections, Authors, Tags, Sources, IDs []string
	Persons, Places, Orgs                 []string // names (entities.go)
	Sort                                  string   // SortRelevance (default), SortNewest, SortOldest
	Boost                                 string   // "" or BoostRecent
	Cursor                                string   // next_cursor of the previous page, instead of Page
	Facets                                []string // any of FacetNames()
	Explain                               bool     // add, per hit, which terms matched in which field
	Collapse                              string   // "", CollapseArticle (paragraph search) or CollapseStory (article search)
	// Now is the reference time of boost=recent; zero is time.Now().
	Now time.Time
	// Synonyms, when set, expands the query's texts (synonyms.go); quoted
	// phrases too with SynonymPhrases.
	Synonyms       Expander
	SynonymPhrases bool
	// Pinyin, when set, turns pinyin:… texts into the words they spell
	// (pinyinq.go); without it they match nothing.
	Pinyin PinyinReader
}

// Hit is one result: an article, or a paragraph of one.
type Hit struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Score       float64  `json:"score"`
	Title       string   `json:"title"`
	TitleHTML   string   `json:"title_html"`
	Kicker      string   `json:"kicker,omitempty"`
	Authors     []string `json:"authors,omitempty"`
	Section     string   `json:"section,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Source      string   `json:"source,omitempty"`
	PublishedAt string   `json:"published_at,omitempty"`
	URL         string   `json:"url,omitempty"`
	ArticleID   string   `json:"article_id,omitempty"`
	Paragraph   *int     `json:"paragraph,omitempty"`
	Subhead     string   `json:"subhead,omitempty"`
	Paragraphs  []int    `json:"paragraphs,omitempty"`
	Snippets    []string `json:"snippets"`
	// Match says how the hit holds the query: MatchWords (as words) or
	// MatchSubstring (its characters only, across word boundaries); words
	// rank first (tier.go).
	Match   string  `json:"match,omitempty"`
	Explain []Match `json:"explain,omitempty"`
	// Duplicates and DuplicateIDs: the near-duplicates a hit of a
	// collapse=story search stands for (stories.go).
	Duplicates   int      `json:"duplicates,omitempty"`
	DuplicateIDs []string `json:"duplicate_ids,omitempty"`
}

// Match says which terms of the query matched in one field of a hit:
// kind "word" for indexed words, "substring" for the character-bigram
// recall path (terms are then the matched text).
type Match struct {
	Field string   `json:"field"`
	Kind  string   `json:"kind"`
	Terms []string `json:"terms"`
}

// FacetValue is one value of a facet with the number of hits holding it.
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Result is a page of hits.
type Result struct {
	Query      string                  `json:"query"`
	Type       string                  `json:"type"`
	Total      uint64                  `json:"total"`
	Page       int                     `json:"page"`
	Size       int                     `json:"size"`
	Sort       string                  `json:"sort"`
	TookMS     float64                 `json:"took_ms"`
	Hits       []Hit                   `json:"hits"`
	Facets     map[string][]FacetValue `json:"facets,omitempty"`
	NextCursor string                  `json:"next_cursor,omitempty"`
	// Synonyms are what the request's synonym list expanded: each text
	// of the query that it names, with the words searched besides it.
	Synonyms map[string][]string `json:"synonyms,omitempty"`
	// Pinyin is what each pinyin: text of the query spelled and was
	// searched as.
	Pinyin map[string][]string `json:"pinyin,omitempty"`
}

// Search runs a request under ctx; the search stops when ctx is done.
func (ix *Index) Search(ctx context.Context, r Request) (*Result, error) {
	start := time.Now()
	if err := r.normalize(); err != nil {
		return nil, err
	}
	tree, err := query.Parse(r.Query)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
	}
	tree, spelled := pinyinTexts(tree, r.Pinyin)
	c := compiler{typ: r.Type, seg: ix.seg, ix: ix, hl: newHighlight(wholeTexts(tree))}
	c.tier = true
	typed := tree
	var expanded map[string][]string
	tree, c.synonyms, expanded = synonymGroups(tree, r.Synonyms, r.SynonymPhrases)
	q, err := c.compile(tree)
	if err != nil {
		return nil, err
	}
	c.hl.tierClauses = c.tierClauses
	if hasOr(typed) { // a hit holds one side of an OR: one clause in the tier says words
		c.hl.tierClauses = min(c.tierClauses, 1)
	}
	var out *Result
	if r.Type == TypeParagraph {
		out, err = ix.paragraphs(ctx, q, tree, &r, &c)
	} else {
		out, err = ix.run(ctx, q, &r, c.hl)
	}
	if err != nil {
		return nil, err
	}
	out.Synonyms = expanded
	out.Pinyin = spelled
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// withFilters adds a request's filters to a compiled query.
func (ix *Index) withFilters(q bq.Query, r *Request) (bq.Query, error) {
	fs, err := ix.filters(r)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return q, nil
	}
	return bleve.NewConjunctionQuery(append([]bq.Query{q}, fs...)...), nil
}

// run searches q (an article query, already compiled, without filters)
// for r and builds the page of hits.
func (ix *Index) run(ctx context.Context, q bq.Query, r *Request, hl *highlight) (*Result, error) {
	full, err := ix.withFilters(q, r)
	if err != nil {
		return nil, err
	}
	out := &Result{Query: r.Query, Type: r.Type, Page: r.Page, Size: r.Size, Sort: r.Sort}
	var matches []*search.DocumentMatch
	var facets search.FacetResults
	// Term locations are only needed to explain hits: marks come from the
	// query's texts (a query without texts has nothing to mark).
	locs := r.Explain
	if r.Collapse == CollapseStory { // one hit per story (stories.go)
		matches, out.Total, facets, err = ix.stories(ctx, full, r, locs)
	} else if r.Boost != "" {
		matches, out.Total, facets, err = ix.reranked(ctx, full, r, locs)
	} else {
		matches, out.Total, facets, out.NextCursor, err = ix.sorted(ctx, full, r, locs)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, ErrInvalidQuery) {
			return nil, err
		}
		return nil, fmt.Errorf("searching: %w", err)
	}
	out.Facets = facetValues(facets, r.Facets)
	out.Hits = make([]Hit, 0, len(matches))
	for _, h := range matches {
		hit, err := ix.buildHit(h, r, hl)
		if errors.Is(err, ErrNotFound) { // deleted between search and fetch
			continue
		}
		if err != nil {
			return nil, err
		}
		hit.Duplicates, hit.DuplicateIDs = storyDuplicates(h) // collapse=story (stories.go)
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

func addFacets(req *bleve.SearchRequest, names []string) {
	for _, f := range names {
		size := FacetSize
		if f == "month" {
			size = 120
		}
		req.AddFacet(f, bleve.NewFacetRequest(facetFields[f], size))
	}
}

// facetValues turns bleve's facets into the API's shape: values by count
// (months newest first), every asked facet present even when empty.
func facetValues(res search.FacetResults, names []string) map[string][]FacetValue {
	if len(names) == 0 {
		return nil
	}
	out := make(map[string][]FacetValue, len(names))
	for _, name := range names {
		vals := []FacetValue{}
		if fr := res[name]; fr != nil && fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				if t.Term != "" {
					vals = append(vals, FacetValue{Value: t.Term, Count: t.Count})
				}
			}
		}
		if name == "month" {
			sort.SliceStable(vals, func(i, j int) bool { return vals[i].Value > vals[j].Value })
		}
		out[name] = vals
	}
	return out
}

// sorted runs a plain page: by page number or after a cursor.
func (ix *Index) sorted(ctx context.Context, full bq.Query, r *Request, locs bool) ([]*search.DocumentMatch, uint64, search.FacetResults, string, error) {
	order := sortOrder(r.Sort)
	seen := (r.Page - 1) * r.Size
	var after *cursor
	if r.Cursor != "" {
		c, err := decodeCursor(r.Cursor, r)
		if err != nil {
			return nil, 0, nil, "", err
		}
		after, seen = &c, c.Seen
	}
	var res *bleve.SearchResult
	var err error
	if r.Sort == SortRelevance && after == nil {
		res, err = ix.byScore(ctx, full, r)
		if err != nil {
			return nil, 0, nil, "", err
		}
	}
	if res == nil {
		if res, err = ix.byOrder(ctx, full, r, order, after); err != nil {
			return nil, 0, nil, "", err
		}
	}
	if err := ix.loadStored(res.Hits); err != nil {
		return nil, 0, nil, "", err
	}
	if locs {
		if err := ix.locate(ctx, full, res.Hits); err != nil {
			return nil, 0, nil, "", err
		}
	}
	next := ""
	if n := len(res.Hits); n == r.Size && uint64(seen+n) < res.Total {
		last := res.Hits[n-1]
		c := cursor{Sort: r.Sort, Type: r.Type, Seen: seen + n, After: make([][]byte, len(order))}
		for i, o := range order {
			switch o {
			case "-_score", "_score":
				c.After[i] = []byte(strconv.FormatFloat(last.Score, 'g', -1, 64))
			case "_id":
				c.After[i] = []byte(last.ID)
			default:
				c.After[i] = []byte(last.Sort[i])
			}
		}
		next = encodeCursor(c)
	}
	return res.Hits, res.Total, res.Facets, next, nil
}

// byScore serves a page in relevance order without the _id tie-break
// that byOrder sorts by: bleve then skips reading every candidate's id
// (18 % of the CPU of the protocol's queries on all of xwlb; 8 clients
// 292-302 -> 378-435 QPS). It asks for one hit more on each side of the
// page: when a score there ties with the page's first or last, ties may
// cross the page's edge and the tie-break decides which of them the page
// holds, so it returns nil and byOrder answers. Otherwise the page holds
// exactly byOrder's hits, and sorting them by score and id gives them
// byOrder's order too, so that pages and cursors agree either way.
func (ix *Index) byScore(ctx context.Context, full bq.Query, r *Request) (*bleve.SearchResult, error) {
	from := (r.Page - 1) * r.Size
	lo := max(from-1, 0)
	req := bleve.NewSearchRequestOptions(full, r.Size+1+(from-lo), lo, false)
	req.SortBy([]string{"-_score"})
	addFacets(req, r.Facets)
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	hits := res.Hits
	if from > lo { // hits[0] is the previous page's last
		if len(hits) > 1 && hits[0].Score == hits[1].Score {
			return nil, nil
		}
		if len(hits) > 0 {
			hits = hits[1:]
		}
	}
	if len(hits) > r.Size { // hits[r.Size] is the next page's first
		if hits[r.Size-1].Score == hits[r.Size].Score {
			return nil, nil
		}
		hits = hits[:r.Size]
	}
	slices.SortStableFunc(hits, func(a, b *search.DocumentMatch) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		return strings.Compare(a.ID, b.ID)
	})
	res.Hits = hits
	return res, nil
}

// byOrder serves a page in the order sortOrder gives, from a page number,
// or after the decoded cursor when after is not nil.
func (ix *Index) byOrder(ctx context.Context, full bq.Query, r *Request, order []string, after *cursor) (*bleve.SearchResult, error) {
	req := bleve.NewSearchRequestOptions(full, r.Size, (r.Page-1)*r.Size, false)
	req.SortBy(order)
	addFacets(req, r.Facets)
	if after != nil {
		req.From = 0
		req.SearchAfter = make([]string, len(after.After))
		for i, v := range after.After {
			req.SearchAfter[i] = string(v)
		}
	}
	return ix.bi.SearchInContext(ctx, req)
}

// reranked serves boost=recent: it reads the top of the ranking without
// locations, re-ranks it, cuts the page, then fetches the page's hits
// again with their term locations.
func (ix *Index) reranked(ctx context.Context, full bq.Query, r *Request, locs bool) ([]*search.DocumentMatch, uint64, search.FacetResults, error) {
	window := RescoreWindow
	order := sortOrder(r.Sort)
	if r.Boost != "" {
		order = append(order, fieldPublished)
	}
	window = max(window, r.Page*r.Size)
	req := bleve.NewSearchRequestOptions(full, window, 0, false)
	req.SortBy(order)
	addFacets(req, r.Facets)
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, 0, nil, err
	}
	hits, total := res.Hits, res.Total
	if r.Boost != "" {
		now := r.Now
		if now.IsZero() {
			now = time.Now()
		}
		for _, h := range hits {
			h.Score = recent(h.Score, sortTime(h.Sort[len(order)-1]), now)
		}
		sort.SliceStable(hits, func(i, j int) bool {
			if hits[i].Score != hits[j].Score {
				return hits[i].Score > hits[j].Score
			}
			return hits[i].ID < hits[j].ID
		})
	}
	from := min((r.Page-1)*r.Size, len(hits))
	page := hits[from:min(from+r.Size, len(hits))]
	if len(page) == 0 {
		return nil, total, res.Facets, nil
	}
	if err := ix.loadStored(page); err != nil {
		return nil, 0, nil, err
	}
	if locs {
		if err := ix.locate(ctx, full, page); err != nil {
			return nil, 0, nil, err
		}
	}
	return page, total, res.Facets, nil
}

// locate adds the term locations (for snippets and highlights) to the hits
// of a page. Asking bleve for locations in the search itself makes it
// merge and keep those of every candidate it scores (40 % of a query's
// allocated bytes in the profile); only the shown hits need them, so they
// are fetched by a second search of the same query restricted to the
// page's ids.
func (ix *Index) locate(ctx context.Context, full bq.Query, page []*search.DocumentMatch) error {
	if len(page) == 0 {
		return nil
	}
	ids := make([]string, len(page))
	for i, h := range page {
		ids[i] = h.ID
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(full, bleve.NewDocIDQuery(ids)), len(ids), 0, false)
	req.IncludeLocations = true
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return err
	}
	located := make(map[string]*search.DocumentMatch, len(res.Hits))
	for _, h := range res.Hits {
		located[h.ID] = h
	}
	for _, h := range page {
		if l := located[h.ID]; l != nil {
			h.Locations = l.Locations
			h.FieldTermLocations = l.FieldTermLocations
		}
	}
	return nil
}

// sortTime decodes a date sort value; the zero time when the document has
// no date.
func sortTime(v string) time.Time {
	ns, err := numeric.PrefixCoded(v).Int64()
	if err != nil {
		return time.Time{}
	}
	t := time.Unix(0, ns)
	if t.Year() < 1800 || t.Year() > 2200 { // the missing-value sentinel
		return time.Time{}
	}
	return t
}

// articleOf is the article id of a paragraph document id.
func articleOf(docID string) string {
	if i := strings.LastIndexByte(docID, '#'); i >= 0 {
		return docID[:i]
	}
	return docID
}

func (ix *Index) buildHit(h *search.DocumentMatch, r *Request, hl *highlight) (Hit, error) {
	var a *article.Article
	var err error
	if raw, ok := h.Fields[fieldStored].(string); ok { // loaded with the hit (loadStored)
		a, err = decodeStored(h.ID, []byte(raw))
	} else {
		a, err = ix.get(h.ID)
	}
	if err != nil {
		return Hit{}, err
	}
	hit, mk, ft := newHit(h.ID, r, h.Score, a, hl)
	hit.Match = matchKind(h.Score, hl.clauses())
	if r.Explain {
		hit.Explain = explain(h, a, -1, hl, ix.seg)
	}
	// Article: rank its paragraphs by what they match, whole-query matches
	// first, and snippet the best.
	type scored struct {
		i, distinct, count, rawDistinct, rawCount int
		spans                                     []span
	}
	var ps []scored
	for i, p := range a.Paragraphs {
		raw := mergeSpans(p.Text, hl.paragraphSpans(ft, i))
		if len(raw) == 0 {
			continue
		}
		spans := mk.precise(ft.text(i), raw)
		ps = append(ps, scored{i, distinctMatches(p.Text, spans), len(spans), distinctMatches(p.Text, raw), len(raw), spans})
	}
	sort.SliceStable(ps, func(x, y int) bool {
		a, b := ps[x], ps[y]
		switch {
		case a.distinct != b.distinct:
			return a.distinct > b.distinct
		case a.count != b.count:
			return a.count > b.count
		case a.rawDistinct != b.rawDistinct:
			return a.rawDistinct > b.rawDistinct
		}
		return a.rawCount > b.rawCount
	})
	hit.Paragraphs = make([]int, len(ps))
	for i, p := range ps {
		hit.Paragraphs[i] = p.i
	}
	for _, p := range ps {
		if len(hit.Snippets) >= r.Snippets {
			break
		}
		text := a.Paragraphs[p.i].Text
		if ws := windows(text, p.spans, r.SnippetLen, 1); len(ws) > 0 {
			hit.Snippets = append(hit.Snippets, renderWindow(text, p.spans, ws[0]))
		}
	}
	if len(hit.Snippets) == 0 && r.Snippets > 0 && len(a.Paragraphs) > 0 {
		hit.Snippets = append(hit.Snippets, leadSnippet(a.Paragraphs[0].Text, r.SnippetLen))
	}
	return hit, nil
}

// newHit fills the fields of a hit that come from its article, and the
// marker of its snippets.
func newHit(id string, r *Request, score float64, a *article.Article, hl *highlight) (Hit, marker, *foldedTexts) {
	hit := Hit{
		ID: id, Type: r.Type, Score: score, Title: a.Title, Kicker: a.Kicker,
		Authors: a.Authors, Section: a.Section, Tags: a.Tags, Source: a.Source, PublishedAt: a.PublishedAt, URL: a.URL,
		Snippets: []string{},
	}
	ft := foldArticle(a)
	mk := newMarker(ft, hl.wholeWords())
	titleSpans := mk.precise(ft.title, mergeSpans(a.Title, hl.textSpans(ft.title, true)))
	hit.TitleHTML = markHTML(a.Title, titleSpans, 0, len(a.Title))
	return hit, mk, ft
}

// highlight is what a query tells the marking of its hits: its whole
// words (marks.go) and the recall-field terms it searched (recallQuery).
type highlight struct {
	wholes []string

	// tierClauses is how many text clauses of the query carry the words
	// tier (matchKind)
	tierClauses int

	// The texts the query looks for (positive clauses only): a hit's
	// marks are where they occur (textSpans), so no second search for
	// term locations is needed. titleOnly holds those of title: clauses,
	// bodyOnly those of body: clauses.
	texts, titleOnly, bodyOnly []string

	// bodyWords are the terms positive clauses look for in the body word
	// fields, which keep no term locations: explain finds them in the text.
	bodyWords map[string]bool
}

// words notes the terms a clause of the given scope looks for in word
// fields (see bodyWords).
func (hl *highlight) words(scope string, terms ...string) {
	if hl == nil || scope == "title" {
		return
	}
	if hl.bodyWords == nil {
		hl.bodyWords = map[string]bool{}
	}
	for _, t := range terms {
		hl.bodyWords[t] = true
	}
}

// mark notes a text the query looks for, in the scope of its clause:
// "title" (titles only), "body" (body text only) or "" (everywhere).
func (hl *highlight) mark(scope, text string) {
	if hl == nil || text == "" {
		return
	}
	text = tokenizer.Normalize(text) // once, not once per text searched
	switch scope {
	case "title":
		hl.titleOnly = append(hl.titleOnly, text)
	case "body":
		hl.bodyOnly = append(hl.bodyOnly, text)
	default:
		hl.texts = append(hl.texts, text)
	}
}

// paragraphSpans are textSpans of paragraph i of ft; a paragraph that
// cannot hold any of the texts is not folded.
func (hl *highlight) paragraphSpans(ft *foldedTexts, i int) []span {
	if hl == nil || !ft.mayHold(i, hl.texts...) && !ft.mayHold(i, hl.bodyOnly...) {
		return nil
	}
	return hl.textSpans(ft.text(i), false)
}

// textSpans are the byte ranges of text where the query's texts occur
// (folded: 經濟 for 经济); title says whether text is a title. Nil-safe.
func (hl *highlight) textSpans(text foldedText, title bool) []span {
	if hl == nil {
		return nil
	}
	scoped := hl.bodyOnly
	if title {
		scoped = hl.titleOnly
	}
	needles := hl.texts
	if len(scoped) > 0 {
		needles = append(append([]string(nil), hl.texts...), scoped...)
	}
	found := text.FindAll(needles)
	out := make([]span, len(found))
	for i, f := range found {
		out[i] = span{f[0], f[1]}
	}
	return out
}

func newHighlight(wholes []string) *highlight {
	return &highlight{wholes: wholes}
}

// clauses is nil-safe: tierClauses.
func (hl *highlight) clauses() int {
	if hl == nil {
		return 0
	}
	return hl.tierClauses
}

// hasOr reports whether a query tree holds an OR.
func hasOr(q query.Q) bool {
	switch q := q.(type) {
	case *query.Or:
		return true
	case *query.And:
		for _, ch := range q.Children {
			if hasOr(ch) {
				return true
			}
		}
	case *query.Not:
		return hasOr(q.Child)
	}
	return false
}

// wholeWords is nil-safe: searches built without a query tree have none.
func (hl *highlight) wholeWords() []string {
	if hl == nil {
		return nil
	}
	return hl.wholes
}

// compiler turns a query tree into a bleve query for one document type.
type compiler struct {
	typ string
	seg *tokenizer.Segmenter
	ix  *Index     // for the recall field's terms (recallQuery)
	hl  *highlight // collects the texts the query looks for, for the marks; may be nil

	negated int // depth of NOT clauses around the clause being compiled

	// the words tier (tier.go): whether the search has one, and how many
	// of its text clauses carry it
	tier        bool
	tierClauses int

	synonyms map[*query.Or]bool // the ORs synonymGroups made
}

// Boosts: whole words outrank bigram-only (substring) matches, and the
// query as written (a phrase of its words, or of its bigrams) outranks its
// words apart. A title is short, so its length norm already weighs a title
// match well above a body match: a boost of 3 on top made articles that
// name a query word in the title outrank the story that holds the query
// as written. On all of xwlb (bench query, seed 9), the source article of
// a query was in the top 10 for 0.61 of word-span and 0.41 of substring
// queries with title 3 / phrase 2, and 0.77 / 0.50 with title 0.5 /
// phrase 6 (title 0: 0.78 / 0.51).
const (
	boostTitleWord   = 0.5
	boostBodyWord    = 1.0
	boostTitleRecall = 0.1
	boostBodyRecall  = 1.0
	boostPhrase      = 6.0
)

func (c *compiler) compile(q query.Q) (bq.Query, error) {
	switch q := q.(type) {
	case *query.Text:
		return c.text(q)
	case *query.Not:
		c.negated++
		child, err := c.compile(q.Child)
		c.negated--
		if err != nil {
			return nil, err
		}
		if c.typ == TypeParagraph { // decided per paragraph from the child's locations (paragraphs.go)
			return bq.NewBooleanQuery([]bq.Query{bleve.NewMatchAllQuery()}, []bq.Query{child}, nil), nil
		}
		return bq.NewBooleanQuery([]bq.Query{bleve.NewMatchAllQuery()}, nil, []bq.Query{child}), nil
	case *query.And:
		var must, should, not []bq.Query
		onlyStop := c.stopOnlyClauses(q.Children)
		for i, ch := range q.Children {
			if onlyStop[i] { // a plain query does not require its stop words
				cq, err := c.compile(ch)
				if err != nil {
					return nil, err
				}
				should = append(should, cq)
				continue
			}
			if n, ok := ch.(*query.Not); ok {
				c.negated++
				cq, err := c.compile(n.Child)
				c.negated--
				if err != nil {
					return nil, err
				}
				if c.typ == TypeParagraph { // decided per paragraph from its locations (paragraphs.go)
					should = append(should, cq)
					continue
				}
				not = append(not, cq)
				continue
			}
			cq, err := c.compile(ch)
			if err != nil {
				return nil, err
			}
			must = append(must, cq)
		}
		if len(must) == 0 {
			must = []bq.Query{bleve.NewMatchAllQuery()}
		}
		if len(not) == 0 && len(should) == 0 {
			return bleve.NewConjunctionQuery(must...), nil
		}
		return bq.NewBooleanQuery(must, should, not), nil
	case *query.Or:
		if c.synonyms[q] {
			return c.synonymGroup(q)
		}
		var any []bq.Query
		for _, ch := range q.Children {
			cq, err := c.compile(ch)
			if err != nil {
				return nil, err
			}
			any = append(any, cq)
		}
		return bleve.NewDisjunctionQuery(any...), nil
	}
	return nil, fmt.Errorf("%w: unsupported query node %T", ErrInvalidQuery, q)
}

// textFields is where a text clause looks: a word field (a word
// alternative, "" for none) and the recall field restricted to some of its
// elements ("" for none).
type textFields struct {
	word        string
	recall      string
	elems       elemFilter
	wordBoost   float64
	recallBoost float64
}

// fieldsFor lists where a clause of the given scope looks. A plain clause
// matches a word anywhere in the article (the word field, or its bigrams
// anywhere in the recall field), and a title word adds to the score;
// body: and paragraph search look at the paragraphs' bigrams alone (the
// word field does not tell elements apart, and a word of the text is
// always a run of its bigrams); title: looks at the title.
func (c *compiler) fieldsFor(scope string) []textFields {
	switch {
	case scope == "title":
		return []textFields{{fieldTitle, fieldRecall, inTitle, boostTitleWord, boostTitleRecall}}
	case scope == "body" || c.typ == TypeParagraph:
		return []textFields{{"", fieldRecall, inBody, boostBodyWord, boostBodyRecall}}
	}
	return []textFields{
		{fieldTitle, "", inAll, boostTitleWord, 0},
		{fieldWords, fieldRecall, inAll, boostBodyWord, boostBodyRecall},
	}
}

// positional reports whether a word field keeps its terms' positions, so
// that a phrase of words can match in it (newMapping).
func positional(field string) bool { return field == fieldTitle }

func keywordField(scope string) string {
	switch scope {
	case "author":
		return fieldAuthor
	case "section":
		return fieldSection
	case "tag":
		return fieldTag
	case "source":
		return fieldSource
	}
	return ""
}

func termQuery(term, field string, boost float64) bq.Query {
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

// phraseQuery matches terms at consecutive positions of one element of
// field, in the elements elems admits.
func phraseQuery(terms []string, field string, elems elemFilter, boost float64) bq.Query {
	if len(terms) == 1 && elems == inAll {
		return termQuery(terms[0], field, boost)
	}
	multi := make([][]string, len(terms))
	for i, t := range terms {
		multi[i] = []string{t}
	}
	return newPhrase(multi, field, elems, boost)
}

// maxPrefixTerms bounds the recall-field terms a lone final character
// expands to (recallQuery); there are at most a few thousand characters
// that can follow one character.
const maxPrefixTerms = 20000

// recallQuery matches a recall phrase (tokenizer.RecallPhrase) in the
// elements of a recall field that elems admits. A lone final character
// (tokenizer.OpenEnd) is held by the index as the first character of
// whatever bigram starts there: it matches any term starting with it.
func (ix *Index) recallQuery(terms []string, field string, elems elemFilter, boost float64) (bq.Query, error) {
	if !tokenizer.OpenEnd(terms) {
		return phraseQuery(terms, field, elems, boost), nil
	}
	last := terms[len(terms)-1]
	if len(terms) == 1 && elems == inAll {
		q := bleve.NewPrefixQuery(last)
		q.SetField(field)
		q.SetBoost(boost)
		return q, nil
	}
	dict, err := ix.bi.FieldDictPrefix(field, []byte(last))
	if err != nil {
		return nil, fmt.Errorf("reading the terms of %s: %w", field, err)
	}
	defer dict.Close()
	var alts []string
	for len(alts) < maxPrefixTerms {
		e, err := dict.Next()
		if err != nil {
			return nil, fmt.Errorf("reading the terms of %s: %w", field, err)
		}
		if e == nil {
			break
		}
		alts = append(alts, e.Term)
	}
	if len(alts) == 0 {
		return bleve.NewMatchNoneQuery(), nil
	}
	multi := make([][]string, len(terms))
	for i, t := range terms[:len(terms)-1] {
		multi[i] = []string{t}
	}
	multi[len(terms)-1] = alts
	return newPhrase(multi, field, elems, boost), nil
}

// text compiles a word or phrase. A word is segmented; each of its words
// must match, either as an indexed word or, for full recall, as an exact
// run of character bigrams. A phrase must match as an exact substring.
func (c *compiler) text(t *query.Text) (bq.Query, error) {
	if t.Field == query.FieldPinyin { // spelled nothing known (pinyinq.go)
		return bleve.NewMatchNoneQuery(), nil
	}
	if f := keywordField(t.Field); f != "" {
		return termQuery(strings.TrimSpace(t.Text), f, 1), nil
	}
	if c.negated == 0 {
		c.hl.mark(t.Field, strings.TrimSpace(t.Text))
	}
	fields := c.fieldsFor(t.Field)
	if t.Phrase {
		recall := tokenizer.RecallPhrase(t.Text)
		if len(recall) == 0 {
			return nil, fmt.Errorf("%w: phrase %q has nothing to search for", ErrInvalidQuery, t.Text)
		}
		var must []bq.Query
		var boost []bq.Query
		words := c.termsOf(tokenizer.QueryMode, t.Text)
		if c.negated == 0 {
			c.hl.words(t.Field, words...)
		}
		for _, f := range fields {
			if f.recall != "" {
				rq, err := c.ix.recallQuery(recall, f.recall, f.elems, f.recallBoost)
				if err != nil {
					return nil, err
				}
				must = append(must, rq)
			}
			switch {
			case len(words) == 0 || f.word == "" || f.word == fieldWords:
			case positional(f.word):
				boost = append(boost, phraseQuery(words, f.word, inAll, f.wordBoost*boostPhrase))
			default: // the recall phrase holds the order: here, all the words
				boost = append(boost, allTermsQuery(words, f.word, f.wordBoost*boostPhrase))
			}
		}
		var tier bq.Query
		if t.Field != "title" && len(words) > 0 { // the phrase holds: are its words words?
			tier = &constScore{q: allTermsQuery(words, fieldWords, 1), score: tierScore}
		}
		return c.withTier(bq.NewBooleanQuery([]bq.Query{bleve.NewDisjunctionQuery(must...)}, boost, nil), tier), nil
	}
	words, all := c.tokensOf(t.Text)
	if len(words) == 0 {
		return nil, fmt.Errorf("%w: %q has nothing to search for", ErrInvalidQuery, t.Text)
	}
	broad := c.broad(t.Text, words)
	if !broad {
		if q, ok := c.fastText(t, words, all, fields); ok {
			return q, nil
		}
	}
	var must []bq.Query
	var terms []string
	for _, tok := range words {
		w := tok.Term
		terms = append(terms, w)
		if c.negated == 0 {
			c.hl.mark(t.Field, t.Text[tok.Start:tok.End])
			c.hl.words(t.Field, w)
		}
		var alts []bq.Query
		recall := tokenizer.RecallPhrase(wordContext(t.Text, tok))
		for _, f := range fields {
			// a Han word matches through its bigrams (the word field
			// holds nothing they miss), but some words also as words
			// (needsWord). The word field keeps no frequencies: such a
			// match scores its boost.
			switch {
			case (f.word == fieldWords || f.word == "") && f.recall != "" && needsWord(w):
				alts = append(alts, &constScore{q: termQuery(w, fieldWords, 1), score: f.wordBoost})
			case f.word != "" && f.word != fieldWords:
				alts = append(alts, termQuery(w, f.word, f.wordBoost))
			}
			switch {
			case f.recall == "" || len(recall) == 0:
			case broad && len(recall) > 1 && !tokenizer.OpenEnd(recall) && f.elems == inAll:
				alts = append(alts, allTermsQuery(recall, f.recall, f.recallBoost))
			default:
				rq, err := c.ix.recallQuery(recall, f.recall, f.elems, f.recallBoost)
				if err != nil {
					return nil, err
				}
				alts = append(alts, rq)
			}
		}
		must = append(must, bleve.NewDisjunctionQuery(alts...))
	}
	var should []bq.Query
	var tier bq.Query // tier.go
	if t.Field != "title" {
		tier = &constScore{q: allTermsQuery(all, fieldWords, 1), score: tierScore}
	}
	if len(all) > 1 {
		// the whole text, in order: as a substring (a phrase of bigrams,
		// which also holds where segmentation differs: 二七经开区位居
		// segments apart), and as words in titles.
		// (for ranking only: a lone final character is left out rather
		// than expanded to every term starting with it)
		recall := tokenizer.RecallPhrase(t.Text)
		if tokenizer.OpenEnd(recall) {
			recall = recall[:len(recall)-1]
			for len(recall) > 0 && recall[len(recall)-1] == "" {
				recall = recall[:len(recall)-1]
			}
		}
		for _, f := range fields {
			if positional(f.word) {
				should = append(should, phraseQuery(all, f.word, inAll, f.wordBoost*boostPhrase))
			}
			if f.recall != "" && len(recall) > 0 && !broad {
				rq, err := c.ix.recallQuery(recall, f.recall, f.elems, f.wordBoost*boostPhrase)
				if err != nil {
					return nil, err
				}
				if tier != nil { // the phrase ranks; with the words as words, it is the tier
					tier = &tiered{q: rq, words: allTermsQuery(all, fieldWords, 0), bonus: tierScore}
					continue
				}
				should = append(should, rq)
			}
		}
	}
	var text bq.Query = bleve.NewConjunctionQuery(must...)
	if len(should) > 0 {
		text = bq.NewBooleanQuery([]bq.Query{text}, should, nil)
	}
	return c.withTier(text, tier), nil
}

// fastText compiles a plain text to one textQuery (text.go) when it can:
// every word a recall phrase without an open end. Titles are elements of
// the recall field like the rest: a title clause of words as well (a boost
// for the query's words in titles) ranked the protocol's source articles
// lower (top 10 of 500 queries on 20,000 xwlb articles: 0.904 / 0.636
// with it, 0.912 / 0.644 without) and cost 10 % of the search time.
func (c *compiler) fastText(t *query.Text, words []tokenizer.Token, all []string, fields []textFields) (bq.Query, bool) {
	tq := &textQuery{wholeBoost: boostPhrase}
	for _, f := range fields {
		switch {
		case f.recall != "" && tq.field != "":
			return nil, false
		case f.recall != "":
			tq.field, tq.elems, tq.boost = f.recall, f.elems, f.recallBoost
		}
	}
	hard := 0
	for _, tok := range words {
		recall := tokenizer.RecallPhrase(wordContext(t.Text, tok))
		if len(recall) == 0 || tokenizer.OpenEnd(recall) {
			return nil, false
		}
		tq.words = append(tq.words, recall)
		soft := ""
		if needsWord(tok.Term) {
			soft = tok.Term
		} else {
			hard++
		}
		tq.soft = append(tq.soft, soft)
	}
	if tq.field == "" || hard == 0 || (hard < len(words) && c.typ == TypeParagraph) {
		// (paragraph search derives its hits from every word's phrase
		// locations: soft words go through the general path there)
		return nil, false
	}
	if c.negated == 0 {
		for _, tok := range words {
			c.hl.mark(t.Field, t.Text[tok.Start:tok.End])
			c.hl.words(t.Field, tok.Term)
		}
	}
	if len(all) > 1 {
		// the whole text, in order, ranks (a lone final character is left
		// out rather than expanded to every term starting with it)
		whole := tokenizer.RecallPhrase(t.Text)
		if tokenizer.OpenEnd(whole) {
			whole = whole[:len(whole)-1]
			for len(whole) > 0 && whole[len(whole)-1] == "" {
				whole = whole[:len(whole)-1]
			}
		}
		if len(whole) > 0 {
			tq.whole = whole
		}
	}
	if t.Field != "title" && c.tier && c.negated == 0 {
		tq.tier = allTermsQuery(all, fieldWords, 1)
		c.tierClauses++
	}
	return tq, true
}

// needsWord reports whether a query word can be in a text that its recall
// phrase misses, so that it must also match as a word: a word with
// letters or digits (the recall field keeps a run of them whole: 3.5 of
// 3.5ghz is no recall term), and a single character (its recall phrase is
// the bigram with its neighbour in the query, 日郑 of 日郑州, which a text
// breaks with punctuation: 28日，郑州).
func needsWord(w string) bool {
	n := 0
	for _, r := range w {
		if !unicode.Is(unicode.Han, r) {
			return true
		}
		n++
	}
	return n == 1
}

// broadDocs is where a query becomes broad (compiler.broad): 13 % of all
// of xwlb's articles.
const broadDocs = 10000

// broad reports whether a query text is so common that checking the
// positions of its bigrams in every candidate would dominate the search:
// when even the rarest bigram (or one-term recall) of each of its words is
// in broadDocs bodies or more. 央视网消息 opens 73,814 of xwlb's 74,545
// articles; the 13 broadest of the protocol's 500 queries took 100-435 ms
// each, more than half of the time of all 500. A broad query finds a word
// of three or more characters through its bigrams without their positions
// (a superset of the texts that hold it: the word must still be in the
// text as bigrams, in any order) and ranks without the phrase of the
// whole text in bodies. A query with a rare word is never broad.
func (c *compiler) broad(text string, words []tokenizer.Token) bool {
	if c.ix == nil {
		return false
	}
	body := fieldRecall
	adv, err := c.ix.bi.Advanced()
	if err != nil {
		return false
	}
	rd, err := adv.Reader()
	if err != nil {
		return false
	}
	defer rd.Close()
	for _, tok := range words {
		rarest := uint64(math.MaxUint64)
		for _, term := range tokenizer.RecallPhrase(wordContext(text, tok)) {
			if term == "" {
				continue
			}
			tfr, err := rd.TermFieldReader(context.Background(), []byte(term), body, false, false, false)
			if err != nil {
				return false
			}
			rarest = min(rarest, tfr.Count())
			_ = tfr.Close()
		}
		if rarest < uint64(c.ix.broadDocs) {
			return false
		}
	}
	return true
}

// allTermsQuery requires every term (of a recall phrase, or words), at any
// position; "" entries are skipped.
func allTermsQuery(terms []string, field string, boost float64) bq.Query {
	var qs []bq.Query
	for _, t := range terms {
		if t != "" {
			qs = append(qs, termQuery(t, field, boost))
		}
	}
	return bleve.NewConjunctionQuery(qs...)
}

// tokensOf analyses query text once: words are its precise-mode words
// with their offsets, stop words left out unless the text holds nothing
// else; all are the terms of every word, stop words included.
func (c *compiler) tokensOf(text string) (words []tokenizer.Token, all []string) {
	toks := c.seg.Analyze([]byte(text), tokenizer.QueryMode)
	for _, t := range toks {
		all = append(all, t.Term)
		if !tokenizer.IsStopWord(t.Term) {
			words = append(words, t)
		}
	}
	if len(words) == 0 {
		words = toks
	}
	return words, all
}

// wordContext is the text whose recall phrase a query word must match. It
// is the word itself, except for a word of one Han character: alone it
// would have to match every recall term starting with it (the index holds
// a character as the start of a bigram, tokenizer.Bigrams), thousands of
// terms for a common one. Joined to the Han character next to it in the
// query it is one bigram, which every text holding the query's words as
// written holds too.
func wordContext(text string, tok tokenizer.Token) string {
	w := text[tok.Start:tok.End]
	r, size := utf8.DecodeRuneInString(w)
	if size != len(w) || !unicode.Is(unicode.Han, r) {
		return w
	}
	if next, n := utf8.DecodeRuneInString(text[tok.End:]); n > 0 && unicode.Is(unicode.Han, next) {
		return text[tok.Start : tok.End+n]
	}
	if prev, n := utf8.DecodeLastRuneInString(text[:tok.Start]); n > 0 && unicode.Is(unicode.Han, prev) {
		return text[tok.Start-n : tok.End]
	}
	return w
}

// termsOf analyses query text into word terms, stop words included.
func (c *compiler) termsOf(mode tokenizer.Mode, text string) []string {
	toks := c.seg.Analyze([]byte(text), mode)
	all := make([]string, len(toks))
	for i, t := range toks {
		all[i] = t.Term
	}
	return all
}

// stopOnlyClauses marks the children of an AND that are plain words made
// only of stop words (的, 是 …), when some other child is not: those are
// not required to match. A query of stop words alone still requires them.
func (c *compiler) stopOnlyClauses(children []query.Q) []bool {
	marks := make([]bool, len(children))
	other := false
	for i, ch := range children {
		t, ok := ch.(*query.Text)
		if ok && !t.Phrase && t.Field == "" && c.onlyStopWords(t.Text) {
			marks[i] = true
			continue
		}
		if _, neg := ch.(*query.Not); !neg {
			other = true
		}
	}
	if !other {
		return make([]bool, len(children))
	}
	return marks
}

// onlyStopWords reports whether text analyses to stop words only.
func (c *compiler) onlyStopWords(text string) bool {
	toks := c.seg.Analyze([]byte(text), tokenizer.QueryMode)
	for _, t := range toks {
		if !tokenizer.IsStopWord(t.Term) {
			return false
		}
	}
	return len(toks) > 0
}
