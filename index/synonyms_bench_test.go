package index

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/synonym"
)

// BenchmarkSynonyms100 measures what a list of 100 rules costs a search
// (issue 19: at most 20 % slower), in one run: each iteration runs the
// same queries without a list, with a list of only the 8 rules they may
// name, and with the 100 rules, and the benchmark reports the three
// times and two ratios: 100 rules against 8 (the same expansions: what
// the 92 more rules cost) and 100 rules against none (what expanding
// costs).
//   - plain: queries no rule names (the list is consulted, finds nothing);
//   - named: each query is named by a rule whose other words the corpus
//     does not hold: the search compiles and looks up every form and
//     finds the same hits; the ratio is the cost of the expansion;
//   - found: each query's rule adds words the corpus holds, so the search
//     finds more articles and builds their snippets: more work for more
//     results.
//
// It runs on the hand-written test corpus (a search there is a few dozen
// microseconds, so the fixed cost of compiling more forms weighs most), or
// on a copy of a real index named by $ZHSEARCH_BENCH_INDEX (a data
// directory's index, which it opens and locks).
func BenchmarkSynonyms100(b *testing.B) {
	ix := sharedTestIndex(b)
	if p := os.Getenv("ZHSEARCH_BENCH_INDEX"); p != "" {
		var err error
		if ix, err = Open(Options{Path: p}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = ix.Close() })
	}
	lines := []string{
		"二七经开区, 二七经济开发区", // named: the other words are not in the corpus
		"火星探测器, 天问一号",
		"台湾经济, 宝岛经济",
		"网格化, 网格管理",
		"杉杉奥特莱斯, 杉杉奥莱",
		"地铁, 轨道交通, 城轨", // found: 轨道交通 is
		"疫苗, 疫苗接种",
		"郑州, 郑州市",
	}
	for i := len(lines); i < 100; i++ { // rules no query names
		lines = append(lines, fmt.Sprintf("测试词%03d, 别名%03d, 代号%03d", i, i, i))
	}
	rules, err := synonym.Parse(strings.NewReader(strings.Join(lines, "\n")), "bench")
	if err != nil {
		b.Fatal(err)
	}
	set, err := synonym.NewSet(rules)
	if err != nil {
		b.Fatal(err)
	}
	// own is the list of only the rules the queries name: a search under
	// it expands exactly as under the 100 rules.
	own, err := synonym.NewSet(rules[:8])
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		queries []string
	}{
		{"plain", []string{"经开区", "网格", "台湾经济增长", "夜间经济", "探测器", "地铁站 -郑州", "票价"}},
		{"named", []string{"二七经开区", "火星探测器", "台湾经济", "网格化", "杉杉奥特莱斯"}},
		{"found", []string{"地铁", "疫苗", "郑州"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			lists := []Expander{nil, own, set}
			took := make([]time.Duration, len(lists))
			for i := 0; i < b.N; i++ {
				for k, list := range lists {
					start := time.Now()
					for _, q := range tc.queries {
						if _, err := ix.Search(ctx, Request{Query: q, Synonyms: list}); err != nil {
							b.Fatal(err)
						}
					}
					took[k] += time.Since(start)
				}
			}
			n := float64(b.N * len(tc.queries))
			b.ReportMetric(float64(took[0].Microseconds())/n, "µs/search-without")
			b.ReportMetric(float64(took[1].Microseconds())/n, "µs/search-8rules")
			b.ReportMetric(float64(took[2].Microseconds())/n, "µs/search-100rules")
			// the 100 rules' cost: the same expansion, 92 more rules
			b.ReportMetric(float64(took[2])/float64(took[1]), "ratio-100/8")
			// the expansion's cost: every form searched
			b.ReportMetric(float64(took[2])/float64(took[0]), "ratio-100/none")
		})
	}
}
