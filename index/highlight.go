package index

import (
	"github.com/zhsearch/zhsearch/highlight"
	"github.com/zhsearch/zhsearch/query"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// highlightPlan is what a query tells the marking of its hits: its whole
// words (marks.go), the texts and word terms its positive clauses look
// for, and how many of its clauses carry the words tier. The compiler
// makes it from the query alone (compileSearch): the marks are found in a
// hit's text, not among the index's terms.
type highlightPlan struct {
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
func (hl *highlightPlan) words(scope string, terms ...string) {
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
func (hl *highlightPlan) mark(scope, text string) {
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

// paragraphSpans are textSpans of paragraph i of d; a paragraph that
// cannot hold any of the texts is not folded.
func (hl *highlightPlan) paragraphSpans(d *highlight.Doc, i int) []span {
	if hl == nil || !d.MayHold(i, hl.texts...) && !d.MayHold(i, hl.bodyOnly...) {
		return nil
	}
	return hl.textSpans(d.Text(i), false)
}

// textSpans are the byte ranges of text where the query's texts occur
// (folded: 經濟 for 经济); title says whether text is a title. Nil-safe.
func (hl *highlightPlan) textSpans(text foldedText, title bool) []span {
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
		out[i] = span{Start: f[0], End: f[1]}
	}
	return out
}

func newHighlightPlan(wholes []string) *highlightPlan {
	return &highlightPlan{wholes: wholes}
}

// clauses is nil-safe: tierClauses.
func (hl *highlightPlan) clauses() int {
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
func (hl *highlightPlan) wholeWords() []string {
	if hl == nil {
		return nil
	}
	return hl.wholes
}
