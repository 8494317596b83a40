package highlight_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zhsearch/zhsearch/highlight"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// find is the merged spans of texts in text.
func find(text string, texts ...string) []highlight.Span {
	return highlight.Merge(text, highlight.Spans(tokenizer.FindAll(text, texts)))
}

// shared is the shared segmenter, for cuts on word boundaries.
func shared(t testing.TB) *tokenizer.Segmenter {
	t.Helper()
	seg, err := tokenizer.Shared()
	if err != nil {
		t.Fatal(err)
	}
	return seg
}

func TestMerge(t *testing.T) {
	const text = "我国的经济运行总体回升向好" // 3 bytes a character
	for _, c := range []struct {
		name  string
		spans []highlight.Span
		want  []highlight.Span
	}{
		{"none", nil, nil},
		{"one", []highlight.Span{{9, 15}}, []highlight.Span{{9, 15}}},
		{"sorted", []highlight.Span{{21, 27}, {9, 15}}, []highlight.Span{{9, 15}, {21, 27}}},
		{"overlapping merge", []highlight.Span{{9, 15}, {12, 21}}, []highlight.Span{{9, 21}}},
		{"touching merge", []highlight.Span{{9, 15}, {15, 21}}, []highlight.Span{{9, 21}}},
		{"inside a longer one", []highlight.Span{{12, 15}, {9, 21}}, []highlight.Span{{9, 21}}},
		{"same start: the longer wins", []highlight.Span{{9, 15}, {9, 21}}, []highlight.Span{{9, 21}}},
		{"a stop word alone is dropped", []highlight.Span{{6, 9}}, nil},
		{"a stop word next to a match is not marked", []highlight.Span{{6, 9}, {9, 15}}, []highlight.Span{{9, 15}}},
		{"a stop word inside a match is", []highlight.Span{{3, 15}}, []highlight.Span{{3, 15}}},
		{"out of the text or empty are dropped", []highlight.Span{{-3, 3}, {36, 42}, {9, 9}, {15, 9}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := highlight.Merge(text, c.spans); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Merge(%v) = %v, want %v", c.spans, got, c.want)
			}
		})
	}
}

func TestDistinct(t *testing.T) {
	const text = "经济运行，經濟持續復蘇，经济"
	for _, c := range []struct {
		name  string
		texts []string
		want  int
	}{
		{"none", nil, 0},
		{"one text, traditional and simplified", []string{"经济"}, 1},
		{"two texts", []string{"经济", "运行"}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := highlight.Distinct(text, find(text, c.texts...)); got != c.want {
				t.Errorf("Distinct = %d, want %d", got, c.want)
			}
		})
	}
}

