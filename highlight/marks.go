package highlight

import (
	"strings"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// Doc is the text of a hit: an article's title and paragraphs, each
// folded (tokenizer.Fold) once, when first needed, for its marks: most
// paragraphs of a hit cannot hold the query's texts (MayHold), and are
// never folded. Element -1 is the title, element i ≥ 0 paragraph i.
type Doc struct {
	title  string
	paras  []string
	ftitle tokenizer.Folded
	folded []*tokenizer.Folded // nil until folded
}

// NewDoc makes the Doc of a title and its paragraphs; the title is
// folded at once (every hit marks its title).
func NewDoc(title string, paras []string) *Doc {
	return &Doc{title: title, paras: paras, ftitle: tokenizer.Fold(title), folded: make([]*tokenizer.Folded, len(paras))}
}

// Raw is element i's text: the title for -1, else paragraph i.
func (d *Doc) Raw(i int) string {
	if i < 0 {
		return d.title
	}
	return d.paras[i]
}

// Text is element i folded: the title for -1, else paragraph i.
func (d *Doc) Text(i int) tokenizer.Folded {
	if i < 0 {
		return d.ftitle
	}
	if d.folded[i] == nil {
		f := tokenizer.Fold(d.paras[i])
		d.folded[i] = &f
	}
	return *d.folded[i]
}

// MayHold reports whether element i can hold any of needles (folded):
// false only when it certainly holds none (tokenizer.MayHold).
func (d *Doc) MayHold(i int, needles ...string) bool {
	for _, n := range needles {
		if tokenizer.MayHold(d.Raw(i), n) {
			return true
		}
	}
	return false
}

// Marker sharpens the marks of one hit: a span that is only a part of a
// query word (二七 of 二七经开区) is not marked when the document holds
// the whole word somewhere, so 二七店 stays unmarked next to 二七经开区.
type Marker struct {
	present []string // whole query words the document holds
}

// NewMarker is the Marker of d for the query's whole words (normalised):
// those of its words and phrases that the analyzer splits into parts.
func NewMarker(d *Doc, wholes []string) Marker {
	var m Marker
	if len(wholes) == 0 {
		return m
	}
	for _, w := range wholes {
		for i := -1; i < len(d.paras); i++ {
			if d.MayHold(i, w) && strings.Contains(d.Text(i).Norm(), w) {
				m.present = append(m.present, w)
				break
			}
		}
	}
	return m
}

// Precise drops the spans of f's text that are strict parts of a whole
// query word the document holds.
func (m Marker) Precise(f tokenizer.Folded, spans []Span) []Span {
	if len(m.present) == 0 || len(spans) == 0 {
		return spans
	}
	norm := f.Norm()
	out := make([]Span, 0, len(spans))
	for _, s := range spans {
		start, end := f.NormOffset(s.Start), f.NormOffset(s.End)
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
