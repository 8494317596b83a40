package index

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"

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

// Request is one search.
type Request struct {
	Query      string // in the query language of package query
	Type       string // TypeArticle (default) or TypeParagraph
	Page       int    // 1-based
	Size       int    // hits per page
	SnippetLen int    // characters per snippet
	Snippets   int    // snippets per hit
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
	Source      string   `json:"source,omitempty"`
	PublishedAt string   `json:"published_at,omitempty"`
	URL         string   `json:"url,omitempty"`
	ArticleID   string   `json:"article_id,omitempty"`
	Paragraph   *int     `json:"paragraph,omitempty"`
	Subhead     string   `json:"subhead,omitempty"`
	Paragraphs  []int    `json:"paragraphs,omitempty"`
	Snippets    []string `json:"snippets"`
}

// Result is a page of hits.
type Result struct {
	Query  string  `json:"query"`
	Type   string  `json:"type"`
	Total  uint64  `json:"total"`
	Page   int     `json:"page"`
	Size   int     `json:"size"`
	TookMS float64 `json:"took_ms"`
	Hits   []Hit   `json:"hits"`
}

// normalize fills defaults and checks limits.
func (r *Request) normalize() error {
	if r.Type == "" {
		r.Type = TypeArticle
	}
	if r.Type != TypeArticle && r.Type != TypeParagraph {
		return fmt.Errorf("%w: type %q: use article or paragraph", ErrInvalidQuery, r.Type)
	}
	if r.Page == 0 {
		r.Page = 1
	}
	if r.Size == 0 {
		r.Size = DefaultSize
	}
	if r.SnippetLen == 0 {
		r.SnippetLen = DefaultSnippetLen
	}
	if r.Snippets == 0 {
		r.Snippets = DefaultSnippets
	}
	switch {
	case r.Page < 1:
		return fmt.Errorf("%w: page must be 1 or more", ErrInvalidQuery)
	case r.Size < 1 || r.Size > MaxSize:
		return fmt.Errorf("%w: size must be between 1 and %d", ErrInvalidQuery, MaxSize)
	case r.SnippetLen < 20 || r.SnippetLen > MaxSnippetLen:
		return fmt.Errorf("%w: snippet_len must be between 20 and %d", ErrInvalidQuery, MaxSnippetLen)
	case r.Snippets < 0 || r.Snippets > MaxSnippets:
		return fmt.Errorf("%w: snippets must be between 0 and %d", ErrInvalidQuery, MaxSnippets)
	case (r.Page-1)*r.Size > 10000:
		return fmt.Errorf("%w: page*size may not pass 10000", ErrInvalidQuery)
	}
	return nil
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
	c := compiler{typ: r.Type, seg: ix.seg}
	q, err := c.compile(tree)
	if err != nil {
		return nil, err
	}
	full := bleve.NewConjunctionQuery(q, typeQuery(r.Type))
	req := bleve.NewSearchRequestOptions(full, r.Size, (r.Page-1)*r.Size, false)
	req.IncludeLocations = true
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("searching: %w", err)
	}
	out := &Result{Query: r.Query, Type: r.Type, Total: res.Total, Page: r.Page, Size: r.Size, Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		hit, err := ix.buildHit(h, &r)
		if errors.Is(err, ErrNotFound) { // deleted between search and fetch
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Hits = append(out.Hits, hit)
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

func (ix *Index) buildHit(h *search.DocumentMatch, r *Request) (Hit, error) {
	articleID, para := h.ID, -1
	if r.Type == TypeParagraph {
		i := strings.LastIndexByte(h.ID, '#')
		n, err := strconv.Atoi(h.ID[i+1:])
		if i < 0 || err != nil {
			return Hit{}, fmt.Errorf("malformed paragraph id %q", h.ID)
		}
		articleID, para = h.ID[:i], n
	}
	a, err := ix.get(articleID)
	if err != nil {
		return Hit{}, err
	}
	hit := Hit{
		ID: h.ID, Type: r.Type, Score: h.Score, Title: a.Title, Kicker: a.Kicker,
		Authors: a.Authors, Section: a.Section, Source: a.Source, PublishedAt: a.PublishedAt, URL: a.URL,
		Snippets: []string{},
	}
	titleSpans := mergeSpans(a.Title, fieldSpans(h, -1, fieldTitle, fieldTitleBG))
	hit.TitleHTML = markHTML(a.Title, titleSpans, 0, len(a.Title))

	if r.Type == TypeParagraph {
		if para >= len(a.Paragraphs) {
			return Hit{}, fmt.Errorf("paragraph %d of %q: %w", para, articleID, ErrNotFound)
		}
		p := a.Paragraphs[para]
		hit.ArticleID, hit.Paragraph, hit.Subhead = articleID, &para, p.Subhead
		spans := mergeSpans(p.Text, fieldSpans(h, -1, fieldBody, fieldBodyBG))
		for _, w := range windows(p.Text, spans, r.SnippetLen, r.Snippets) {
			hit.Snippets = append(hit.Snippets, renderWindow(p.Text, spans, w))
		}
		if len(hit.Snippets) == 0 && r.Snippets > 0 {
			hit.Snippets = append(hit.Snippets, leadSnippet(p.Text, r.SnippetLen))
		}
		return hit, nil
	}

	// Article: rank its paragraphs by what they match, snippet the best.
	type scored struct {
		i, distinct, count int
		spans              []span
	}
	var ps []scored
	for i, p := range a.Paragraphs {
		spans := mergeSpans(p.Text, fieldSpans(h, i, fieldBody, fieldBodyBG))
		if len(spans) > 0 {
			ps = append(ps, scored{i, distinctMatches(p.Text, spans), len(spans), spans})
		}
	}
	sort.SliceStable(ps, func(x, y int) bool {
		if ps[x].distinct != ps[y].distinct {
			return ps[x].distinct > ps[y].distinct
		}
		return ps[x].count > ps[y].count
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

// fieldSpans collects the matched byte ranges of the given fields; for an
// array field (an article's body) only those of element elem, or all when
// elem is -1 (a plain field).
func fieldSpans(h *search.DocumentMatch, elem int, fields ...string) []span {
	var out []span
	for _, f := range fields {
		for _, locs := range h.Locations[f] {
			for _, l := range locs {
				if elem >= 0 && (len(l.ArrayPositions) == 0 || int(l.ArrayPositions[0]) != elem) {
					continue
				}
				out = append(out, span{int(l.Start), int(l.End)})
			}
		}
	}
	return out
}

// compiler turns a query tree into a bleve query for one document type.
type compiler struct {
	typ string
	seg *tokenizer.Segmenter
}

// Boosts: whole words outrank bigram-only (substring) matches, titles
// outrank bodies.
const (
	boostTitleWord   = 3.0
	boostKickerWord  = 1.5
	boostBodyWord    = 1.0
	boostTitleRecall = 0.6
	boostBodyRecall  = 0.2
	boostPhrase      = 2.0
)

func (c *compiler) compile(q query.Q) (bq.Query, error) {
	switch q := q.(type) {
	case *query.Text:
		return c.text(q)
	case *query.Not:
		child, err := c.compile(q.Child)
		if err != nil {
			return nil, err
		}
		return bq.NewBooleanQuery([]bq.Query{bleve.NewMatchAllQuery()}, nil, []bq.Query{child}), nil
	case *query.And:
		var must, not []bq.Query
		for _, ch := range q.Children {
			if n, ok := ch.(*query.Not); ok {
				cq, err := c.compile(n.Child)
				if err != nil {
					return nil, err
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
		if len(not) == 0 {
			return bleve.NewConjunctionQuery(must...), nil
		}
		return bq.NewBooleanQuery(must, nil, not), nil
	case *query.Or:
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

type textFields struct {
	word, recall string
	wordBoost    float64
	recallBoost  float64
}

func (c *compiler) fieldsFor(scope string) []textFields {
	switch {
	case scope == "title":
		return []textFields{{fieldTitle, fieldTitleBG, boostTitleWord, boostTitleRecall}}
	case c.typ == TypeParagraph:
		return []textFields{{fieldBody, fieldBodyBG, boostBodyWord, boostBodyRecall}}
	}
	return []textFields{
		{fieldTitle, fieldTitleBG, boostTitleWord, boostTitleRecall},
		{fieldBody, fieldBodyBG, boostBodyWord, boostBodyRecall},
	}
}

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

func phraseQuery(terms []string, field string, boost float64) bq.Query {
	if len(terms) == 1 {
		return termQuery(terms[0], field, boost)
	}
	q := bleve.NewPhraseQuery(terms, field)
	q.SetBoost(boost)
	return q
}

// text compiles a word or phrase. A word is segmented; each of its words
// must match, either as an indexed word or, for full recall, as an exact
// run of character bigrams. A phrase must match as an exact substring.
func (c *compiler) text(t *query.Text) (bq.Query, error) {
	if f := keywordField(t.Field); f != "" {
		return termQuery(strings.TrimSpace(t.Text), f, 1), nil
	}
	fields := c.fieldsFor(t.Field)
	if t.Phrase {
		recall := tokenizer.RecallPhrase(t.Text)
		if len(recall) == 0 {
			return nil, fmt.Errorf("%w: phrase %q has nothing to search for", ErrInvalidQuery, t.Text)
		}
		var must []bq.Query
		var boost []bq.Query
		for _, f := range fields {
			must = append(must, phraseQuery(recall, f.recall, f.recallBoost))
			if words := c.termsOf(tokenizer.QueryMode, t.Text, false); len(words) > 0 {
				boost = append(boost, phraseQuery(words, f.word, f.wordBoost*boostPhrase))
			}
		}
		return bq.NewBooleanQuery([]bq.Query{bleve.NewDisjunctionQuery(must...)}, boost, nil), nil
	}
	words := c.termsOf(tokenizer.QueryMode, t.Text, true)
	if len(words) == 0 {
		return nil, fmt.Errorf("%w: %q has nothing to search for", ErrInvalidQuery, t.Text)
	}
	var must []bq.Query
	for _, w := range words {
		var alts []bq.Query
		recall := tokenizer.RecallPhrase(w)
		for _, f := range fields {
			alts = append(alts, termQuery(w, f.word, f.wordBoost))
			if len(recall) > 0 {
				alts = append(alts, phraseQuery(recall, f.recall, f.recallBoost))
			}
		}
		must = append(must, bleve.NewDisjunctionQuery(alts...))
	}
	var should []bq.Query
	if all := c.termsOf(tokenizer.QueryMode, t.Text, false); len(all) > 1 {
		for _, f := range fields {
			should = append(should, phraseQuery(all, f.word, f.wordBoost*boostPhrase))
		}
	}
	return bq.NewBooleanQuery([]bq.Query{bleve.NewConjunctionQuery(must...)}, should, nil), nil
}

// termsOf analyses query text into word terms; with dropStop, stop words
// are left out unless the text holds nothing else.
func (c *compiler) termsOf(mode tokenizer.Mode, text string, dropStop bool) []string {
	toks := c.seg.Analyze([]byte(text), mode)
	var all, content []string
	for _, t := range toks {
		all = append(all, t.Term)
		if !tokenizer.IsStopWord(t.Term) {
			content = append(content, t.Term)
		}
	}
	if dropStop && len(content) > 0 {
		return content
	}
	return all
}