func TestMarkHTML(t *testing.T) {
	const text = "浓度<35微克，R&D投入增长"
	at := func(s string) int { return strings.Index(text, s) }
	for _, c := range []struct {
		name     string
		spans    []highlight.Span
		from, to int
		want     string
	}{
		{"no marks, escaped", nil, 0, len(text), "浓度&lt;35微克，R&amp;D投入增长"},
		{"marks escaped", find(text, "<35", "r&d"), 0, len(text), "浓度<mark>&lt;35</mark>微克，<mark>R&amp;D</mark>投入增长"},
		{"a range", find(text, "r&d"), at("R"), at("增长"), "<mark>R&amp;D</mark>投入"},
		{"a mark clipped to the range", find(text, "微克"), at("克"), len(text), "<mark>克</mark>，R&amp;D投入增长"},
		{"a mark out of the range", find(text, "浓度"), at("R"), len(text), "R&amp;D投入增长"},
		{"overlapping spans: the first wins", []highlight.Span{{0, 6}, {3, 9}}, 0, 9, "<mark>浓度</mark>&lt;35"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := highlight.MarkHTML(text, c.spans, c.from, c.to); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// wordBounds are the byte offsets of text where the segmenter's precise
// mode neither starts nor ends inside a word: the places a snippet may cut.
func wordBounds(t *testing.T, seg *tokenizer.Segmenter, text string) map[int]bool {
	t.Helper()
	inside := map[int]bool{}
	for _, tok := range seg.Analyze([]byte(text), tokenizer.QueryMode) {
		for i := tok.Start + 1; i < tok.End; i++ {
			inside[i] = true
		}
	}
	out := map[int]bool{}
	for i := range text {
		out[i] = !inside[i]
	}
	out[len(text)] = true
	return out
}

// TestWindowsEndOnWords: a window cut out of a clause longer than the
// snippet starts and ends between words and holds its marks whole; the
// seed's long clause with 科技型企业 was cut as …科技型<mark>企</mark>….
func TestWindowsEndOnWords(t *testing.T) {
	seg := shared(t)
	text := "另外,按照“创新型中小企业→专精特新企业→国家小巨人企业”“科技型企业→高新技术企业”发展路径，建立优质企业梯度培育体系，今年新增科技型企业和高新技术企业数量再创新高"
	bounds := wordBounds(t, seg, text)
	for _, needle := range []string{"企业", "科技型企业", "专精特新", "体系"} {
		spans := find(text, needle)
		for maxRunes := 20; maxRunes <= 60; maxRunes++ {
			t.Run(fmt.Sprintf("%s/%d", needle, maxRunes), func(t *testing.T) {
				ws := highlight.Windows(text, spans, highlight.Options{Len: maxRunes, Count: 3, Seg: seg})
				if len(ws) == 0 {
					t.Fatal("no window")
				}
				for _, w := range ws {
					name := fmt.Sprintf("%q", text[w.From:w.To])
					if !bounds[w.From] || !bounds[w.To] {
						t.Errorf("%s: cuts a word", name)
					}
					if n := utf8.RuneCountInString(text[w.From:w.To]); n > maxRunes {
						t.Errorf("%s: %d characters, limit %d", name, n, maxRunes)
					}
					for _, s := range spans {
						if s.Start < w.To && s.End > w.From && (s.Start < w.From || s.End > w.To) {
							t.Errorf("%s: cuts the match %q", name, text[s.Start:s.End])
						}
					}
				}
			})
		}
	}
}

func TestWindows(t *testing.T) {
	seg := shared(t)
	// clauses of 7, 7, 8 and 7 characters
	const text0 = "今天天气晴朗，经济运行平稳，市场需求在回升，经济长期向好。"
	for _, c := range []struct {
		name  string
		text  string // text if empty
		texts []string
		spans []highlight.Span // instead of texts
		len   int
		count int
		want  []string // the windows' texts, best first
	}{
		{"no spans", "", nil, nil, 20, 3, nil},
		{"no windows asked", "", []string{"经济"}, nil, 20, 0, nil},
		{"one clause", "", []string{"回升"}, nil, 14, 1, []string{"市场需求在回升，"}},
		{"grown by whole clauses, forward first", "", []string{"回升"}, nil, 15, 1, []string{"市场需求在回升，经济长期向好。"}},
		{"then back", "", []string{"回升"}, nil, 22, 1, []string{"经济运行平稳，市场需求在回升，经济长期向好。"}},
		{"the whole text when it fits", "", []string{"回升"}, nil, 100, 1, []string{text0}},
		{"windows do not overlap", "", []string{"经济"}, nil, 15, 3, []string{"经济运行平稳，市场需求在回升，"}},
		{"most different texts first", "经济运行平稳，市场需求回升，经济和需求两旺。", []string{"经济", "需求"}, nil, 8, 2, []string{"经济和需求两旺。", "经济运行平稳，"}},
		{"then most matches", "市场需求回升，经济稳中有进，经济带动经济。", []string{"经济"}, nil, 7, 2, []string{"经济带动经济。", "经济稳中有进，"}},
		{"a long clause is cut on words around its match", "", []string{"需求"}, nil, 4, 1, []string{"需求在"}},
		{"unsorted spans are merged first", "", nil, []highlight.Span{{66, 72}, {21, 27}, {21, 24}}, 7, 3, []string{"经济运行平稳，", "经济长期向好。"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := c.text
			if text == "" {
				text = text0
			}
			spans := c.spans
			if spans == nil {
				spans = find(text, c.texts...)
			}
			var got []string
			for _, w := range highlight.Windows(text, spans, highlight.Options{Len: c.len, Count: c.count, Seg: seg}) {
				got = append(got, text[w.From:w.To])
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestRender(t *testing.T) {
	const text = "经济运行平稳，市场需求回升。增长5.2%"
	spans := find(text, "需求")
	for _, c := range []struct {
		name string
		w    highlight.Window
		want string
	}{
		{"the whole text", highlight.Window{From: 0, To: len(text)}, "经济运行平稳，市场<mark>需求</mark>回升。增长5.2%"},
		{"cut at the start", highlight.Window{From: len("经济运行平稳，"), To: len(text)}, "…市场<mark>需求</mark>回升。增长5.2%"},
		{"cut at the end", highlight.Window{From: 0, To: len("经济运行平稳，")}, "经济运行平稳，…"},
		{"cut at both ends", highlight.Window{From: len("经济"), To: len("经济运行")}, "…运行…"},
		{"cut before a last ASCII character", highlight.Window{From: 0, To: len(text) - 1}, "经济运行平稳，市场<mark>需求</mark>回升。增长5.2…"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := highlight.Render(text, spans, c.w); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestSnippets(t *testing.T) {
	seg := shared(t)
	for _, c := range []struct {
		name, text string
		texts      []string
		len, count int
		want       []string
	}{
		{"windows", "经济运行平稳，市场需求回升，经济长期向好。", []string{"经济"}, 7, 2, []string{"<mark>经济</mark>运行平稳，…", "…<mark>经济</mark>长期向好。"}},
		{"no match: the lead, whole clauses", "经济运行平稳，市场需求回升，经济长期向好。", []string{"黄河"}, 15, 2, []string{"经济运行平稳，市场需求回升，…"}},
		{"no match, no clause end: the lead cut on a word", "在长江经济带高质量发展座谈会召开一周年之际", nil, 9, 1, []string{"在长江经济带高质量…"}},
		{"the lead of a short text is the text", "经济运行平稳。", nil, 40, 1, []string{"经济运行平稳。"}},
		{"none asked", "经济运行平稳。", []string{"经济"}, 40, 0, []string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := highlight.Snippets(c.text, find(c.text, c.texts...), highlight.Options{Len: c.len, Count: c.count, Seg: seg})
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}
