package highlight_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/highlight"
	"github.com/zhsearch/zhsearch/tokenizer"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// article is one article of testdata/articles.txt.
type article struct {
	title string
	paras []string
}

// readArticles reads testdata/articles.txt: "## " starts an article with
// its title, each non-blank line after it is a paragraph, "# " a comment.
func readArticles(t *testing.T) []article {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "articles.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []article
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "# "):
		case strings.HasPrefix(line, "## "):
			out = append(out, article{title: strings.TrimPrefix(line, "## ")})
		case len(out) == 0:
			t.Fatalf("articles.txt:%d: a paragraph before the first title", n)
		default:
			out[len(out)-1].paras = append(out[len(out)-1].paras, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// goldenCase marks one article of testdata/articles.txt for a query.
type goldenCase struct {
	name    string
	article int      // its index in articles.txt
	para    int      // the paragraph of a paragraph hit; -1 for an article hit
	texts   []string // what the query looks for (normalised)
	wholes  []string // its words the analyzer splits
	len     int      // snippet length in characters
	count   int      // snippets
	noSeg   bool     // cut without a segmenter
}

var goldenCases = []goldenCase{
	{name: "经济 article, default length", article: 0, para: -1, texts: []string{"经济"}, len: 160, count: 3},
	{name: "经济 article, short windows", article: 0, para: -1, texts: []string{"经济"}, len: 30, count: 3},
	{name: "经济 finds 經濟", article: 0, para: 3, texts: []string{"经济"}, len: 40, count: 2},
	{name: "overlapping texts merge", article: 0, para: 0, texts: []string{"经济", "经济运行", "运行总体"}, len: 40, count: 1},
	{name: "two words rank paragraphs", article: 0, para: -1, texts: []string{"统计局", "增长"}, len: 50, count: 3},
	{name: "5g article", article: 1, para: -1, texts: []string{"5g"}, len: 40, count: 3},
	{name: "5g paragraph, several windows", article: 1, para: 0, texts: []string{"5g"}, len: 24, count: 3},
	{name: "5g not inside 3.5ghz", article: 1, para: 1, texts: []string{"5g", "频段"}, len: 40, count: 2},
	{name: "秋粮 收获 ranking", article: 2, para: -1, texts: []string{"秋粮", "收获"}, len: 60, count: 2},
	{name: "long paragraph, one window", article: 2, para: 1, texts: []string{"水稻", "收购"}, len: 40, count: 1},
	{name: "二七经开区 whole marked, 二七店 not", article: 3, para: -1, texts: []string{"二七", "经开区"}, wholes: []string{"二七经开区"}, len: 60, count: 3},
	{name: "二七 alone marks 二七店", article: 3, para: 1, texts: []string{"二七"}, len: 60, count: 2},
	{name: "long clause cut on words", article: 3, para: 2, texts: []string{"科技型企业"}, len: 24, count: 2},
	{name: "专精特新 企业 three windows", article: 3, para: 2, texts: []string{"专精特新", "企业"}, len: 30, count: 3},
	{name: "covid-19 parts kept inside the whole", article: 4, para: -1, texts: []string{"covid", "19"}, wholes: []string{"covid-19"}, len: 40, count: 2},
	{name: "stop word alone is not marked", article: 4, para: 1, texts: []string{"的"}, len: 30, count: 2},
	{name: "stop word inside a phrase is marked", article: 4, para: 1, texts: []string{"呼吸道疾病的高发季节"}, len: 30, count: 1},
	{name: "title only: lead of the first paragraph", article: 4, para: -1, texts: []string{"世卫组织"}, len: 40, count: 3},
	{name: "html escaped", article: 5, para: -1, texts: []string{"<35", "r&d"}, len: 40, count: 2},
	{name: "no clause ends: a cut around the match", article: 6, para: 0, texts: []string{"生态修复"}, len: 30, count: 2},
	{name: "no clause ends: a cut without segmenter", article: 6, para: 0, texts: []string{"生态修复"}, len: 30, count: 2, noSeg: true},
	{name: "no clause ends: lead", article: 6, para: 0, texts: []string{"黄河"}, len: 30, count: 1},
	{name: "no snippets asked", article: 7, para: -1, texts: []string{"旅客"}, len: 40, count: 0},
	{name: "旅客 铁路 article", article: 7, para: -1, texts: []string{"旅客", "铁路"}, len: 40, count: 3},
	{name: "冰雪 in title and body", article: 8, para: -1, texts: []string{"冰雪"}, len: 40, count: 2},
	{name: "c919 paragraph", article: 9, para: 0, texts: []string{"c919", "航线"}, len: 30, count: 3},
	{name: "very short windows", article: 9, para: 1, texts: []string{"产业"}, len: 8, count: 3},
}

// render is what a reader sees of a case's hit, as the golden file holds it.
func render(c goldenCase, a article, seg *tokenizer.Segmenter) string {
	o := highlight.Options{Len: c.len, Count: c.count, Seg: seg}
	if c.noSeg {
		o.Seg = nil
	}
	q := highlight.Query{Spans: highlight.Find(c.texts...), Wholes: c.wholes}
	d := highlight.NewDoc(a.title, a.paras)
	var res highlight.Result
	if c.para < 0 {
		res = highlight.Article(d, q, o)
	} else {
		res = highlight.Paragraph(d, q, c.para, o)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "=== %s\n", c.name)
	fmt.Fprintf(&b, "article %d paragraph %d texts %q wholes %q len %d count %d segmenter %v\n", c.article, c.para, c.texts, c.wholes, c.len, c.count, !c.noSeg)
	fmt.Fprintf(&b, "title: %s\n", res.TitleHTML)
	if c.para < 0 {
		fmt.Fprintf(&b, "paragraphs: %v\n", res.Paragraphs)
	}
	for _, s := range res.Snippets {
		fmt.Fprintf(&b, "snippet: %s\n", s)
	}
	return b.String()
}

// TestGolden marks the articles of testdata/articles.txt for a table of
// queries and compares titles, paragraph ranks and snippets with
// testdata/snippets.golden; -update rewrites it.
func TestGolden(t *testing.T) {
	seg, err := tokenizer.Shared()
	if err != nil {
		t.Fatal(err)
	}
	arts := readArticles(t)
	path := filepath.Join("testdata", "snippets.golden")
	var all strings.Builder
	got := map[string]string{}
	for _, c := range goldenCases {
		if c.article >= len(arts) || c.para >= len(arts[c.article].paras) {
			t.Fatalf("%s: no article %d paragraph %d in articles.txt", c.name, c.article, c.para)
		}
		out := render(c, arts[c.article], seg)
		got[c.name] = out
		all.WriteString(out + "\n")
	}
	if *update {
		if err := os.WriteFile(path, []byte(all.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	want := map[string]string{}
	for _, block := range strings.Split(string(raw), "\n=== ") {
		block = strings.TrimPrefix(strings.TrimSpace(block), "=== ")
		if block == "" {
			continue
		}
		name, _, _ := strings.Cut(block, "\n")
		want[name] = "=== " + block + "\n"
	}
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			w, ok := want[c.name]
			if !ok {
				t.Fatalf("not in %s (run go test -update)", path)
			}
			if got[c.name] != w {
				t.Errorf("got\n%s\nwant\n%s", got[c.name], w)
			}
		})
	}
	if len(want) != len(goldenCases) {
		t.Errorf("%s holds %d cases, the table %d (run go test -update)", path, len(want), len(goldenCases))
	}
}
