package index

import (
	"strings"

	"github.com/blevesearch/bleve/v2/search"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/highlight"
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
	hit := newHit(h.ID, r, h.Score, a)
	hit.Match = matchKind(h.Score, hl.clauses())
	if r.Explain {
		hit.Explain = explain(h, a, -1, hl, ix.seg)
	}
	// Article: its paragraphs ranked by what they match, and snippets of
	// the best.
	m := highlight.Article(docOf(a), marksQuery(hl), ix.snippetOptions(r))
	hit.TitleHTML, hit.Paragraphs, hit.Snippets = m.TitleHTML, m.Paragraphs, m.Snippets
	return hit, nil
}

// newHit fills the fields of a hit that come from its article, but for
// its marks and snippets (package highlight).
func newHit(id string, r *Request, score float64, a *article.Article) Hit {
	return Hit{
		ID: id, Type: r.Type, Score: score, Title: a.Title, Kicker: a.Kicker,
		Authors: a.Authors, Section: a.Section, Tags: a.Tags, Source: a.Source, PublishedAt: a.PublishedAt, URL: a.URL,
		Snippets: []string{},
	}
}
