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

func newMarker(a *article.Article, wholes []string) marker {
	var m marker
	if len(wholes) == 0 {
		return m
	}
	texts := []string{tokenizer.Normalize(a.Title)}
	for _, p := range a.Paragraphs {
		texts = append(texts, tokenizer.Normalize(p.Text))
	}
	for _, w := range wholes {
		for _, t := range texts {
			if strings.Contains(t, w) {
				m.present = append(m.present, w)
				break
			}
		}
	}
	return m
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
	for from := max(0, end-len(w)); from <= start && from < len(norm); {
		i := strings.Index(norm[from:], w)
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

// explain reports which terms matched in which field of a hit: words by
// their indexed term, substring matches by the text they covered. Body
// words have no term locations (newMapping): they are the query's body
// words (hl) among the terms the index analysis (seg) makes of the body
// text, the hit's paragraph for a paragraph hit (para ≥ 0).
func explain(h *search.DocumentMatch, a *article.Article, para int, hl *highlight, seg *tokenizer.Segmenter) []Match {
	names := map[string]struct{ name, kind string }{
		fieldTitle:      {"title", "word"},
		fieldTitleBG:    {"title", "substring"},
		fieldBody:       {"body", "word"},
		fieldBodyBG:     {"body", "substring"},
		fieldSubheads:   {"subhead", "word"},
		fieldSubheadsBG: {"subhead", "substring"},
		fieldParaBody:   {"body", "word"},
		fieldParaBodyBG: {"body", "substring"},
		fieldKicker:     {"kicker", "word"},
		fieldKickerBG:   {"kicker", "substring"},
	}
	var out []Match
	for field, terms := range h.Locations {
		n, ok := names[field]
		if !ok {
			continue
		}
		seen := map[string]bool{}
		var list []string
		if n.kind == "word" {
			for t := range terms {
				seen[t] = true
				list = append(list, t)
			}
		} else {
			byText := map[string][]span{}
			offsets := map[string][][2]int{} // of texts, for locations without
			var subs []string                // the article's subheads, once needed
			for _, locs := range terms {
				for _, l := range locs {
					text := a.Title
					switch field {
					case fieldKickerBG:
						text = a.Kicker
					case fieldSubheadsBG:
						if subs == nil {
							subs = subheadsOf(a)
						}
						if len(l.ArrayPositions) == 0 || int(l.ArrayPositions[0]) >= len(subs) {
							continue
						}
						text = subs[l.ArrayPositions[0]]
					case fieldBodyBG, fieldParaBodyBG:
						i := para
						if para < 0 && len(l.ArrayPositions) > 0 {
							i = int(l.ArrayPositions[0])
						}
						if i < 0 || i >= len(a.Paragraphs) {
							continue
						}
						text = a.Paragraphs[i].Text
					}
					start, end := int(l.Start), int(l.End)
					if end <= start { // the recall fields keep positions only
						offs, ok := offsets[text]
						if !ok {
							offs = tokenizer.RecallOffsets(text)
							offsets[text] = offs
						}
						if l.Pos < 1 || int(l.Pos) > len(offs) {
							continue
						}
						start, end = offs[l.Pos-1][0], offs[l.Pos-1][1]
					}
					byText[text] = append(byText[text], span{start, end})
				}
			}
			for text, ss := range byText {
				for _, s := range mergeSpans(text, ss) {
					t := tokenizer.Normalize(text[s.start:s.end])
					if !seen[t] {
						seen[t] = true
						list = append(list, t)
					}
				}
			}
		}
		if len(list) == 0 {
			continue
		}
		sort.Strings(list)
		out = append(out, Match{Field: n.name, Kind: n.kind, Terms: list})
	}
	_, located := h.Locations[fieldBody]
	if _, ok := h.Locations[fieldParaBody]; ok {
		located = true
	}
	if !located && hl != nil && len(hl.bodyWords) > 0 { // an index built before keeps them
		if list := bodyWords(a, para, hl.bodyWords, seg); len(list) > 0 {
			out = append(out, Match{Field: "body", Kind: "word", Terms: list})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Field != out[j].Field {
			return out[i].Field > out[j].Field // title before body
		}
		return out[i].Kind > out[j].Kind // word before substring
	})
	return out
}

// bodyWords lists, sorted, the terms of want that the index analysis makes
// of an article's body, or of its paragraph para when para ≥ 0.
func bodyWords(a *article.Article, para int, want map[string]bool, seg *tokenizer.Segmenter) []string {
	seen := map[string]bool{}
	var list []string
	for i, p := range a.Paragraphs {
		if para >= 0 && i != para {
			continue
		}
		for _, t := range seg.Analyze([]byte(p.Text), tokenizer.IndexMode) {
			if want[t.Term] && !seen[t.Term] {
				seen[t.Term] = true
				list = append(list, t.Term)
			}
		}
	}
	sort.Strings(list)
	return list
}
