package tokenizer

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zhsearch/zhsearch/seeds"
)

func shared(t testing.TB) *Segmenter {
	t.Helper()
	s, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seedLines returns the non-empty lines of the embedded seed pages, with
// the markdown heading marks removed.
func seedLines(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, p := range seeds.Pages() {
		for _, l := range strings.Split(p.Text, "\n") {
			l = strings.TrimSpace(strings.TrimLeft(l, "#"))
			if l != "" {
				out = append(out, l)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no seed text")
	}
	return out
}

// checkTokens verifies the invariants every analysis must keep: each token's
// byte range lies in the text, on rune boundaries, and the text there
// normalises to the term; positions start at 1 and never go back; a
// sub-word lies inside the word at its position.
func checkTokens(t *testing.T, text string, toks []Token) {
	t.Helper()
	lastPos := 0
	var word Token
	for i, tok := range toks {
		if tok.Start < 0 || tok.End > len(text) || tok.Start >= tok.End {
			t.Fatalf("token %d %+v: range out of bounds of %d bytes", i, tok, len(text))
		}
		if !utf8.RuneStart(text[tok.Start]) || (tok.End < len(text) && !utf8.RuneStart(text[tok.End])) {
			t.Fatalf("token %d %+v: not on rune boundaries", i, tok)
		}
		if got := Normalize(text[tok.Start:tok.End]); got != tok.Term {
			t.Errorf("token %d: text[%d:%d]=%q normalises to %q, term is %q", i, tok.Start, tok.End, text[tok.Start:tok.End], got, tok.Term)
		}
		if tok.Position < lastPos || tok.Position < 1 {
			t.Errorf("token %d %+v: position goes back from %d", i, tok, lastPos)
		}
		switch tok.Kind {
		case KindWord:
			if tok.Position == lastPos {
				t.Errorf("token %d %+v: two words at position %d", i, tok, lastPos)
			}
			word = tok
		case KindSubword:
			if tok.Position != word.Position || tok.Start < word.Start || tok.End > word.End {
				t.Errorf("sub-word %+v is not inside word %+v", tok, word)
			}
		}
		lastPos = tok.Position
	}
}

func terms(toks []Token, kinds ...Kind) []string {
	var out []string
	for _, tok := range toks {
		for _, k := range kinds {
			if tok.Kind == k {
				out = append(out, tok.Term)
			}
		}
	}
	return out
}

func TestAnalyzeOffsets(t *testing.T) {
	seg := shared(t)
	tests := []struct {
		name string
		text string
		want []string // the words expected, in order (nil: only the invariants)
	}{
		{"repeated words", "经济发展经济", []string{"经济", "发展", "经济"}},
		{"repeated with punctuation", "经济,经济。经济!", []string{"经济", "经济", "经济"}},
		{"mixed Latin and numbers", "COVID-19疫情下5G基站2023年投资200亿元",
			[]string{"covid", "19", "疫情", "下", "5g", "基站", "2023", "年", "投资", "200", "亿元"}},
		{"full-width", "ＡＢＣ公司２０２３年营收１２３亿", nil},
		{"traditional", "經濟發展與環境保護", []string{"经济", "发展", "与", "环境保护"}},
		{"ideographic space", "郑州\u3000二七区", nil},
		{"emoji and symbols", "🎉庆祝🎉 ©2024 «新闻»", nil},
		{"empty", "", nil},
		{"only punctuation", ",。!?", []string{}},
		{"latin words", "Hello World, iPhone15 Pro", []string{"hello", "world", "iphone15", "pro"}},
	}
	for _, mode := range []Mode{IndexMode, QueryMode} {
		for _, tt := range tests {
			t.Run(mode.String()+"/"+tt.name, func(t *testing.T) {
				toks := seg.Analyze([]byte(tt.text), mode)
				checkTokens(t, tt.text, toks)
				if tt.want == nil {
					return
				}
				got := terms(toks, KindWord)
				if strings.Join(got, " ") != strings.Join(tt.want, " ") {
					t.Errorf("words of %q = %q, want %q", tt.text, got, tt.want)
				}
			})
		}
	}
	t.Run("seed page", func(t *testing.T) {
		n := 0
		for _, line := range seedLines(t) {
			for _, mode := range []Mode{IndexMode, QueryMode} {
				toks := seg.Analyze([]byte(line), mode)
				checkTokens(t, line, toks)
				n += len(toks)
			}
		}
		t.Logf("%d tokens checked", n)
	})
}

// TestRepeatedWordOffsets pins the exact offsets that gse's own Analyze gets
// wrong: each 经济 keeps its own byte range.
func TestRepeatedWordOffsets(t *testing.T) {
	toks := shared(t).Analyze([]byte("经济发展经济"), QueryMode)
	want := []Token{
		{Term: "经济", Start: 0, End: 6, Position: 1},
		{Term: "发展", Start: 6, End: 12, Position: 2},
		{Term: "经济", Start: 12, End: 18, Position: 3},
	}
	if len(toks) != len(want) {
		t.Fatalf("got %+v", toks)
	}
	for i := range want {
		if toks[i] != want[i] {
			t.Errorf("token %d = %+v, want %+v", i, toks[i], want[i])
		}
	}
}

func TestQueryModeKeepsDictionaryWords(t *testing.T) {
	// CutSearch without HMM splits 经济 and drops 党 and 2023: query mode must not.
	seg := shared(t)
	for _, tt := range []struct{ text, want string }{
		{"经济", "经济"},
		{"党", "党"},
		{"2023", "2023"},
		{"中华人民共和国", "中华人民共和国"},
	} {
		t.Run(tt.text, func(t *testing.T) {
			got := terms(seg.Analyze([]byte(tt.text), QueryMode), KindWord, KindSubword)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("query analysis of %q = %q, want [%s]", tt.text, got, tt.want)
			}
		})
	}
}

func TestIndexModeSubwords(t *testing.T) {
	toks := shared(t).Analyze([]byte("中华人民共和国成立"), IndexMode)
	checkTokens(t, "中华人民共和国成立", toks)
	subs := terms(toks, KindSubword)
	for _, want := range []string{"中华", "人民", "共和国"} {
		found := false
		for _, s := range subs {
			found = found || s == want
		}
		if !found {
			t.Errorf("sub-words %q lack %q", subs, want)
		}
	}
	for _, tok := range toks {
		if tok.Kind == KindSubword && tok.Position != 1 {
			t.Errorf("sub-word %+v not at its word's position 1", tok)
		}
	}
}

func TestBigramOffsets(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"han run", "经开区", []string{"经开", "开区", "区"}},
		{"punctuation breaks runs", "经济,发展", []string{"经济", "济", "发展", "展"}},
		{"latin and numbers", "5G基站COVID-19", []string{"5g", "基站", "站", "covid", "19"}},
		{"traditional", "經濟", []string{"经济", "济"}},
		{"lone character", "党,的", []string{"党", "的"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks := Bigrams([]byte(tt.text))
			for _, tok := range toks {
				if got := Normalize(tt.text[tok.Start:tok.End]); got != tok.Term {
					t.Errorf("%+v: text there normalises to %q", tok, got)
				}
			}
			var got []string
			for _, tok := range toks {
				got = append(got, tok.Term)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("Bigrams(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestRecallPhrase(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"开区", []string{"开区"}},
		{"经开区", []string{"经开", "开区"}},
		{"二七经开区", []string{"二七", "七经", "经开", "开区"}},
		{"党", []string{"党"}},
		{"5G基站", []string{"5g", "基站"}},
		{"經濟", []string{"经济"}},
		{"经济，发", []string{"经济", "", "发"}},
		{"2023年", []string{"2023", "年"}},
		{"年2023", []string{"年", "2023"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := RecallPhrase(tt.text)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("RecallPhrase(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestOpenEnd(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"党", true}, {"经济，发", true}, {"2023年", true},
		{"经开区", false}, {"年2023", false}, {"5G", false}, {"", false},
	} {
		t.Run(tt.text, func(t *testing.T) {
			if got := OpenEnd(RecallPhrase(tt.text)); got != tt.want {
				t.Errorf("OpenEnd(RecallPhrase(%q)) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"ＡＢＣ１２３", "abc123"},
		{"經濟發展", "经济发展"},
		{"COVID-19", "covid-19"},
		{"\u3000", " "},
		{"经济", "经济"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFindAll(t *testing.T) {
	for _, tt := range []struct {
		text    string
		needles []string
		want    string
	}{
		{"經濟發展，经济", []string{"经济"}, "經濟|经济"},
		{"５Ｇ基站和5g", []string{"5G"}, "５Ｇ|5g"},
		{"二七经开区", []string{"开区", "二七"}, "开区|二七"},
		{"啊啊啊", []string{"啊啊"}, "啊啊|啊啊"},
		{"无", []string{"", "有"}, ""},
	} {
		t.Run(tt.text, func(t *testing.T) {
			var got []string
			for _, r := range FindAll(tt.text, tt.needles) {
				got = append(got, tt.text[r[0]:r[1]])
			}
			if strings.Join(got, "|") != tt.want {
				t.Errorf("FindAll(%q, %q) = %q, want %q", tt.text, tt.needles, got, tt.want)
			}
		})
	}
}

// TestFindAllFastPath: texts that folding leaves alone are searched as
// they are, with the same result as through the folded copy; foldable
// agrees with Normalize on which texts those are.
func TestFindAllFastPath(t *testing.T) {
	texts := []string{"二七经开区位居全省第二档", "郑州地铁12号线开通运营", "經濟發展", "ＡＢＣ地铁", "abc Def", "\xff地铁", "𠮷野家地铁", "地铁\u3000站", "Ωmega地铁"}
	needles := []string{"地铁", "经济", "abc", "第二", "def", "铁"}
	for _, text := range texts {
		t.Run(text, func(t *testing.T) {
			if got, want := foldable(text), Normalize(text) != text || !utf8.ValidString(text); got != want {
				t.Errorf("foldable = %v, want %v", got, want)
			}
			n := normalize([]byte(text))
			slow := findAll(string(n.norm), needles, &n)
			if got := FindAll(text, needles); !slices.Equal(got, slow) {
				t.Errorf("FindAll = %v, through the folded copy %v", got, slow)
			}
		})
	}
	// every BMP rune: the table says what foldRuneSlow does, and
	// foldRune, which reads the table, does the same
	for r := rune(0); r < 0x10000; r++ {
		if utf8.ValidRune(r) && foldable(string(r)) != (foldRuneSlow(r) != r) {
			t.Fatalf("foldable(%U) = %v, foldRuneSlow gives %U", r, foldable(string(r)), foldRuneSlow(r))
		}
		if foldRune(r) != foldRuneSlow(r) {
			t.Fatalf("foldRune(%U) = %U, foldRuneSlow %U", r, foldRune(r), foldRuneSlow(r))
		}
	}
	for _, s := range texts {
		var slow []rune
		for _, r := range s {
			slow = append(slow, foldRuneSlow(r))
		}
		if got := Normalize(s); got != string(slow) {
			t.Errorf("Normalize(%q) = %q, want %q", s, got, string(slow))
		}
	}
}
