package index

import (
	"github.com/blevesearch/bleve/v2/search"
)

// Elements of the recall field.
//
// An article's recall field (bg) holds its title, kicker, subheads and
// paragraphs, each an element with its own positions; bleve keeps each
// location's array positions, which say the element:
//
//	paragraph i   [i]
//	title         [0, 0]
//	kicker        [0, 1]
//	subhead j     [0, 2+j]
//
// A paragraph, by far the most frequent element, costs one byte of array
// position per location; a heading two. A phrase matches within one
// element, and a paragraph hit is derived from the locations in it.

// elemKind is what an element of the recall field is.
type elemKind uint8

const (
	elemParagraph elemKind = iota
	elemTitle
	elemKicker
	elemSubhead
)

// Array positions of the headings (see above).
var (
	apTitle  = []uint64{0, 0}
	apKicker = []uint64{0, 1}
)

func apSubhead(j int) []uint64   { return []uint64{0, uint64(2 + j)} }
func apParagraph(i int) []uint64 { return []uint64{uint64(i)} }

// elementOf reads a location's array positions: the element's kind and,
// for a paragraph or a subhead, its number.
func elementOf(ap []uint64) (elemKind, int) {
	switch {
	case len(ap) == 1:
		return elemParagraph, int(ap[0])
	case len(ap) == 2 && ap[1] == 0:
		return elemTitle, 0
	case len(ap) == 2 && ap[1] == 1:
		return elemKicker, 0
	case len(ap) == 2:
		return elemSubhead, int(ap[1] - 2)
	}
	return elemParagraph, 0 // a field without elements (title): one value
}

// elemKey is a number unique to each element of a document, for ordering
// locations by element and position (key).
func elemKey(ap []uint64) uint64 {
	switch len(ap) {
	case 0:
		return 0
	case 1:
		return ap[0] + 1
	}
	return 1<<24 + ap[1]
}

// elemFilter says which elements of the recall field a phrase may match
// in: all (the zero value), the paragraphs only (body: and paragraph
// search) or the title only (title:).
type elemFilter uint8

const (
	inAll elemFilter = iota
	inBody
	inTitle
)

// admits reports whether a location lies in an element the filter admits.
func (f elemFilter) admits(l *search.Location) bool {
	if f == inAll {
		return true
	}
	k, _ := elementOf(l.ArrayPositions)
	if f == inBody {
		return k == elemParagraph
	}
	return k == elemTitle
}
