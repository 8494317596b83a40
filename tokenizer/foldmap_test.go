package tokenizer

import (
	"testing"
	"unicode/utf8"
)

// foldMapped folds as normalize does and maps every rune boundary of the
// folded text back to the same original offset.
func TestFoldMapMatchesNormalize(t *testing.T) {
	for _, text := range []string{
		"",
		"新闻联播",
		"經濟，ＡＢＣ５Ｇ。Hello　World",
		"a\xffb，c\xe4\xb8",
		"，，，abc經",
		"３．５ＧＨｚ和5G",
	} {
		t.Run(text, func(t *testing.T) {
			norm, m := foldMapped(text)
			n := normalize([]byte(text))
			if norm != string(n.norm) {
				t.Fatalf("folded %q, normalize %q", norm, n.norm)
			}
			for off := 0; off <= len(norm); {
				if got, want := m.orig(off), n.orig(off); got != want {
					t.Errorf("orig(%d) = %d, want %d", off, got, want)
				}
				if off == len(norm) {
					break
				}
				_, size := utf8.DecodeRuneInString(norm[off:])
				off += size
			}
		})
	}
}

func FuzzFoldMap(f *testing.F) {
	f.Add("經濟，ＡＢＣ５Ｇ。")
	f.Fuzz(func(t *testing.T, text string) {
		norm, m := foldMapped(text)
		n := normalize([]byte(text))
		if norm != string(n.norm) {
			t.Fatalf("folded %q, normalize %q", norm, n.norm)
		}
		for off := 0; off < len(norm); {
			if got, want := m.orig(off), n.orig(off); got != want {
				t.Fatalf("orig(%d) = %d, want %d", off, got, want)
			}
			_, size := utf8.DecodeRuneInString(norm[off:])
			off += size
		}
		if got := m.orig(len(norm)); got != len(text) {
			t.Fatalf("orig(end) = %d, want %d", got, len(text))
		}
	})
}
