package tokenizer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"unicode/utf8"
)

// PosPersonName is the part of speech gse's dictionary (and a newsroom
// dictionary) gives a person's name.
const PosPersonName = "nr"

// Pos returns the part of speech the dictionary gives word, "" for a
// word it does not hold or holds untagged.
func (s *Segmenter) Pos(word string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	freq, pos, ok := s.gse.Find(word)
	if !ok || freq <= 0 {
		return ""
	}
	return pos
}

// Surnames derives a surname table from gse's embedded dictionary rather
// than from a hand-written list: the characters that begin at least min
// of its two- and three-character personal names (nr). With min 10 it
// holds about 600 characters, the polyphonic surnames 单, 仇, 覃 and 曾
// among them.
func Surnames(min int) (map[rune]bool, error) {
	zr, err := gzip.NewReader(bytes.NewReader(zhS))
	if err != nil {
		return nil, fmt.Errorf("reading the embedded dictionary: %w", err)
	}
	count := map[rune]int{}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[2] != PosPersonName {
			continue
		}
		if n := utf8.RuneCountInString(f[0]); n < 2 || n > 3 {
			continue
		}
		r, _ := utf8.DecodeRuneInString(f[0])
		count[r]++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the embedded dictionary: %w", err)
	}
	out := map[rune]bool{}
	for r, n := range count {
		if n >= min {
			out[r] = true
		}
	}
	return out, nil
}
