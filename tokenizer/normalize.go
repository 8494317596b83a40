package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalized is a text folded for analysis together with the map back to the
// original bytes. Folding is rune-for-rune, so the i-th rune of norm comes
// from the i-th rune of the original text.
type normalized struct {
	norm []byte
	// normStart[i] and origStart[i] are the byte offsets of rune i in norm
	// and in the original; both have one extra entry for the end.
	normStart []int
	origStart []int
}

// foldRune maps one rune to its search form: full-width ASCII to half-width,
// the ideographic space to a space, letters lower-cased, traditional Chinese
// characters to simplified ones.
func foldRune(r rune) rune {
	if !folds(r) {
		return r // most runes: one bit test instead of a map lookup
	}
	return foldRuneSlow(r)
}

// folds reports whether foldRune changes r: a bit of foldsBMP below
// U+10000.
func folds(r rune) bool {
	if r < 0x10000 {
		return foldsBMP[r>>6]&(1<<(r&63)) != 0
	}
	return foldRuneSlow(r) != r
}

// foldRuneSlow is foldRune without the table of runes that fold.
func foldRuneSlow(r rune) rune {
	switch {
	case r == 0x3000:
		return ' '
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	}
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if s, ok := t2s[r]; ok {
		return s
	}
	return unicode.ToLower(r)
}

// normalize folds text rune by rune. Invalid UTF-8 bytes become U+FFFD in
// the folded text but still map back to their one original byte.
func normalize(text []byte) normalized {
	n := normalized{
		norm:      make([]byte, 0, len(text)),
		normStart: make([]int, 0, len(text)/2+1),
		origStart: make([]int, 0, len(text)/2+1),
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		n.normStart = append(n.normStart, len(n.norm))
		n.origStart = append(n.origStart, i)
		n.norm = utf8.AppendRune(n.norm, foldRune(r))
		i += size
	}
	n.normStart = append(n.normStart, len(n.norm))
	n.origStart = append(n.origStart, len(text))
	return n
}

// orig maps a byte offset of the folded text, which must be a rune boundary
// there, back to the original text.
func (n *normalized) orig(off int) int {
	lo, hi := 0, len(n.normStart)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if n.normStart[mid] < off {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return n.origStart[lo]
}

// Normalize returns the search form of s: the same fold the analyzers apply
// before segmentation.
func Normalize(s string) string {
	if !foldable(s) {
		return s
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		out = utf8.AppendRune(out, foldRune(r))
	}
	return string(out)
}

// FindAll returns the byte ranges of text where any of needles occurs once
// both are folded (Normalize): 经济 is found in 經濟, 5g in ５Ｇ. The ranges
// are offsets into text as given, in order of needle then position; empty
// needles are skipped. A needle's Latin or digit end must be the end of a
// run in text too (runs.go): 5G is not found inside 3.5GHz. Highlighting
// uses it to mark what a query matched without asking the index for term
// locations.
func FindAll(text string, needles []string) [][2]int {
	if text == "" || len(needles) == 0 {
		return nil
	}
	if !foldable(text) { // folding would change nothing: search text itself
		return findAll(text, needles, nil)
	}
	norm, m := foldMapped(text)
	return findAll(norm, needles, m)
}

// findAll finds the folded needles in norm, a folded text; m maps its
// offsets back to the original, or is nil when norm is the original.
func findAll(norm string, needles []string, m offsetMap) [][2]int {
	var out [][2]int
	for _, needle := range needles {
		nd := Normalize(needle)
		if nd == "" {
			continue
		}
		for from := 0; from < len(norm); {
			i := indexFrom(norm, nd, from)
			if i < 0 {
				break
			}
			switch {
			case !wholeRun(norm, i, i+len(nd)): // 5g inside 3.5ghz (runs.go)
			case m != nil:
				out = append(out, [2]int{m.orig(i), m.orig(i + len(nd))})
			default:
				out = append(out, [2]int{i, i + len(nd)})
			}
			_, size := utf8.DecodeRuneInString(norm[i:])
			from = i + size
		}
	}
	return out
}

// foldable reports whether folding would change text: a rune foldRune
// maps elsewhere, or a byte that is not UTF-8. Most news text has
// neither, and FindAll then skips building the folded copy and its
// offset maps (4.7 % of the CPU of the protocol's highlighted queries).
func foldable(text string) bool {
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			if r, size = utf8.DecodeRuneInString(text[i:]); r == utf8.RuneError && size == 1 {
				return true
			}
		}
		if folds(r) {
			return true
		}
		i += size
	}
	return false
}

// foldsBMP has a bit set for each rune below U+10000 that foldRune
// changes; built once at start-up from foldRuneSlow (65,536 calls,
// 1.2-1.5 ms measured).
var foldsBMP = func() (t [1 << 10]uint64) {
	for r := rune(0); r < 0x10000; r++ {
		if foldRuneSlow(r) != r {
			t[r>>6] |= 1 << (r & 63)
		}
	}
	return t
}()

func indexFrom(s, sub string, from int) int {
	i := strings.Index(s[from:], sub)
	if i < 0 {
		return -1
	}
	return from + i
}
