package index

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"

	"github.com/zhsearch/zhsearch/article"
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

// marker sharpens the marks of one hit: a span that is only a part of a
// query word (二七 of 二七经开区) is not marked when the article holds the
// whole word somewhere, so 二七店 stays unmarked next to 二七经开区.
type marker struct {
	present []string // whole query words the article holds
}

func newMarker(ft *foldedTexts, wholes []string) marker {
	var m marker
	if len(wholes) == 0 {
		return m
	}
	for _, w := range wholes {
		for i := -1; i < len(ft.paras); i++ {
			if ft.mayHold(i, w) && strings.Contains(ft.text(i).Norm(), w) {
				m.present = append(m.present, w)
				break
			}
		}
	}
	return m
}

// foldedTexts are an article's title and paragraphs, each folded once,
// when first needed, for the marks of its hit: most paragraphs of a hit
// cannot hold the query's texts (tokenizer.MayHold), and are never folded.
type foldedTexts struct {
	a     *article.Article
	title foldedText
	paras []*foldedText // nil until folded
}

type foldedText = tokenizer.Folded

func foldArticle(a *article.Article) *foldedTexts {
	return &foldedTexts{a: a, title: tokenizer.Fold(a.Title), paras: make([]*foldedText, len(a.Paragraphs))}
}

// raw is element i's text: the title for -1, else paragraph i.
func (ft *foldedTexts) raw(i int) string {
	if i < 0 {
		return ft.a.Title
	}
	return ft.a.Paragraphs[i].Text
}

// text is element i folded: the title for -1, else paragraph i.
func (ft *foldedTexts) text(i int) foldedText {
	if i < 0 {
		return ft.title
	}
	if ft.paras[i] == nil {
		f := tokenizer.Fold(ft.a.Paragraphs[i].Text)
		ft.paras[i] = &f
	}
	return *ft.paras[i]
}

// mayHold reports whether element i can hold any of needles (folded).
func (ft *foldedTexts) mayHold(i int, needles ...string) bool {
	for _, n := range needles {
		if tokenizer.MayHold(ft.raw(i), n) {
			return true
		}
	}
	return false
}

// precise drops the spans of f's text that are strict parts of a whole
// query word the article holds.
func (m marker) precise(f foldedText, spans []span) []span {
	if len(m.present) == 0 || len(spans) == 0 {
		return spans
	}
	norm := f.Norm()
	out := make([]span, 0, len(spans))
	for _, s := range spans {
		start, end := f.NormOffset(s.start), f.NormOffset(s.end)
		t := norm[start:end]
		part := false
		for _, w := range m.present {
			if t != w && strings.Contains(w, t) {
				// a part inside an occurrence of the whole here is kept:
				// the parts of COVID-19 do not touch, so they never merge
				// into one span that is the whole.
				part = !insideOccurrence(norm, w, start, end)
				if part {
					break
				}
			}
		}
		if !part {
			out = append(out, s)
		}
	}
	return out
}

// insideOccurrence reports whether norm[start:end] lies inside an
// occurrence of w in norm.
func insideOccurrence(norm, w string, start, end int) bool {
	// an occurrence covering [start, end) starts at or before start, so
	// the search never reads past start+len(w): linear in the text
	limit := min(len(norm), start+len(w))
	for from := max(0, end-len(w)); from <= start && from < limit; {
		i := strings.Index(norm[from:limit], w)
		if i < 0 {
			return false
		}
		i += from
		if i > start {
			return false
		}
		if i+len(w) >= end {
			return true
		}
		from = i + 1
	}
	return false
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
			byText[named{name, text}] = append(byText[named{name, text}], span{offs[l.Pos-1][0], offs[l.Pos-1][1]})
		}
	}
	for nt, ss := range byText {
		for _, s := range mergeSpans(nt.text, ss) {
			add(nt.name, "substring", tokenizer.Normalize(nt.text[s.start:s.end]))
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
