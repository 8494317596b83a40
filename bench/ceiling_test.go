package bench

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// ceilingCorpus holds 新闻联播 in 14 articles of different lengths and
// paragraph counts, once or twice, and 东方红 in one article only.
func ceilingCorpus() []Doc {
	var docs []Doc
	for i := range 14 {
		var ps []string
		for j := range 1 + i%4 {
			p := strings.Repeat("今天天气", 1+(i+j)%5) + "。"
			if j == 0 {
				p = "新闻联播" + p
			}
			if i%3 == 0 && j == 0 {
				p += "还是新闻联播"
			}
			ps = append(ps, p)
		}
		docs = append(docs, Doc{ID: fmt.Sprintf("d%d", i), Paragraphs: ps})
	}
	docs = append(docs, Doc{ID: "red", Paragraphs: []string{"东方红太阳升"}})
	return docs
}

// TestSourceWeights checks the model against the generator itself: the
// sources of many drawn queries that read 新闻联播 (a word span) or 新闻
// (a substring) are spread over the articles as sourceWeights says.
func TestSourceWeights(t *testing.T) {
	docs := ceilingCorpus()
	for _, tc := range []struct {
		kind, text string
	}{{KindWordSpan, "新闻联播"}, {KindSubstring, "新闻"}} {
		t.Run(tc.kind, func(t *testing.T) {
			spans, subs := 200000, 0
			if tc.kind == KindSubstring {
				spans, subs = 0, 400000
			}
			qs, err := GenerateQueries(docs, twoChars, 1, spans, subs)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]float64{}
			n := 0.0
			for _, q := range qs {
				if q.Text == tc.text {
					seen[q.Source]++
					n++
				}
			}
			if n < 3000 {
				t.Fatalf("only %v draws of %s", n, tc.text)
			}
			w := sourceWeights(docs, twoChars, Query{Kind: tc.kind, Text: tc.text})
			total := 0.0
			for _, x := range w {
				total += x
			}
			for i, d := range docs {
				want, got := w[i]/total, seen[d.ID]/n
				if math.Abs(want-got) > 0.015 {
					t.Errorf("%s: modelled %.3f, drawn %.3f (%v draws)", d.ID, want, got, n)
				}
			}
		})
	}
}

func TestCeiling(t *testing.T) {
	docs := ceilingCorpus()
	got := Ceiling(docs, twoChars, []Query{
		{Kind: KindWordSpan, Text: "新闻联播", Source: "d1"},
		{Kind: KindWordSpan, Text: "东方红太", Source: "red"},
		{Kind: KindSubstring, Text: "东方", Source: "red"},
	})
	ws, sub := got[KindWordSpan], got[KindSubstring]
	// 新闻联播 has 14 holders: the 10 best carry part of the weight
	if ws.Ambiguous != 1 || ws.InTop10 <= 0.5 || ws.InTop10 >= 1 {
		t.Errorf("word spans %+v", ws)
	}
	if sub.Ambiguous != 0 || sub.InTop10 != 1 {
		t.Errorf("substrings %+v", sub)
	}
	// by hand: the 14 weights, the 10 largest over their sum
	w := sourceWeights(docs, twoChars, Query{Kind: KindWordSpan, Text: "新闻联播"})
	share, _ := queryCeiling(docs, twoChars, Query{Kind: KindWordSpan, Text: "新闻联播"})
	if want := (ws.InTop10*2 - 1); math.Abs(want-share) > 1e-9 {
		t.Errorf("average %v of share %v and 1", ws.InTop10, share)
	}
	if w[len(w)-1] != 0 {
		t.Errorf("red holds no 新闻联播 but weighs %v", w[len(w)-1])
	}
}

func TestCountOverlapping(t *testing.T) {
	for _, tc := range []struct {
		s, sub string
		want   int
	}{{"哈哈哈", "哈哈", 2}, {"新闻联播新闻", "新闻", 2}, {"abc", "x", 0}, {"", "新闻", 0}} {
		if got := countOverlapping(tc.s, tc.sub); got != tc.want {
			t.Errorf("countOverlapping(%q, %q) = %d, want %d", tc.s, tc.sub, got, tc.want)
		}
	}
}
