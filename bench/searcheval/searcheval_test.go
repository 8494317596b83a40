package searcheval

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// TestSampleWords: a words query is 2–4 consecutive words of the text,
// Chinese words run together and others separated by a space, never only
// stop words; a text of fewer words gives none.
func TestSampleWords(t *testing.T) {
	seg, err := tokenizer.Shared()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		text string
		some bool
		re   string // every query drawn matches
	}{
		{"Chinese", "黄河流域生态保护和高质量发展是重大国家战略。", true, `^\p{Han}{2,}$`},
		{"mixed", "郑州 GDP 增长 5 percent 左右", true, `^(\S+ )*\S+$`},
		{"one word", "经济", false, ""},
		{"stop words only", "的了", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			got := 0
			for range 50 {
				q := sampleWords(seg, tc.text, rng)
				if q == "" {
					continue
				}
				got++
				if !regexp.MustCompile(tc.re).MatchString(q) || !strings.Contains(tc.text, strings.ReplaceAll(q, " ", "")) && !strings.Contains(tc.text, q) {
					t.Errorf("query %q of %q", q, tc.text)
				}
			}
			if (got > 0) != tc.some {
				t.Errorf("%d queries of 50 draws, want some: %v", got, tc.some)
			}
		})
	}
}

// TestRun runs the evaluation on a few articles: every query is a
// piece of its source, so the source is among the hits of each, and the
// report has a line per kind.
func TestRun(t *testing.T) {
	var arts []*article.Article
	for _, x := range []struct{ id, title, text string }{
		{"a", "郑州地铁新线开通", "今天上午，郑州地铁新线开通运营，市民纷纷乘坐体验。沿线居民出行更加方便。"},
		{"b", "黄河流域生态保护", "黄河流域生态保护和高质量发展是重大国家战略，沿黄各地加快推进。"},
		{"c", "二七经开区招商", "二七经开区举行招商推介会，签约项目二十个，总投资一百亿元。"},
	} {
		a := &article.Article{ID: x.id, Title: x.title, Paragraphs: []article.Paragraph{{Text: x.text}}}
		a.Normalize()
		arts = append(arts, a)
	}
	e, err := Run(context.Background(), arts, 10, 7, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.kinds) != 2 {
		t.Fatalf("%d kinds", len(e.kinds))
	}
	for _, k := range e.kinds {
		if k.n != 10 || k.inAll != 10 || len(k.missed) > 0 || len(k.latencies) != 10 {
			t.Errorf("%s: %d queries, %d finding their source, missed %q; want 10 and 10", k.name, k.n, k.inAll, k.missed)
		}
	}
	var out bytes.Buffer
	e.WriteText(&out, "tiny.jsonl", len(arts), 7)
	for _, re := range []string{
		`(?m)^corpus tiny.jsonl: 3 articles, 3 paragraphs, indexed in \S+; seed 7$`,
		`(?m)^words\s+10\s+[\d.]+\s+[\d.]+\s+1\.000\s+[\d.]+\s+[\d.]+$`,
		`(?m)^substring\s+10\s+[\d.]+\s+[\d.]+\s+1\.000\s+[\d.]+\s+[\d.]+$`,
		`(?m)^suggest\s+\d+ prefixes: p50 [\d.]+ ms, p95 [\d.]+ ms$`,
	} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("report lacks %s:\n%s", re, out.String())
		}
	}
}
