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
		f := Fold(text)
		for off := 0; off <= len(text); { // NormOffset inverts orig at every rune boundary
			n := f.NormOffset(off)
			if f.m != nil {
				if back := f.m.orig(n); back != off {
					t.Fatalf("NormOffset(%d) = %d, which maps back to %d", off, n, back)
				}
			} else if n != off {
				t.Fatalf("NormOffset(%d) = %d on a text folding changes nothing", off, n)
			}
			if off == len(text) {
				break
			}
			_, size := utf8.DecodeRuneInString(text[off:])
			off += size
		}
	})
}

func TestMayHold(t *testing.T) {
	for _, tc := range []struct {
		text, needle string
		want         bool
	}{
		{"經濟新聞", "经济", true},
		{"ＡＢＣ公司", "abc", true},
		{"ABC公司", "abc", true},
		{"新闻联播", "经济", false},
		{"新闻联播", "", true},
		{"a\xffb", "\ufffd", true},
		{"今天，明天", ",", true},
		{"今天明天", ",", false},
	} {
		t.Run(tc.text+"/"+tc.needle, func(t *testing.T) {
			if got := MayHold(tc.text, tc.needle); got != tc.want {
				t.Errorf("MayHold(%q, %q) = %v, want %v", tc.text, tc.needle, got, tc.want)
			}
		})
	}
}

// MayHold never says no where FindAll finds the needle.
func FuzzMayHold(f *testing.F) {
	f.Add("經濟，ＡＢＣ５Ｇ。", "经济")
	f.Add("ABC", "abc")
	f.Fuzz(func(t *testing.T, text, needle string) {
		if len(FindAll(text, []string{needle})) > 0 && !MayHold(text, Normalize(needle)) {
			t.Fatalf("FindAll finds %q in %q, MayHold says no", needle, text)
		}
	})
}

// BenchmarkFoldParagraph folds a news paragraph (full-width punctuation
// in Han text, some Latin letters and digits), what every snippet does to
// the paragraphs it looks at.
func BenchmarkFoldParagraph(b *testing.B) {
	p := "央视网消息（新闻联播）：国务院新闻办公室今天（12月4日）举行发布会，介绍2026年前三季度经济运行情况。" +
		"国家统计局新闻发言人表示，前三季度国内生产总值同比增长5.2%，就业形势总体稳定，物价水平温和回升；" +
		"“十四五”规划确定的主要目标任务进展顺利，GDP、CPI等指标符合预期。"
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		foldMapped(p)
	}
}
