package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// Runs of Latin letters and of digits are matched whole: 5G is not found
// inside 3.5GHz, nor 20 inside 2024, nor abc inside abcd. A run is a
// maximal stretch of letters that are not Chinese, Japanese or Korean
// script, or of digits; a point between digits (3.5) belongs to the digit
// run. Where a letter run meets a digit run is a boundary, as it is for the
// segmenter (3.5GHz is analysed as 3.5 and ghz), so ghz is found there.
// Han characters have no runs: any substring of a Chinese text may match.

// runClass is the kind of run r belongs to: 'L' (letters), 'D' (digits) or
// 0 (neither: Han, punctuation, space).
func runClass(r rune) byte {
	switch {
	case r < utf8.RuneSelf:
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			return 'L'
		case '0' <= r && r <= '9':
			return 'D'
		}
		return 0
	case unicode.IsDigit(r):
		return 'D'
	case unicode.IsLetter(r) && !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
		return 'L'
	}
	return 0
}

// wholeRun reports whether text[start:end] (a match, on rune boundaries)
// neither starts nor ends inside a run of letters or digits.
func wholeRun(text string, start, end int) bool {
	if start >= end {
		return true
	}
	first, _ := utf8.DecodeRuneInString(text[start:])
	if c := runClass(first); c != 0 && start > 0 {
		prev, size := utf8.DecodeLastRuneInString(text[:start])
		if runClass(prev) == c {
			return false
		}
		if c == 'D' && prev == '.' {
			if before, _ := utf8.DecodeLastRuneInString(text[:start-size]); runClass(before) == 'D' {
				return false // 5 of 3.5
			}
		}
	}
	last, _ := utf8.DecodeLastRuneInString(text[:end])
	if c := runClass(last); c != 0 && end < len(text) {
		next, size := utf8.DecodeRuneInString(text[end:])
		if runClass(next) == c {
			return false
		}
		if c == 'D' && next == '.' && end+size < len(text) {
			if after, _ := utf8.DecodeRuneInString(text[end+size:]); runClass(after) == 'D' {
				return false // 3 of 3.5
			}
		}
	}
	return true
}
