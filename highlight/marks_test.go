package highlight_test

import (
	"reflect"
	"testing"

	"github.com/zhsearch/zhsearch/highlight"
)

func TestDoc(t *testing.T) {
	d := highlight.NewDoc("香港經濟持續復蘇", []string{"訪港旅客人次回升。", "零售業銷貨額回升。"})
	for _, c := range []struct {
		name   string
		i      int
		needle string
		raw    string
		norm   string
		may    bool
	}{
		{"the title", -1, "经济", "香港經濟持續復蘇", "香港经济持续复苏", true},
		{"a paragraph", 0, "旅客", "訪港旅客人次回升。", "访港旅客人次回升。", true},
		{"a paragraph that cannot hold the needle", 1, "旅客", "零售業銷貨額回升。", "零售业销货额回升。", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := d.Raw(c.i); got != c.raw {
				t.Errorf("Raw = %q, want %q", got, c.raw)
			}
			if got := d.Text(c.i).Norm(); got != c.norm {
				t.Errorf("Text.Norm = %q, want %q", got, c.norm)
			}
			if got := d.MayHold(c.i, c.needle); got != c.may {
				t.Errorf("MayHold(%q) = %v, want %v", c.needle, got, c.may)
			}
		})
	}
}

// TestPrecise: a part of a whole query word is marked only where the
// document does not hold the whole, or inside an occurrence of the whole.
func TestPrecise(t *testing.T) {
	for _, c := range []struct {
		name   string
		doc    []string // title, paragraphs
		texts  []string
		wholes []string
		para   int
		want   []string // the marked texts of paragraph para
	}{
		{
			name:  "a part is not marked where the document holds the whole",
			doc:   []string{"开发区考核", "二七经开区位居第二档。", "杉杉奥特莱斯二七店开业。"},
			texts: []string{"二七", "经开区"}, wholes: []string{"二七经开区"}, para: 1,
			want: nil,
		},
		{
			name:  "the whole is marked",
			doc:   []string{"开发区考核", "二七经开区位居第二档。", "杉杉奥特莱斯二七店开业。"},
			texts: []string{"二七", "经开区"}, wholes: []string{"二七经开区"}, para: 0,
			want: []string{"二七经开区"},
		},
		{
			name:  "a part is marked where the document lacks the whole",
			doc:   []string{"开发区考核", "经开区位居第二档。", "杉杉奥特莱斯二七店开业。"},
			texts: []string{"二七", "经开区"}, wholes: []string{"二七经开区"}, para: 1,
			want: []string{"二七"},
		},
		{
			name:  "the whole held by the title only",
			doc:   []string{"二七经开区考核", "杉杉奥特莱斯二七店开业。"},
			texts: []string{"二七", "经开区"}, wholes: []string{"二七经开区"}, para: 0,
			want: nil,
		},
		{
			name:  "parts inside an occurrence of the whole are kept",
			doc:   []string{"疫情", "全球COVID-19病例回升，COVID检测量下降。"},
			texts: []string{"covid", "19"}, wholes: []string{"covid-19"}, para: 0,
			want: []string{"COVID", "19"},
		},
		{
			name:  "folded: the whole in traditional characters",
			doc:   []string{"经济", "香港經濟持續復蘇，經濟向好。"},
			texts: []string{"经济", "复苏"}, wholes: []string{"经济持续复苏"}, para: 0,
			want: []string{"經濟", "復蘇"},
		},
		{
			name:  "no wholes: every span",
			doc:   []string{"经济", "杉杉奥特莱斯二七店开业。"},
			texts: []string{"二七"}, para: 0,
			want: []string{"二七"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := highlight.NewDoc(c.doc[0], c.doc[1:])
			spans := highlight.Find(c.texts...)(d, c.para)
			text := d.Raw(c.para)
			var got []string
			for _, s := range highlight.NewMarker(d, c.wholes).Precise(d.Text(c.para), highlight.Merge(text, spans)) {
				got = append(got, text[s.Start:s.End])
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("marks %q, want %q", got, c.want)
			}
		})
	}
}

