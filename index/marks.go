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

func newMarker(ft foldedTexts, wholes []string) marker {
	var m marker
	if len(wholes) == 0 {
		return m
	}
	for _, w := range wholes {
		for _, t := range ft.all {
			if strings.Contains(t.Norm(), w) {
				m.present = append(m.present, w)
				break
			}
		}
	}
	return m
}

// foldedTexts are an article's title and paragraphs, folded once for the
// marks of its hit.
type foldedTexts struct {
	title foldedText
	paras []foldedText
	all   []tokenizer.Folded // title first
}

type foldedText = tokenizer.Folded

func foldArticle(a *article.Article) foldedTexts {
	ft := foldedTexts{title: tokenizer.Fold(a.Title), paras: make([]foldedText, len(a.Paragraphs))}
	ft.all = make([]tokenizer.Folded, 0, len(a.Paragraphs)+1)
	ft.all = append(ft.all, ft.title)
	for i, p := range a.Paragraphs {
		ft.paras[i] = tokenizer.Fold(p.Text)
		ft.all = append(ft.all, ft.paras[i])
	}
	return ft
}

// precise drops the spans of text that are strict parts of a whole query
// word the article holds.
func (m marker) precise(text string, spans []span) []span {
	if len(m.present) == 0 || len(spans) == 0 {
		return spans
	}
	var norm string
	var at []int // at[i]: offset in norm of byte i of text (rune starts)
	out := make([]span, 0, len(spans))
	for _, s := range spans {
		t := tokenizer.Normalize(text[s.start:s.end])
		part := false
		for _, w := range m.present {
			if t != w && strings.Contains(w, t) {
				if at == nil {
					norm, at = normalizedOffsets(text)
				}
				// a part inside an occurrence of the whole here is kept:
				// the parts of COVID-19 do not touch, so they never merge
				// into one span that is the whole.
				part = !insideOccurrence(norm, w, at[s.start], at[s.end])
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

// normalizedOffsets folds text as the analyzers do and maps the byte
// offsets of text's runes (and its end) to offsets in the folded text.
func normalizedOffsets(text string) (string, []int) {
	at := make([]int, len(text)+1)
	var b strings.Builder
	for i, r := range text {
		at[i] = b.Len()
		b.WriteString(tokenizer.Normalize(string(r)))
	}
	at[len(text)] = b.Len()
	return b.String(), at
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
func explain(h *search.DocumentMatch, a *article.Article, para int, hl *highlight, seg *tokenizer.Segmenter) []Match {
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
