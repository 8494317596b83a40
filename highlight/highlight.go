package highlight

import (
	"sort"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// Options say how a hit's snippets are cut.
type Options struct {
	Len   int // at most this many characters a snippet
	Count int // at most this many snippets a hit
	// Seg finds the word boundaries where a window that is not whole
	// clauses may be cut (its precise mode, the analyzers' words); nil
	// keeps only the marks whole.
	Seg *tokenizer.Segmenter
}

// Query is what a query marks in a document.
type Query struct {
	// Spans are the byte ranges of element i of d (the title for -1)
	// where the query's texts occur, in any order, overlapping or not;
	// Find makes one from the texts. Nil marks nothing.
	Spans func(d *Doc, i int) []Span
	// Wholes are the query's words and phrases that the analyzer splits
	// into parts (二七经开区 into 二七 and 经开区), normalised: where the
	// document holds a whole, a part alone is not marked (Marker).
	Wholes []string
}

// spans is q.Spans of element i, merged (Merge).
func (q Query) spans(d *Doc, i int) []Span {
	if q.Spans == nil {
		return nil
	}
	return Merge(d.Raw(i), q.Spans(d, i))
}

// Find is the Spans of a query that looks for texts (normalised,
// tokenizer.Normalize) everywhere: their occurrences in the folded
// element, so 經濟 is found for 经济. An element that cannot hold any of
// them is not folded.
func Find(texts ...string) func(d *Doc, i int) []Span {
	return func(d *Doc, i int) []Span {
		if !d.MayHold(i, texts...) {
			return nil
		}
		return Spans(d.Text(i).FindAll(texts))
	}
}

// Spans converts byte ranges (tokenizer.FindAll's) to spans.
func Spans(ranges [][2]int) []Span {
	out := make([]Span, len(ranges))
	for i, r := range ranges {
		out[i] = Span{r[0], r[1]}
	}
	return out
}

// Result is what a reader sees of a hit's text.
type Result struct {
	TitleHTML string // the title, escaped, with its marks
	// Paragraphs are the paragraphs that hold marks, best first (Article
	// only): the most different texts marked, then the most marks.
	Paragraphs []int
	Snippets   []string // escaped HTML with marks; never nil
}

// Article marks a hit that is a whole article: its title, and snippets of
// its best paragraphs (Paragraphs), one window each, up to o.Count; the
// lead of its first paragraph when none holds a mark.
func Article(d *Doc, q Query, o Options) Result {
	m := NewMarker(d, q.Wholes)
	res := Result{TitleHTML: title(d, q, m), Snippets: []string{}}
	// rank the paragraphs by what they match, whole-query matches first
	type scored struct {
		i, distinct, count, rawDistinct, rawCount int
		spans                                     []Span
	}
	var ps []scored
	for i, text := range d.paras {
		raw := q.spans(d, i)
		if len(raw) == 0 {
			continue
		}
		spans := m.Precise(d.Text(i), raw)
		ps = append(ps, scored{i, Distinct(text, spans), len(spans), Distinct(text, raw), len(raw), spans})
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
	res.Paragraphs = make([]int, len(ps))
	for i, p := range ps {
		res.Paragraphs[i] = p.i
	}
	one := o
	one.Count = 1
	for _, p := range ps {
		if len(res.Snippets) >= o.Count {
			break
		}
		text := d.paras[p.i]
		if ws := Windows(text, p.spans, one); len(ws) > 0 {
			res.Snippets = append(res.Snippets, Render(text, p.spans, ws[0]))
		}
	}
	if len(res.Snippets) == 0 && o.Count > 0 && len(d.paras) > 0 {
		res.Snippets = append(res.Snippets, Lead(d.paras[0], o))
	}
	return res
}

// Paragraph marks a hit that is paragraph i of d: the title, and up to
// o.Count snippets of the paragraph (Snippets).
func Paragraph(d *Doc, q Query, i int, o Options) Result {
	m := NewMarker(d, q.Wholes)
	spans := m.Precise(d.Text(i), q.spans(d, i))
	return Result{TitleHTML: title(d, q, m), Snippets: Snippets(d.paras[i], spans, o)}
}

// title is d's title marked.
func title(d *Doc, q Query, m Marker) string {
	spans := m.Precise(d.Text(-1), q.spans(d, -1))
	return MarkHTML(d.title, spans, 0, len(d.title))
}