func TestArticle(t *testing.T) {
	seg := shared(t)
	title := "二七经开区招商引资成绩亮眼"
	paras := []string{
		"上半年累计会见接洽企业174家。",           // no match
		"二七店项目总占地106亩。",              // 二七 alone: raw match only
		"企业用工问题，企业融资问题，二七经开区全部列入台账。", // 企业 twice, the whole
		"二七经开区赢得了企业赞誉。",              // the whole and 企业
	}
	o := highlight.Options{Len: 20, Count: 2, Seg: seg}
	for _, c := range []struct {
		name     string
		paras    []string // paras if nil
		texts    []string
		wholes   []string
		o        highlight.Options
		title    string
		ranked   []int
		snippets []string
	}{
		{
			name:  "paragraphs ranked: different texts, then marks",
			texts: []string{"二七", "经开区", "企业"}, wholes: []string{"二七经开区"}, o: o,
			title:    "<mark>二七经开区</mark>招商引资成绩亮眼",
			ranked:   []int{2, 3, 0, 1},
			snippets: []string{"…<mark>企业</mark>融资问题，<mark>二七经开区</mark>全部列入台账。", "<mark>二七经开区</mark>赢得了<mark>企业</mark>赞誉。"},
		},
		{
			name:  "one snippet a paragraph, up to Count",
			texts: []string{"企业"}, o: highlight.Options{Len: 20, Count: 3, Seg: seg},
			title:    "二七经开区招商引资成绩亮眼",
			ranked:   []int{2, 0, 3},
			snippets: []string{"<mark>企业</mark>用工问题，<mark>企业</mark>融资问题，…", "上半年累计会见接洽<mark>企业</mark>174家。", "二七经开区赢得了<mark>企业</mark>赞誉。"},
		},
		{
			name:  "no paragraph matches: the lead of the first",
			texts: []string{"招商引资"}, o: o,
			title:    "二七经开区<mark>招商引资</mark>成绩亮眼",
			ranked:   []int{},
			snippets: []string{"上半年累计会见接洽企业174家。"},
		},
		{
			// every paragraph has one mark; before sharpening (the parts
			// of 二七经开区 dropped) they had more
			name: "equal marks: then different texts, then matches before sharpening",
			paras: []string{
				"企业。二七店。",
				"企业。二七店，二七路。",
				"企业。二七店，经开区。",
				"企业。经开区，经开区，经开区，经开区。",
				"二七经开区。",
			},
			texts: []string{"二七", "经开区", "企业"}, wholes: []string{"二七经开区"}, o: highlight.Options{Len: 20, Count: 1, Seg: seg},
			title:    "<mark>二七经开区</mark>招商引资成绩亮眼",
			ranked:   []int{2, 3, 1, 0, 4},
			snippets: []string{"<mark>企业</mark>。二七店，经开区。"},
		},
		{
			name:  "no snippets asked",
			texts: []string{"企业"}, o: highlight.Options{Len: 20, Seg: seg},
			title:    "二七经开区招商引资成绩亮眼",
			ranked:   []int{2, 0, 3},
			snippets: []string{},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := highlight.Query{Spans: highlight.Find(c.texts...), Wholes: c.wholes}
			ps := c.paras
			if ps == nil {
				ps = paras
			}
			got := highlight.Article(highlight.NewDoc(title, ps), q, c.o)
			if got.TitleHTML != c.title {
				t.Errorf("title %s, want %s", got.TitleHTML, c.title)
			}
			if !reflect.DeepEqual(got.Paragraphs, c.ranked) {
				t.Errorf("paragraphs %v, want %v", got.Paragraphs, c.ranked)
			}
			if !reflect.DeepEqual(got.Snippets, c.snippets) {
				t.Errorf("snippets\n%q, want\n%q", got.Snippets, c.snippets)
			}
		})
	}
}

func TestParagraph(t *testing.T) {
	seg := shared(t)
	d := highlight.NewDoc("二七经开区招商引资成绩亮眼", []string{"二七经开区赢得了企业赞誉。", "二七店项目总占地106亩。"})
	q := highlight.Query{Spans: highlight.Find("二七", "经开区"), Wholes: []string{"二七经开区"}}
	for _, c := range []struct {
		name     string
		para     int
		snippets []string
	}{
		{"the whole marked", 0, []string{"<mark>二七经开区</mark>赢得了企业赞誉。"}},
		// the article holds 二七经开区: 二七 of 二七店 is not marked, and
		// the paragraph's lead is its snippet
		{"a part not marked", 1, []string{"二七店项目总占地106亩。"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := highlight.Paragraph(d, q, c.para, highlight.Options{Len: 40, Count: 2, Seg: seg})
			if want := "<mark>二七经开区</mark>招商引资成绩亮眼"; got.TitleHTML != want {
				t.Errorf("title %s, want %s", got.TitleHTML, want)
			}
			if got.Paragraphs != nil {
				t.Errorf("paragraphs %v, want none", got.Paragraphs)
			}
			if !reflect.DeepEqual(got.Snippets, c.snippets) {
				t.Errorf("snippets %q, want %q", got.Snippets, c.snippets)
			}
		})
	}
}
