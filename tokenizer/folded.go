package tokenizer

import (
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Folded is a text with its folded form (Normalize), made once for
// finding many needles in it and testing whether it holds a word: a page
// of hits folds each of its texts once, not once per use.
type Folded struct {
	text string
	norm string
	m    offsetMap // maps folded offsets back; nil when folding changes nothing
}

// offsetMap maps a byte offset of a folded text, a rune boundary there,
// back to the original text.
type offsetMap interface{ orig(off int) int }

// foldMap is the offsetMap of Fold: folding is rune for rune, and most
// runes keep their length (a traditional character its simplified one,
// A its a), so it keeps only the offsets after each rune whose length
// changes (a full-width comma, 3 bytes, folds to 1), not two offsets a
// rune as normalize does: a page of hits folds whole articles.
type foldMap struct {
	at [][2]int // {offset in the folded text, offset in the original}, increasing
}

func (m *foldMap) orig(off int) int {
	i := sort.Search(len(m.at), func(i int) bool { return m.at[i][0] > off })
	if i == 0 {
		return off
	}
	c := m.at[i-1]
	return c[1] + off - c[0]
}

// foldMapped folds text as normalize does, with a foldMap. The runes
// that fold are few (full-width punctuation, traditional characters), so
// the runs between them are copied whole rather than rune by rune: the
// snippets of a page fold every paragraph they look at.
func foldMapped(text string) (string, *foldMap) {
	var b strings.Builder // String() without a copy
	b.Grow(len(text))
	m := &foldMap{at: make([][2]int, 0, 16)} // a paragraph's punctuation
	run := 0                                 // start of the run of bytes that fold to themselves
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if !folds(r) && (r != utf8.RuneError || size > 1) {
			i += size
			continue
		}
		b.WriteString(text[run:i])
		f := foldRune(r)
		b.WriteRune(f)
		i += size
		run = i
		if utf8.RuneLen(f) != size { // a byte that is not UTF-8 becomes U+FFFD, 3 bytes
			m.at = append(m.at, [2]int{b.Len(), i})
		}
	}
	b.WriteString(text[run:])
	return b.String(), m
}

// Fold folds text.
func Fold(text string) Folded {
	if !foldable(text) {
		return Folded{text: text, norm: text}
	}
	norm, m := foldMapped(text)
	return Folded{text: text, norm: norm, m: m}
}

// NormOffset maps a byte offset of the original text, a rune boundary
// there (or its end), to the folded text.
func (f Folded) NormOffset(off int) int {
	m, ok := f.m.(*foldMap)
	if !ok || m == nil {
		return off
	}
	i := sort.Search(len(m.at), func(i int) bool { return m.at[i][1] > off })
	if i == 0 {
		return off
	}
	c := m.at[i-1]
	return c[0] + off - c[1]
}

// Norm is the folded text.
func (f Folded) Norm() string { return f.norm }

// FindAll is FindAll(text, needles) on the folded text: the byte ranges
// of the original text where the needles occur.
func (f Folded) FindAll(needles []string) [][2]int {
	if f.text == "" || len(needles) == 0 {
		return nil
	}
	return findAll(f.norm, needles, f.m)
}

// MayHold reports whether text can hold needle, a folded text, once text
// is folded: false only when it certainly does not, because text has
// neither the needle's first rune nor any rune that folds to it. It
// reads text without folding it: a page of hits skips the paragraphs
// that cannot hold a query's text before folding any.
func MayHold(text, needle string) bool {
	if needle == "" {
		return true
	}
	c, _ := utf8.DecodeRuneInString(needle)
	if c >= 0x10000 || c == utf8.RuneError { // rare: not worth a table (U+FFFD stands for bytes that are not UTF-8)
		return true
	}
	if strings.ContainsRune(text, c) {
		return true
	}
	for _, r := range unfoldTable()[c] {
		if strings.ContainsRune(text, r) {
			return true
		}
	}
	return false
}

var (
	unfoldOnce sync.Once
	unfold     map[rune][]rune
)

// unfoldTable maps a rune below U+10000 to the runes foldRune maps to it
// (經 and 経 … to 经, Ａ and A to a), built on first use (about 2 ms).
func unfoldTable() map[rune][]rune {
	unfoldOnce.Do(func() {
		unfold = map[rune][]rune{}
		for r := rune(0); r < 0x10000; r++ {
			if folds(r) {
				if f := foldRune(r); f < 0x10000 {
					unfold[f] = append(unfold[f], r)
				}
			}
		}
		for r, f := range t2s { // traditional characters beyond the BMP with a simplified one in it
			if r >= 0x10000 && f < 0x10000 {
				unfold[f] = append(unfold[f], r)
			}
		}
	})
	return unfold
}
