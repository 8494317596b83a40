package index

import (
	"strings"
	"testing"
)

// TestMixedTextSearchable: Latin words and numbers stay searchable, in any
// width and case, and traditional and simplified find each other, with
// the marks on the characters the reader sees.
func TestMixedTextSearchable(t *testing.T) {
	ix := openMem(t)
	put(t, ix, "m1", "新闻", "2023年全市5G基站投资200亿元,应对COVID-19疫情。")
	put(t, ix, "m2", "新聞", "經濟發展與ＡＩ技術。")
	put(t, ix, "m3", "新闻", "经济发展与人工智能。")
	put(t, ix, "m4", "新闻", "2024年的计划。")
	tests := []struct {
		query string
		want  []string // paragraph ids, any order
		mark  string   // a mark the first hit must show
	}{
		{"2023", []string{"m1#0"}, "<mark>2023</mark>"},
		{"200亿", []string{"m1#0"}, "<mark>200亿</mark>"},
		{"5G", []string{"m1#0"}, "<mark>5G</mark>"},
		{"5g", []string{"m1#0"}, "<mark>5G</mark>"},
		{"５Ｇ", []string{"m1#0"}, "<mark>5G</mark>"},
		{"COVID-19", []string{"m1#0"}, "<mark>COVID-19</mark>"},
		{`"COVID-19疫情"`, []string{"m1#0"}, "疫情</mark>"},
		{"covid", []string{"m1#0"}, "<mark>COVID</mark>"},
		{"经济", []string{"m2#0", "m3#0"}, ""},
		{"經濟", []string{"m2#0", "m3#0"}, ""},
		{"技术", []string{"m2#0"}, "<mark>技術</mark>"},
		{"ai", []string{"m2#0"}, "<mark>ＡＩ</mark>"},
		{"年", []string{"m1#0", "m4#0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := mustSearch(t, ix, Request{Query: tt.query, Type: TypeParagraph})
			ids := hitIDs(res)
			if len(ids) != len(tt.want) {
				t.Fatalf("%s finds %v, want %v", tt.query, ids, tt.want)
			}
			for _, w := range tt.want {
				if !contains(ids, w) {
					t.Errorf("%s finds %v, want %v", tt.query, ids, tt.want)
				}
			}
			if tt.mark != "" && !strings.Contains(strings.Join(res.Hits[0].Snippets, " "), tt.mark) {
				t.Errorf("%s: snippets %q lack %s", tt.query, res.Hits[0].Snippets, tt.mark)
			}
		})
	}
}

// TestWholeWordsRankFirst: a paragraph holding the query as a word ranks
// above one that holds its characters only inside another word.
func TestWholeWordsRankFirst(t *testing.T) {
	ix := openMem(t)
	put(t, ix, "w1", "标题", "他们在研究生命科学。")   // 研究 / 生命: 究生 only across words
	put(t, ix, "w2", "标题", "这位研究生来自郑州大学。") // 研究生 a word
	res := mustSearch(t, ix, Request{Query: "研究生", Type: TypeParagraph})
	ids := hitIDs(res)
	if len(ids) != 2 || ids[0] != "w2#0" {
		t.Errorf("研究生 ranks %v, want w2#0 first and w1#0 found", ids)
	}
}
