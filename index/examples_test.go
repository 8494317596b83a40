package index

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/article"
)

func TestExamples(t *testing.T) {
	ctx := context.Background()
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if got, err := ix.Examples(ctx, 3); err != nil || len(got) != 0 {
		t.Errorf("an empty index: %q, %v; want none", got, err)
	}
	arts := []*article.Article{
		{ID: "old", Title: "二七经开区先进制造业稳步发展", PublishedAt: "2020-01-01T08:00:00+08:00", Paragraphs: []article.Paragraph{{Text: "旧闻。"}}},
		{ID: "a", Title: "城市更新让老旧小区焕新颜", PublishedAt: "2024-03-01T08:00:00+08:00", Paragraphs: []article.Paragraph{{Text: "正文。"}}},
		{ID: "b", Title: "金水区城市更新项目启动", PublishedAt: "2024-03-02T08:00:00+08:00", Paragraphs: []article.Paragraph{{Text: "正文。"}}},
		{ID: "c", Title: "郑州的５Ｇ基站建设和城市更新", PublishedAt: "2024-03-03T08:00:00+08:00", Paragraphs: []article.Paragraph{{Text: "正文。"}}},
		{ID: "d", Title: "臺灣民眾關注老旧小区", PublishedAt: "2024-03-04T08:00:00+08:00", Paragraphs: []article.Paragraph{{Text: "正文。"}}},
		{ID: "e", Title: "第1批老旧小区改造启动", PublishedAt: "2024-03-05T08:00:00+08:00", Paragraphs: []article.Paragraph{{Text: "正文。"}}},
	}
	for _, a := range arts {
		a.Normalize()
	}
	if err := ix.Put(ctx, arts...); err != nil {
		t.Fatal(err)
	}
	got, err := ix.Examples(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 小区 and 城市更新 are in three titles each (小区 in the newest), 启动
	// and 老旧 in two (启动 in the newest).
	if strings.Join(got, "|") != "小区|城市更新|启动" {
		t.Errorf("examples %q, want 小区|城市更新|启动", got)
	}
	all, err := ix.Examples(ctx, MaxExamples)
	if err != nil {
		t.Fatal(err)
	}
	// as written in the title, not folded (台湾)
	if !strings.Contains(strings.Join(all, "|"), "臺灣") {
		t.Errorf("examples %q: want 臺灣 as the title writes it", all)
	}
	for _, w := range all {
		if w == "批老旧" { // a guess of the HMM, not a dictionary word
			t.Errorf("example %q", w)
		}
		if w == "的" || w == "5G" || w == "５Ｇ" || len([]rune(w)) < 2 {
			t.Errorf("example %q: want words of two characters or more with a Chinese one, no stop words", w)
		}
		res, err := ix.Search(ctx, Request{Query: w})
		if err != nil || res.Total == 0 {
			t.Errorf("example %q finds nothing (%v)", w, err)
		}
	}
	for _, n := range []int{-1, MaxExamples + 1} {
		if _, err := ix.Examples(ctx, n); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("n=%d: err %v, want ErrInvalidQuery", n, err)
		}
	}
}
