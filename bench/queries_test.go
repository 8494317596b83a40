package bench

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestSampleSubstring: a draw is 2–5 Han characters of the text, or ""
// when the text is too short or the run holds anything else; the same
// seed draws the same runs.
func TestSampleSubstring(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		some bool // some draw of 50 gives a run
		none bool // every draw gives ""
	}{
		{"Han text", "黄河流域生态保护和高质量发展", true, false},
		{"one character", "短", false, true},
		{"no Han", "ABC 2024, hello world", false, true},
		{"mixed", "郑州ABC地铁", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			got := 0
			for range 50 {
				s := SampleSubstring(tc.text, rng)
				if s == "" {
					continue
				}
				got++
				if n := utf8.RuneCountInString(s); n < 2 || n > 5 || !allHan(s) || !strings.Contains(tc.text, s) {
					t.Errorf("drew %q from %q: want 2–5 Han characters of it", s, tc.text)
				}
			}
			if tc.some && got == 0 || tc.none && got > 0 {
				t.Errorf("%d runs of 50 draws", got)
			}
		})
	}
	a, b := rand.New(rand.NewPCG(9, 9)), rand.New(rand.NewPCG(9, 9))
	for range 20 {
		if x, y := SampleSubstring("黄河流域生态保护和高质量发展", a), SampleSubstring("黄河流域生态保护和高质量发展", b); x != y {
			t.Fatalf("same seed, %q and %q", x, y)
		}
	}
}
