package tokenizer

import (
	"testing"
	"unicode/utf8"
)

// runeStarts returns the offsets at which the analyzer's decoding of text
// starts a rune (an invalid byte counts as a rune of its own), plus len.
func runeStarts(text []byte) map[int]bool {
	starts := map[int]bool{len(text): true}
	for i := 0; i < len(text); {
		starts[i] = true
		_, size := utf8.DecodeRune(text[i:])
		i += size
	}
	return starts
}

// FuzzAnalyze checks, for any bytes, that analysis does not panic and that
// every token of every path has a non-empty range inside the text that
// starts and ends on rune boundaries, with positions that never go back.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"经济发展经济", "COVID-19疫情下5G基站2023年投资200亿元", "經濟發展ＡＢＣ１２３",
		"二七经开区位居全省先进制造业开发区第二档(200亿至400亿元)第六名", "\xff\xfe经济\xe7\xbb", "",
	} {
		f.Add([]byte(s))
	}
	seg, err := Shared()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		starts := runeStarts(text)
		check := func(path string, toks []Token) {
			last := 0
			for _, tok := range toks {
				if tok.Start < 0 || tok.End > len(text) || tok.Start >= tok.End {
					t.Fatalf("%s: token %+v out of bounds of %d bytes", path, tok, len(text))
				}
				if !starts[tok.Start] || !starts[tok.End] {
					t.Fatalf("%s: token %+v not on rune boundaries of %q", path, tok, text)
				}
				if tok.Position < last || tok.Position < 1 {
					t.Fatalf("%s: token %+v: position goes back from %d", path, tok, last)
				}
				last = tok.Position
				if tok.Term == "" {
					t.Fatalf("%s: token %+v has an empty term", path, tok)
				}
			}
		}
		check("index", seg.Analyze(text, IndexMode))
		check("query", seg.Analyze(text, QueryMode))
		check("bigram", Bigrams(text))
		_ = RecallPhrase(string(text))
	})
}
