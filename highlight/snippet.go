package highlight

import (
	"html"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// Span is a matched byte range [Start, End) of a text.
type Span struct{ Start, End int }

// Merge drops the spans that hold nothing but a stop word, then sorts
// the others and merges the ones that overlap or touch: a stop word is
// marked only inside a larger match (a phrase's bigrams cover it), never
// because it stands next to a matched word. Spans out of the text are
// dropped. It may reorder spans in place.
func Merge(text string, spans []Span) []Span {
	content := spans[:0:0]
	for _, s := range spans {
		if s.Start < 0 || s.End > len(text) || s.Start >= s.End {
			continue
		}
		if tokenizer.IsStopWord(tokenizer.Normalize(text[s.Start:s.End])) {
			continue
		}
		content = append(content, s)
	}
	spans = content
	if len(spans) == 0 {
		return nil
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].Start != spans[j].Start {
			return spans[i].Start < spans[j].Start
		}
		return spans[i].End > spans[j].End
	})
	out := []Span{spans[0]}
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s.Start <= last.End {
			if s.End > last.End {
				last.End = s.End
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// Distinct counts the different texts (normalised) marked in spans.
func Distinct(text string, spans []Span) int {
	seen := make(map[string]bool, len(spans))
	for _, s := range spans {
		seen[tokenizer.Normalize(text[s.Start:s.End])] = true
	}
	return len(seen)
}

// MarkHTML escapes text[from:to] and wraps the spans (merged, sorted) in
// <mark>. Spans are clipped to the range, so a mark never holds half a
// character.
func MarkHTML(text string, spans []Span, from, to int) string {
	var b strings.Builder
	pos := from
	for _, s := range spans {
		st, en := max(s.Start, from), min(s.End, to)
		if st >= en || st < pos {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:st]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[st:en]))
		b.WriteString("</mark>")
		pos = en
	}
	b.WriteString(html.EscapeString(text[pos:to]))
	return b.String()
}

// isClauseEnd reports the punctuation after which a snippet may be cut.
func isClauseEnd(r rune) bool {
	switch r {
	case '。', '！', '？', '；', '，', ',', ';', '!', '?', '…':
		return true
	}
	return false
}

// clauses returns the byte offsets where clauses of text start, plus the
// end of the text.
func clauses(text string) []int {
	bounds := []int{0}
	for i, r := range text {
		if isClauseEnd(r) {
			end := i + utf8.RuneLen(r)
			if end < len(text) {
				bounds = append(bounds, end)
			}
		}
	}
	return append(bounds, len(text))
}

// Window is a snippet's byte range [From, To) of a text, with the number
// of different texts and of spans it holds whole.
type Window struct {
	From, To int
	Distinct int
	Count    int
}

