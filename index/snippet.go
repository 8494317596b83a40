package index

import (
	"html"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// span is a matched byte range of a text.
type span struct{ start, end int }

// mergeSpans drops the spans that hold nothing but a stop word, then sorts
// the others and merges the ones that overlap or touch: a stop word is
// marked only inside a larger match (a phrase's bigrams cover it), never
// because it stands next to a matched word.
func mergeSpans(text string, spans []span) []span {
	content := spans[:0:0]
	for _, s := range spans {
		if s.start < 0 || s.end > len(text) || s.start >= s.end {
			continue
		}
		if tokenizer.IsStopWord(tokenizer.Normalize(text[s.start:s.end])) {
			continue
		}
		content = append(content, s)
	}
	spans = content
	if len(spans) == 0 {
		return nil
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].start != spans[j].start {
			return spans[i].start < spans[j].start
		}
		return spans[i].end > spans[j].end
	})
	out := []span{spans[0]}
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s.start <= last.end {
			if s.end > last.end {
				last.end = s.end
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// distinctMatches counts the different texts marked in spans.
func distinctMatches(text string, spans []span) int {
	seen := make(map[string]bool, len(spans))
	for _, s := range spans {
		seen[tokenizer.Normalize(text[s.start:s.end])] = true
	}
	return len(seen)
}

// markHTML escapes text[from:to] and wraps the spans in <mark>. Spans are
// clipped to the range, so a mark never holds half a character.
func markHTML(text string, spans []span, from, to int) string {
	var b strings.Builder
	pos := from
	for _, s := range spans {
		st, en := max(s.start, from), min(s.end, to)
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
	return strings.ContainsRune("。！？；，,;!?…", r)
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

type window struct {
	from, to int
	distinct int
	count    int
}

// windows finds up to n non-overlapping snippet windows of at most
// maxRunes characters in text, best first: cut at clause boundaries where
// possible, holding as many different matches as possible.
func windows(text string, spans []span, maxRunes, n int) []window {
	if len(spans) == 0 || n <= 0 {
		return nil
	}
	if !sort.SliceIsSorted(spans, func(a, b int) bool { return spans[a].start < spans[b].start }) {
		spans = mergeSpans(text, append([]span(nil), spans...))
	}
	// spans are sorted and do not overlap (mergeSpans), so their ends are
	// sorted too: the spans of a range are found by binary search, and
	// the work is linear in the clauses, not clauses × spans (a 1 MB
	// paragraph of short clauses, each a match, took minutes).
	firstEndingAfter := func(off int) int { return sort.Search(len(spans), func(k int) bool { return spans[k].end > off }) }
	firstStartingAt := func(off int) int { return sort.Search(len(spans), func(k int) bool { return spans[k].start >= off }) }
	cs := clauses(text)
	// runeAt[k] is the rune index of cs[k]: a window's length in runes is
	// a subtraction, not a count (a count per step made growing a window
	// over many short clauses quadratic in the window).
	runeAt := make([]int, len(cs))
	for k := 1; k < len(cs); k++ {
		runeAt[k] = runeAt[k-1] + utf8.RuneCountInString(text[cs[k-1]:cs[k]])
	}
	runes := func(a, b int) int { return runeAt[b] - runeAt[a] }
	var cands []window
	for i := 0; i+1 < len(cs); i++ {
		// only windows that start at a clause holding a match
		if k := firstEndingAfter(cs[i]); k == len(spans) || spans[k].start >= cs[i+1] {
			continue
		}
		from, to := cs[i], cs[i+1]
		if runes(i, i+1) > maxRunes {
			from, to = centre(text, spans, cs[i], cs[i+1], maxRunes)
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
		var in []span
		for k := firstStartingAt(from); k < len(spans) && spans[k].start < to; k++ {
			if spans[k].end <= to {
				in = append(in, spans[k])
			}
		}
		cands = append(cands, window{from: from, to: to, distinct: distinctMatches(text, in), count: len(in)})
	}
	sort.SliceStable(cands, func(a, b int) bool {
		if cands[a].distinct != cands[b].distinct {
			return cands[a].distinct > cands[b].distinct
		}
		if cands[a].count != cands[b].count {
			return cands[a].count > cands[b].count
		}
		return cands[a].from < cands[b].from
	})
	var out []window
	for _, c := range cands {
		overlap := false
		for _, o := range out {
			if c.from < o.to && o.from < c.to {
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

// centre cuts a window of maxRunes characters out of text[from:to] around
// the first span inside it, on rune boundaries.
func centre(text string, spans []span, from, to, maxRunes int) (int, int) {
	anchor := from
	if k := sort.Search(len(spans), func(k int) bool { return spans[k].start >= from }); k < len(spans) && spans[k].start < to {
		anchor = spans[k].start
	}
	// start a quarter of the window before the match
	start := anchor
	for k := 0; k < maxRunes/4 && start > from; k++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	end := start
	for k := 0; k < maxRunes && end < to; k++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	return start, end
}

// renderWindow renders a window with an ellipsis where it cuts the text.
func renderWindow(text string, spans []span, w window) string {
	s := markHTML(text, spans, w.from, w.to)
	if w.from > 0 {
		s = "…" + s
	}
	if w.to < len(text) {
		s += "…"
	}
	return s
}

// leadSnippet is the opening of a text, for hits that matched only in the
// title: whole clauses up to maxRunes characters.
func leadSnippet(text string, maxRunes int) string {
	cs := clauses(text)
	to := 0
	for j := 1; j < len(cs); j++ {
		if utf8.RuneCountInString(text[:cs[j]]) > maxRunes {
			break
		}
		to = cs[j]
	}
	if to == 0 {
		_, to = centre(text, nil, 0, len(text), maxRunes)
	}
	return renderWindow(text, nil, window{from: 0, to: to})
}
