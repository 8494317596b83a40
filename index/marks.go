package index

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/highlight"
	"github.com/zhsearch/zhsearch/query"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// wholeTexts lists the normalised text of every positive word or phrase of
// the query that the analyzer splits into parts: 二七经开区 matches as 二七
// and 经开区, and where the whole occurs only the whole deserves a mark.
func wholeTexts(q query.Q) []string {
	var out []string
	var walk func(q query.Q)
	walk = func(q query.Q) {
		switch q := q.(type) {
		case *query.Text:
			if keywordField(q.Field) != "" {
				return
			}
			w := tokenizer.Normalize(strings.TrimSpace(q.Text))
			if utf8.RuneCountInString(w) >= 2 {
				out = append(out, w)
			}
		case *query.And:
			for _, c := range q.Children {
				walk(c)
			}
		case *query.Or:
			for _, c := range q.Children {
				walk(c)
			}
		}
	}
	walk(q)
	return out
}

// span is a matched byte range of a text (package highlight marks them).
type span = highlight.Span

// foldedText is a text with its folded form, as a highlight.Doc keeps it.
type foldedText = tokenizer.Folded

// marksQuery is what a query's highlight plan marks in a hit's text: its
// texts, in the scope of their clauses, and its whole words. hl may be nil.
func marksQuery(hl *highlightPlan) highlight.Query {
	return highlight.Query{
		Wholes: hl.wholeWords(),
		Spans: func(d *highlight.Doc, i int) []span {
			if i < 0 {
				return hl.textSpans(d.Text(-1), true)
			}
			return hl.paragraphSpans(d, i)
		},
	}
}

// docOf is the text of an article's hit: its title and paragraphs.
func docOf(a *article.Article) *highlight.Doc {
	paras := make([]string, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		paras[i] = p.Text
	}
	return highlight.NewDoc(a.Title, paras)
}

// snippetOptions are the snippets a request asks for, cut on the words
// of the index's segmenter.
func (ix *Index) snippetOptions(r *Request) highlight.Options {
	return highlight.Options{Len: r.SnippetLen, Count: r.Snippets, Seg: ix.seg}
}

// explain reports which terms matched in which element of a hit (title,
// kicker, subhead, body): words by their indexed term, substring matches
// by the text they covered. The word field keeps no term locations
// (newMapping): its matches are the query's words (hl) among the terms the
// index analysis (seg) makes of each element's text. A paragraph hit
// (para ≥ 0) explains its own paragraph and the headings.
func explain(h *search.DocumentMatch, a *article.Article, para int, hl *highlightPlan, seg *tokenizer.Segmenter) []Match {
	type fk struct{ field, kind string }
	found := map[fk]map[string]bool{}
	add := func(field, kind, term string) {
		k := fk{field, kind}
		if found[k] == nil {
			found[k] = map[string]bool{}
		}
		found[k][term] = true
	}
	for t := range h.Locations[fieldTitle] {
		add("title", "word", t)
	}
	var subs []string // the article's subheads, once needed
	element := func(ap []uint64) (name, text string, ok bool) {
		kind, i := elementOf(ap)
		switch kind {
		case elemTitle:
			return "title", a.Title, true
		case elemKicker:
			return "kicker", a.Kicker, true
		case elemSubhead:
			if subs == nil {
				subs = subheadsOf(a)
			}
			if i < 0 || i >= len(subs) {
				return "", "", false
			}
			return "subhead", subs[i], true
		}
		if i < 0 || i >= len(a.Paragraphs) || (para >= 0 && i != para) {
			return "", "", false
		}
		return "body", a.Paragraphs[i].Text, true
	}
	type named struct{ name, text string }
	byText := map[named][]span{}
	offsets := map[string][][2]int{}
	for _, locs := range h.Locations[fieldRecall] {
		for _, l := range locs {
			name, text, ok := element(l.ArrayPositions)
			if !ok {
				continue
			}
			offs, seen := offsets[text] // the recall field keeps positions only
			if !seen {
				offs = tokenizer.RecallOffsets(text)
				offsets[text] = offs
			}
			if l.Pos < 1 || int(l.Pos) > len(offs) {
				continue
			}
			byText[named{name, text}] = append(byText[named{name, text}], span{Start: offs[l.Pos-1][0], End: offs[l.Pos-1][1]})
		}
	}
	for nt, ss := range byText {
		for _, s := range highlight.Merge(nt.text, ss) {
			add(nt.name, "substring", tokenizer.Normalize(nt.text[s.Start:s.End]))
		}
	}
	if hl != nil && len(hl.bodyWords) > 0 {
		elems := []named{{"title", a.Title}, {"kicker", a.Kicker}}
		for _, sub := range subheadsOf(a) {
			elems = append(elems, named{"subhead", sub})
		}
		for i, p := range a.Paragraphs {
			if para < 0 || i == para {
				elems = append(elems, named{"body", p.Text})
			}
		}
		for _, e := range elems {
			if e.text == "" {
				continue
			}
			for _, t := range seg.Analyze([]byte(e.text), tokenizer.IndexMode) {
				if hl.bodyWords[t.Term] {
					add(e.name, "word", t.Term)
				}
			}
		}
	}
	var out []Match
	for k, set := range found {
		list := make([]string, 0, len(set))
		for t := range set {
			list = append(list, t)
		}
		sort.Strings(list)
		out = append(out, Match{Field: k.field, Kind: k.kind, Terms: list})
	}
	rank := map[string]int{"title": 0, "kicker": 1, "subhead": 2, "body": 3}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Field != out[j].Field {
			return rank[out[i].Field] < rank[out[j].Field]
		}
		return out[i].Kind > out[j].Kind // word before substring
	})
	return out
}
