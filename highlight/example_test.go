package highlight_test

import (
	"fmt"

	"github.com/zhsearch/zhsearch/highlight"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// An article hit for a query that looks for 二七经开区 (which the
// analyzer splits into 二七 and 经开区) and 企业: the title marked, the
// paragraphs that match ranked, and a snippet of the best ones. 二七 of
// 二七店 is no mark, since the article holds the whole 二七经开区.
func ExampleArticle() {
	seg, err := tokenizer.Shared() // word boundaries for the cuts
	if err != nil {
		fmt.Println(err)
		return
	}
	d := highlight.NewDoc("二七经开区招商引资成绩亮眼", []string{
		"杉杉奥特莱斯二七店项目总占地106亩,计划今年9月试营业、12月正式开业。",
		"据统计,上半年二七经开区累计邀请来访、会见接洽企业174家;赴上海、苏州、北京等地外出招商23次,考察拜访企业85家。",
		"企业用工、用地、融资等各类问题,全部列入台账。",
	})
	q := highlight.Query{Spans: highlight.Find("二七", "经开区", "企业"), Wholes: []string{"二七经开区"}}
	res := highlight.Article(d, q, highlight.Options{Len: 30, Count: 2, Seg: seg})
	fmt.Println(res.TitleHTML)
	fmt.Println(res.Paragraphs)
	for _, s := range res.Snippets {
		fmt.Println(s)
	}
	// Output:
	// <mark>二七经开区</mark>招商引资成绩亮眼
	// [1 2 0]
	// 据统计,上半年<mark>二七经开区</mark>累计邀请来访、会见接洽<mark>企业</mark>174家;…
	// <mark>企业</mark>用工、用地、融资等各类问题,全部列入台账。
}

// Snippets of one paragraph for the spans of a text.
func ExampleSnippets() {
	text := "国庆假期，全国铁路累计发送旅客1.36亿人次，日均发送旅客1700万人次，同比增长8.2%。"
	spans := highlight.Merge(text, highlight.Spans(tokenizer.FindAll(text, []string{"旅客"})))
	for _, s := range highlight.Snippets(text, spans, highlight.Options{Len: 20, Count: 2}) {
		fmt.Println(s)
	}
	// Output:
	// …全国铁路累计发送<mark>旅客</mark>1.36亿人次，…
	// …日均发送<mark>旅客</mark>1700万人次，…
}
