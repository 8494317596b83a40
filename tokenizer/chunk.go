package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// Bounded segmentation.
//
// gse's Cut is not linear in its input: its DAG and HMM passes over a run
// without a dictionary word (300,000 "a", "ab ab ab …", 60 KB of English
// words, 349,000 中) took seconds to minutes, growing with the square of
// the run. Analyze therefore hands gse the text in chunks of at most
// MaxChunkRunes runes, cut where no word can cross: after a space or a
// punctuation mark, else where Han characters meet other letters, else
// (a run with no break at all) at the bound itself. Text is cut only
// when a chunk would pass the bound, at its last break, so a clause of
// ordinary news text reaches gse whole. gse's HMM copies its whole path
// at every character (hmm.Viterbi), so the bound is small.

// MaxChunkRunes is the most runes Analyze hands gse's Cut at once.
const MaxChunkRunes = 64

// maxSubwordRunes bounds the sub-words looked for inside a word: longer
// than the longest dictionary word the segmenter accepts (32 runes, and
// gse's own dictionary is shorter), so no dictionary word is missed.
const maxSubwordRunes = 64

// breakAfter reports whether a chunk may end after r: a space, or a
// punctuation mark that does not join the parts of a word (3.14, COVID-19,
// O'Neil, 卡尔·马克思, AT&T, a/b, snake_case).
func breakAfter(r rune) bool {
	if unicode.IsSpace(r) {
		return true
	}
	switch r {
	case '.', '-', '\'', '·', '&', '/', '_', '+', '#', '@', '%', '・', '‧', '’':
		return false
	}
	return unicode.IsPunct(r) || unicode.IsSymbol(r)
}

// chunk is a byte range of the folded text handed to gse at once.
type chunk struct{ start, end int }

// chunks cuts norm into chunks of at most MaxChunkRunes runes each,
// covering it in order.
func chunks(norm string) []chunk {
	if utf8.RuneCountInString(norm) <= MaxChunkRunes {
		return []chunk{{0, len(norm)}}
	}
	out := make([]chunk, 0, len(norm)/(2*MaxChunkRunes)+1)
	var (
		start, startRune   int // the current chunk's first byte and rune index
		brk, brkRune       int // the last break after a space or punctuation (0: none)
		script, scriptRune int // the last change between Han and other letters (0: none)
		prevHan, prevWord  bool
		idx                int // rune index of the rune at byte i
	)
	for i, r := range norm {
		if idx-startRune == MaxChunkRunes { // r would be one rune too many
			cut, cutRune := i, idx
			switch {
			case brk > start:
				cut, cutRune = brk, brkRune
			case script > start:
				cut, cutRune = script, scriptRune
			}
			out = append(out, chunk{start, cut})
			start, startRune = cut, cutRune
		}
		word := unicode.IsLetter(r) || unicode.IsNumber(r)
		han := word && isHan(r)
		if word && prevWord && han != prevHan {
			script, scriptRune = i, idx
		}
		if word {
			prevHan, prevWord = han, true
		}
		idx++
		if breakAfter(r) {
			brk, brkRune = i+utf8.RuneLen(r), idx // norm is valid UTF-8 (normalize)
		}
	}
	return append(out, chunk{start, len(norm)})
}

// asciiOnly reports whether s is all ASCII.
func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// asciiCut is what gse's Cut (with HMM) returns for an ASCII text that
// holds no dictionary word (Segmenter.cutsASCII): no word matches, so every rune is a DAG single and
// the run goes to gse's HMM, which returns its matches of
// `\d+\.\d+|[a-zA-Z0-9]+` and the text between them, in order. gse finds
// those with a regular expression over the rest of the text for every
// piece, which made Latin text 2-3 times as costly per MB as Chinese;
// this is one pass. TestASCIICutIsGse holds it to gse's answer.
func asciiCut(s string) []string {
	out := make([]string, 0, len(s)/4+1)
	gap := 0
	for i := 0; i < len(s); {
		if !isAlnum(s[i]) {
			i++
			continue
		}
		end := -1
		if isDigit(s[i]) { // \d+\.\d+ comes first in gse's alternation
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
				end = j + 1
				for end < len(s) && isDigit(s[end]) {
					end++
				}
			}
		}
		if end < 0 {
			end = i
			for end < len(s) && isAlnum(s[end]) {
				end++
			}
		}
		if gap < i {
			out = append(out, s[gap:i])
		}
		out = append(out, s[i:end])
		i, gap = end, end
	}
	if gap < len(s) {
		out = append(out, s[gap:])
	}
	return out
}