// Windows finds up to o.Count non-overlapping snippet windows of at most
// o.Len characters in text, best first: cut at clause boundaries where
// possible, holding as many different matches as possible. Spans should
// come from Merge; others are merged first.
func Windows(text string, spans []Span, o Options) []Window {
	maxRunes, n := o.Len, o.Count
	if len(spans) == 0 || n <= 0 {
		return nil
	}
	if !sort.SliceIsSorted(spans, func(a, b int) bool { return spans[a].Start < spans[b].Start }) {
		spans = Merge(text, append([]Span(nil), spans...))
	}
	// spans are sorted and do not overlap (Merge), so their ends are
	// sorted too: the spans of a range are found by binary search, and
	// the work is linear in the clauses, not clauses × spans (a 1 MB
	// paragraph of short clauses, each a match, took minutes).
	firstEndingAfter := func(off int) int { return sort.Search(len(spans), func(k int) bool { return spans[k].End > off }) }
	firstStartingAt := func(off int) int { return sort.Search(len(spans), func(k int) bool { return spans[k].Start >= off }) }
	cs := clauses(text)
	// runeAt[k] is the rune index of cs[k]: a window's length in runes is
	// a subtraction, not a count (a count per step made growing a window
	// over many short clauses quadratic in the window).
	runeAt := make([]int, len(cs))
	for k := 1; k < len(cs); k++ {
		runeAt[k] = runeAt[k-1] + utf8.RuneCountInString(text[cs[k-1]:cs[k]])
	}
	runes := func(a, b int) int { return runeAt[b] - runeAt[a] }
	var cands []Window
	for i := 0; i+1 < len(cs); i++ {
		// only windows that start at a clause holding a match
		if k := firstEndingAfter(cs[i]); k == len(spans) || spans[k].Start >= cs[i+1] {
			continue
		}
		from, to := cs[i], cs[i+1]
		if runes(i, i+1) > maxRunes {
			from, to = centre(o.Seg, text, spans, cs[i], cs[i+1], maxRunes)
		} else {
			j := i + 1
			for j+1 < len(cs) && runes(i, j+1) <= maxRunes {
				j++
				to = cs[j]
			}
			k := i
			for k > 0 && runes(k-1, j) <= maxRunes {
				k--
				from = cs[k]
			}
		}
		var in []Span
		for k := firstStartingAt(from); k < len(spans) && spans[k].Start < to; k++ {
			if spans[k].End <= to {
				in = append(in, spans[k])
			}
		}
		cands = append(cands, Window{From: from, To: to, Distinct: Distinct(text, in), Count: len(in)})
	}
	sort.SliceStable(cands, func(a, b int) bool {
		if cands[a].Distinct != cands[b].Distinct {
			return cands[a].Distinct > cands[b].Distinct
		}
		if cands[a].Count != cands[b].Count {
			return cands[a].Count > cands[b].Count
		}
		return cands[a].From < cands[b].From
	})
	var out []Window
	for _, c := range cands {
		overlap := false
		for _, w := range out {
			if c.From < w.To && w.From < c.To {
				overlap = true
				break
			}
		}
		if !overlap {
			out = append(out, c)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// centre cuts a window of at most maxRunes characters out of text[from:to]
// around the first span inside it. Both ends fall on word boundaries (wordCuts),
// so a snippet never shows half a word (…科技型企… of 科技型企业) nor marks
// half a match; the window shrinks to the nearest boundary rather than grow.
func centre(seg *tokenizer.Segmenter, text string, spans []Span, from, to, maxRunes int) (int, int) {
	anchor, anchorEnd := from, from
	if k := sort.Search(len(spans), func(k int) bool { return spans[k].Start >= from }); k < len(spans) && spans[k].Start < to {
		anchor, anchorEnd = spans[k].Start, spans[k].End
	}
	// start a quarter of the window before the match
	start := runesBack(text, anchor, maxRunes/4, from)
	end := runesForward(text, start, maxRunes, to)
	if start == from && end == to {
		return start, end
	}
	const margin = 16 // characters of context the segmenter sees past a cut
	cut := wordCuts(seg, text, spans, from, to, runesBack(text, start, margin, from), runesForward(text, end, margin, to))
	// The start moves towards the match to the first boundary; when the
	// match itself starts inside a word, to the boundary before the start.
	s := start
	for s < anchor && !cut(s) {
		s = runesForward(text, s, 1, to)
	}
	if !cut(s) {
		for s = start; s > from && !cut(s); {
			s = runesBack(text, s, 1, from)
		}
		if !cut(s) {
			s = start
		}
	}
	if s != start {
		start, end = s, runesForward(text, s, maxRunes, to)
	}
	// The end moves back to the last boundary after the match.
	e := end
	for e > anchorEnd && e > start && !cut(e) {
		e = runesBack(text, e, 1, start)
	}
	if cut(e) && e > start {
		end = e
	}
	return start, end
}

// runesBack steps n characters back from i, not past lo.
func runesBack(text string, i, n, lo int) int {
	for k := 0; k < n && i > lo; k++ {
		_, size := utf8.DecodeLastRuneInString(text[:i])
		i -= size
	}
	return i
}

// runesForward steps n characters on from i, not past hi.
func runesForward(text string, i, n, hi int) int {
	for k := 0; k < n && i < hi; k++ {
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return i
}

// wordCuts reports where a snippet of text may be cut: at from and to (the
// clause's ends), and between lo and hi anywhere that is neither inside a
// word of the segmenter's precise mode (the analyzers' words) nor inside a
// span. Offsets outside lo..hi, which it has not segmented, are not cuts.
// Without a segmenter (nil) only spans are kept whole.
func wordCuts(seg *tokenizer.Segmenter, text string, spans []Span, from, to, lo, hi int) func(int) bool {
	inside := map[int]bool{} // byte offsets strictly inside a word or span
	mark := func(a, b int) {
		for i := a + 1; i < b; i++ {
			inside[i] = true
		}
	}
	// Only the two edges are segmented (the cuts move a few characters
	// at most): a hit's snippets cost two short segmentations, not one of
	// the whole window (160 characters a snippet, ten hits a page).
	const edge = 48
	if seg != nil {
		a := runesForward(text, lo, edge, hi)
		b := max(a, runesBack(text, hi, edge, lo))
		for _, r := range [][2]int{{lo, a}, {b, hi}} {
			if r[0] >= r[1] {
				continue
			}
			for _, t := range seg.Analyze([]byte(text[r[0]:r[1]]), tokenizer.QueryMode) {
				mark(r[0]+t.Start, r[0]+t.End)
			}
		}
		if a < b { // between the edges: no cut
			mark(a-1, b+1)
		}
	}
	for _, s := range spans {
		if s.End > lo && s.Start < hi {
			mark(s.Start, s.End)
		}
	}
	return func(i int) bool {
		if i == from || i == to {
			return true
		}
		return i > lo && i < hi && !inside[i] && utf8.RuneStart(text[i])
	}
}

// Render renders a window of text with its marks, and an ellipsis where
// it cuts the text.
func Render(text string, spans []Span, w Window) string {
	s := MarkHTML(text, spans, w.From, w.To)
	if w.From > 0 {
		s = "…" + s
	}
	if w.To < len(text) {
		s += "…"
	}
	return s
}

// Lead is the opening of a text, for hits that match nothing in it (only
// in the title): whole clauses up to o.Len characters, else a cut on a
// word boundary.
func Lead(text string, o Options) string {
	maxRunes := o.Len
	cs := clauses(text)
	to := 0
	for j := 1; j < len(cs); j++ {
		if utf8.RuneCountInString(text[:cs[j]]) > maxRunes {
			break
		}
		to = cs[j]
	}
	if to == 0 {
		_, to = centre(o.Seg, text, nil, 0, len(text), maxRunes)
	}
	return Render(text, nil, Window{From: 0, To: to})
}

// Snippets are up to o.Count rendered windows of text around spans (from
// Merge), best first, or its Lead when no window holds a match.
func Snippets(text string, spans []Span, o Options) []string {
	out := []string{}
	for _, w := range Windows(text, spans, o) {
		out = append(out, Render(text, spans, w))
	}
	if len(out) == 0 && o.Count > 0 {
		out = append(out, Lead(text, o))
	}
	return out
}
