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
	// 城市更新 is in three titles, 老旧 and 小区 in two (the newest first).
	if strings.Join(got, "|") != "城市更新|老旧|小区" {
		t.Errorf("examples %q, want 城市更新|老旧|小区", got)
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
