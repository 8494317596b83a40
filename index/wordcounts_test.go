package index_test

import (
	"context"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

func TestWordCounts(t *testing.T) {
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	for _, a := range []*article.Article{
		{ID: "a", Title: "钟南山谈防疫", Paragraphs: []article.Paragraph{{Text: "钟南山院士在郑州说，5G网络已覆盖。"}}},
		{ID: "b", Title: "郑州新闻", Paragraphs: []article.Paragraph{{Text: "郑州今天下雨。"}}},
	} {
		a.Normalize()
		if err := ix.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]uint64{}
	if err := ix.WordCounts(ctx, func(w string, n uint64) { got[w] += n }); err != nil {
		t.Fatal(err)
	}
	if got["郑州"] != 3 || got["钟南山"] != 2 {
		t.Errorf("郑州 %d (want 3: one title, two bodies), 钟南山 %d (want 2)", got["郑州"], got["钟南山"])
	}
	for w := range got {
		if !isHanWord(w) {
			t.Errorf("%q is not a Chinese word of two or more characters", w)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := ix.WordCounts(cancelled, func(string, uint64) {}); err == nil {
		t.Error("a cancelled context read on")
	}
}

func isHanWord(w string) bool {
	n := 0
	for _, r := range w {
		if r < 0x3400 {
			return false
		}
		n++
	}
	return n >= 2
}
