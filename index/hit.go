package index

import (
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2/search"

	"github.com/zhsearch/zhsearch/article"
)

// articleOf is the article id of a paragraph document id.
func articleOf(docID string) string {
	if i := strings.LastIndexByte(docID, '#'); i >= 0 {
		return docID[:i]
	}
	return docID
}

func (ix *Index) buildHit(h *search.DocumentMatch, r *Request, hl *highlightPlan) (Hit, error) {
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
func newHit(id string, r *Request, score float64, a *article.Article, hl *highlightPlan) (Hit, marker, *foldedTexts) {
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
