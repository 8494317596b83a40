package index

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/query"
)

func doSearch(t *testing.T, r Request) *Result {
	t.Helper()
	res, err := sharedTestIndex(t).Search(context.Background(), r)
	if err != nil {
		t.Fatalf("%+v: %v", r, err)
	}
	return res
}

func ids(res *Result) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestCursorWalksEveryHitOnce(t *testing.T) {
	for _, sort := range []string{SortRelevance, SortNewest, SortOldest} {
		for _, typ := range []string{TypeArticle, TypeParagraph} {
			t.Run(sort+"/"+typ, func(t *testing.T) {
				all := doSearch(t, Request{Query: "地铁", Sort: sort, Type: typ, Size: 100})
				var walked []string
				r := Request{Query: "地铁", Sort: sort, Type: typ, Size: 2}
				for pages := 0; ; pages++ {
					if pages > 10 {
						t.Fatal("cursor never ends")
					}
					res := doSearch(t, r)
					if res.Total != all.Total {
						t.Fatalf("total %d on a cursor page, want %d", res.Total, all.Total)
					}
					walked = append(walked, ids(res)...)
					if res.NextCursor == "" {
						break
					}
					r.Cursor = res.NextCursor
				}
				if !slices.Equal(walked, ids(all)) {
					t.Errorf("cursor walk %q, want %q", walked, ids(all))
				}
			})
		}
	}
}

func TestFacets(t *testing.T) {
	res := doSearch(t, Request{Query: "地铁", Facets: []string{"section", "month", "tag", "author"}})
	want := map[string][]FacetValue{
		"section": {{"城市", 4}, {"经济", 1}},
		"month":   {{"2024-06", 2}, {"2024-05", 1}, {"2023-01", 1}},
		"author":  {{"李强", 2}, {"赵敏", 2}, {"王芳", 1}},
	}
	for name, w := range want {
		if !slices.Equal(res.Facets[name], w) {
			t.Errorf("facet %s = %v, want %v", name, res.Facets[name], w)
		}
	}
	if tags := res.Facets["tag"]; len(tags) == 0 || tags[0] != (FacetValue{"交通", 4}) {
		t.Errorf("facet tag = %v, want 交通:4 first", tags)
	}
	if res := doSearch(t, Request{Query: "地铁"}); res.Facets != nil {
		t.Errorf("facets %v without asking", res.Facets)
	}
}

func TestExplain(t *testing.T) {
	res := doSearch(t, Request{Query: "二七经开区", Explain: true, Size: 1})
	if len(res.Hits) != 1 {
		t.Fatal("no hit")
	}
	found := false
	for _, m := range res.Hits[0].Explain {
		if m.Field == "body" && m.Kind == "word" && slices.Contains(m.Terms, "经开区") {
			found = true
		}
	}
	if !found {
		t.Errorf("explain %+v lacks body word 经开区", res.Hits[0].Explain)
	}
	if res := doSearch(t, Request{Query: "二七经开区"}); res.Hits[0].Explain != nil {
		t.Error("explain without asking")
	}
}

var markRE = regexp.MustCompile(`</?mark>`)

func TestSnippetsEscapeTheDocument(t *testing.T) {
	for _, q := range []string{"script", "安全", "alert"} {
		for _, typ := range []string{TypeArticle, TypeParagraph} {
			res := doSearch(t, Request{Query: q, Type: typ})
			if len(res.Hits) == 0 {
				t.Fatalf("%s: no hit", q)
			}
			for _, h := range res.Hits {
				for _, s := range append([]string{h.TitleHTML}, h.Snippets...) {
					bare := markRE.ReplaceAllString(s, "")
					if strings.ContainsAny(bare, "<>") || strings.Contains(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(bare, "&lt;", ""), "&gt;", ""), "&amp;", ""), "&") {
						t.Errorf("%s %s: raw markup in %q", q, typ, s)
					}
				}
			}
		}
	}
	res := doSearch(t, Request{Query: "script", Size: 1})
	if want := "网页安全提示&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;"; res.Hits[0].TitleHTML != want {
		t.Errorf("title_html %q, want %q", res.Hits[0].TitleHTML, want)
	}
}

func TestMarksPreferTheWholeQuery(t *testing.T) {
	res := doSearch(t, Request{Query: "二七经开区", Snippets: 10, SnippetLen: 1000})
	for _, h := range res.Hits {
		for _, s := range append([]string{h.TitleHTML}, h.Snippets...) {
			if strings.Contains(s, "<mark>二七</mark>") || strings.Contains(s, "<mark>经开区</mark>") {
				t.Errorf("%s: a part of the query marked alone in %q", h.ID, s)
			}
		}
	}
	// 二七 alone still marks where the article lacks the whole word
	res = doSearch(t, Request{Query: "二七 商圈"})
	if len(res.Hits) == 0 || !strings.Contains(strings.Join(res.Hits[0].Snippets, ""), "<mark>二七</mark>") {
		t.Errorf("二七 商圈: %+v", res.Hits)
	}
}

func TestStopWordsNeverMarkedAlone(t *testing.T) {
	res := doSearch(t, Request{Query: "的 地铁", Snippets: 10})
	for _, h := range res.Hits {
		for _, s := range h.Snippets {
			if strings.Contains(s, "<mark>的</mark>") {
				t.Errorf("stop word marked: %q", s)
			}
		}
	}
}

func TestSnippetShape(t *testing.T) {
	for _, n := range []int{40, 80, 160} {
		res := doSearch(t, Request{Query: "二七经开区 企业", SnippetLen: n, Snippets: 2})
		for _, h := range res.Hits {
			if len(h.Snippets) > 2 {
				t.Errorf("%d snippets, asked 2", len(h.Snippets))
			}
			for _, s := range h.Snippets {
				bare := strings.Trim(markRE.ReplaceAllString(s, ""), "…")
				if c := utf8.RuneCountInString(bare); c > n {
					t.Errorf("snippet of %d characters, limit %d: %q", c, n, s)
				}
			}
		}
	}
	// a title-only match snippets the article's opening sentences
	res := doSearch(t, Request{Query: "title:回顾"})
	if len(res.Hits) != 1 || !strings.HasPrefix(res.Hits[0].Snippets[0], "2013年12月28日") {
		t.Errorf("title-only snippet: %+v", res.Hits)
	}
	// paragraphs list the matching paragraphs, best first
	res = doSearch(t, Request{Query: "夜间经济", IDs: []string{"t-long"}})
	if got := res.Hits[0].Paragraphs; !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("paragraphs %v", got)
	}
	// paragraph hits carry their article's fields
	res = doSearch(t, Request{Query: "换乘", Type: TypeParagraph})
	h := res.Hits[0]
	if h.ArticleID != "t-metro-1" || *h.Paragraph != 1 || h.Subhead != "换乘更方便" || h.Title != "郑州地铁12号线开通运营" || h.PublishedAt == "" {
		t.Errorf("paragraph hit %+v", h)
	}
}

func TestInvalidRequests(t *testing.T) {
	long := strings.Repeat("地", 257)
	for _, r := range []Request{
		{Query: `"二七`}, {Query: "(地铁"}, {Query: "地铁)"}, {Query: "foo:地铁"}, {Query: "-地铁"}, {Query: "，。"},
		{Query: long}, {Query: "地铁", Since: "2024-13-01"}, {Query: "地铁", Until: "yesterday"},
		{Query: "地铁", Since: "2024-06-02", Until: "2024-06-01"},
		{Query: "地铁", Size: 101}, {Query: "地铁", Size: -1}, {Query: "地铁", Page: -1}, {Query: "地铁", Page: 1 << 40},
		{Query: "地铁", Page: 1002}, {Query: "地铁", Type: "video"}, {Query: "地铁", Sort: "random"},
		{Query: "地铁", Boost: "old"}, {Query: "地铁", Boost: BoostRecent, Sort: SortNewest},
		{Query: "地铁", Facets: []string{"color"}}, {Query: "地铁", Collapse: "article"}, {Query: "地铁", Collapse: "x", Type: TypeParagraph},
		{Query: "地铁", Cursor: "garbage"}, {Query: "地铁", Cursor: encodeCursor(cursor{Sort: SortNewest, Type: TypeArticle, After: [][]byte{nil, nil, nil}})},
		{Query: "地铁", Cursor: encodeCursor(cursor{Sort: SortRelevance, Type: TypeArticle, After: [][]byte{[]byte("x"), nil}})},
		{Query: "地铁", Page: 2, Cursor: encodeCursor(cursor{Sort: SortRelevance, Type: TypeArticle, After: [][]byte{[]byte("1"), []byte("a")}})},
		{Query: "地铁", SnippetLen: 5}, {Query: "地铁", Snippets: 11},
	} {
		_, err := sharedTestIndex(t).Search(context.Background(), r)
		if !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("%+v: err %v, want ErrInvalidQuery", r, err)
		}
	}
}

func TestSearchStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := sharedTestIndex(t).Search(ctx, Request{Query: "地铁"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func TestSuggest(t *testing.T) {
	ix := sharedTestIndex(t)
	for _, c := range []struct {
		prefix string
		want   string
	}{
		{"地", "地铁"}, {"地铁", "地铁3号线二期工程进展顺利"}, {"郑州地", "郑州地铁12号线开通运营"},
		{"夜", "夜间"}, {"夜间", "夜间经济点亮城市生活"}, {"cov", "COVID-19疫苗接种稳步推进"}, {"臺灣", "臺灣民眾關注經濟發展"}, {"台湾", "臺灣民眾關注經濟發展"},
		{"二七", "二七经开区位居全省先进制造业开发区第二档(200亿至400亿元)第六名"},
	} {
		got, err := ix.Suggest(context.Background(), c.prefix, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(got, c.want) || len(got) > 10 {
			t.Errorf("Suggest(%q) = %q, want it to hold %q", c.prefix, got, c.want)
		}
	}
	if got, _ := ix.Suggest(context.Background(), "地", 3); len(got) > 3 {
		t.Errorf("asked 3, got %q", got)
	}
	if got, err := ix.Suggest(context.Background(), "火星探测", 10); err != nil || len(got) != 0 {
		t.Errorf("Suggest(火星探测) = %q, %v", got, err)
	}
	for _, bad := range []string{"", "  ", strings.Repeat("地", 65)} {
		if _, err := ix.Suggest(context.Background(), bad, 10); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("Suggest(%q): %v", bad, err)
		}
	}
}

func BenchmarkSuggest(b *testing.B) {
	ix := sharedTestIndex(b)
	ctx := context.Background()
	prefixes := []string{"地", "地铁", "二七", "郑州地", "cov", "夜"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ix.Suggest(ctx, prefixes[i%len(prefixes)], 10); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRelated(t *testing.T) {
	ix := sharedTestIndex(t)
	res, err := ix.Related(context.Background(), "t-metro-1", 3)
	if err != nil {
		t.Fatal(err)
	}
	got := ids(res)
	if len(got) == 0 || slices.Contains(got, "t-metro-1") || len(got) > 3 {
		t.Fatalf("related to t-metro-1: %q", got)
	}
	if got[0] != "t-old" && got[0] != "t-metro-2" {
		t.Errorf("related to t-metro-1: %q, want a metro story first", got)
	}
	// marked where the shared words occur (body words keep no locations)
	if len(res.Hits[0].Snippets) == 0 || !strings.Contains(res.Hits[0].Snippets[0], "<mark>") {
		t.Errorf("related hit %s has no marked snippet: %q", got[0], res.Hits[0].Snippets)
	}
	if _, err := ix.Related(context.Background(), "nope", 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := ix.Related(context.Background(), "t-metro-1", 21); !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("size 21: %v", err)
	}
}

// TestBodyScope: body: finds and marks the body text alone, in articles
// and in paragraph searches; title: stays with titles.
func TestBodyScope(t *testing.T) {
	ids := func(res *Result) []string {
		var out []string
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name, q, typ string
		want         string // an id that must be among the hits
	}{
		{"body word", "body:换乘", TypeArticle, "t-metro-1"},
		{"paragraph text", "body:换乘", TypeParagraph, "t-metro-1#1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := doSearch(t, Request{Query: tc.q, Type: tc.typ})
			got := ids(res)
			if !slices.Contains(got, tc.want) {
				t.Errorf("%s: hits %v lack %s", tc.q, got, tc.want)
			}
		})
	}
	// the article whose title alone says 回顾 is found unscoped, not by body:
	all := ids(doSearch(t, Request{Query: "title:回顾"}))
	if len(all) != 1 {
		t.Fatalf("title:回顾 hits %v", all)
	}
	if got := ids(doSearch(t, Request{Query: "回顾"})); !slices.Contains(got, all[0]) {
		t.Errorf("回顾 hits %v lack %s", got, all[0])
	}
	if got := ids(doSearch(t, Request{Query: "body:回顾"})); slices.Contains(got, all[0]) {
		t.Errorf("body:回顾 found the title-only article %s", all[0])
	}
	// a body: term is marked in snippets, not in the title
	res := doSearch(t, Request{Query: "body:地铁", IDs: []string{"t-metro-1"}})
	if len(res.Hits) != 1 {
		t.Fatalf("body:地铁 hits %v", ids(res))
	}
	h := res.Hits[0]
	if strings.Contains(h.TitleHTML, "<mark>") || !strings.Contains(strings.Join(h.Snippets, ""), "<mark>地铁</mark>") {
		t.Errorf("body:地铁 marks: title %q snippets %q", h.TitleHTML, h.Snippets)
	}
	res = doSearch(t, Request{Query: "地铁", IDs: []string{"t-metro-1"}})
	if !strings.Contains(res.Hits[0].TitleHTML, "<mark>地铁</mark>") {
		t.Errorf("地铁 title %q", res.Hits[0].TitleHTML)
	}
}

// TestByScoreMatchesByOrder: the page byScore serves without the _id
// tie-break is byOrder's page, hit for hit, or nil where the ties at the
// page's edges reach the edges of its window of slack hits (never when
// the window holds every hit); and paging through all hits, with pages or
// with cursors, yields each hit once.
func TestByScoreMatchesByOrder(t *testing.T) {
	ix := openMem(t)
	// ties: identical articles score alike; the others differ in length
	for i := range 7 {
		put(t, ix, fmt.Sprintf("same-%d", 6-i), "同题", "地铁新线今天开通。")
	}
	for i := range 6 {
		put(t, ix, fmt.Sprintf("len-%d", i), "其他", "地铁新线今天开通。"+strings.Repeat("市民纷纷乘坐。", i+1))
	}
	ctx := context.Background()
	served, fellBack := 0, 0
	for _, q := range []string{"地铁", "地铁新线", "body:开通", "市民"} {
		tree, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		c := compiler{typ: TypeArticle, seg: ix.seg, broadDocs: broadDocs, hl: newHighlightPlan(nil)}
		bq, err := c.compile(tree)
		if err != nil {
			t.Fatal(err)
		}
		for _, slack := range []int{1, 3, tieSlack} {
			for size := 1; size <= 5; size++ {
				for page := 1; page <= 14/size+1; page++ {
					t.Run(fmt.Sprintf("%s/slack=%d/size=%d/page=%d", q, slack, size, page), func(t *testing.T) {
						r := Request{Query: q, Size: size, Page: page}
						if err := r.normalize(); err != nil {
							t.Fatal(err)
						}
						want, err := ix.byOrder(ctx, bq, &r, sortOrder(r.Sort), nil)
						if err != nil {
							t.Fatal(err)
						}
						got, err := ix.byScore(ctx, bq, &r, slack)
						if err != nil {
							t.Fatal(err)
						}
						if got == nil {
							fellBack++
							if slack >= 13 {
								t.Fatal("fell back with a window that holds all 13 hits")
							}
							return
						}
						served++
						if got.Total != want.Total || len(got.Hits) != len(want.Hits) {
							t.Fatalf("total %d, %d hits; want %d, %d", got.Total, len(got.Hits), want.Total, len(want.Hits))
						}
						for i := range got.Hits {
							if got.Hits[i].ID != want.Hits[i].ID || got.Hits[i].Score != want.Hits[i].Score {
								t.Errorf("hit %d: %s %v, want %s %v", i, got.Hits[i].ID, got.Hits[i].Score, want.Hits[i].ID, want.Hits[i].Score)
							}
						}
					})
				}
			}
		}
	}
	if served == 0 || fellBack == 0 {
		t.Errorf("byScore served %d pages and fell back on %d: the test misses a path", served, fellBack)
	}
	// whole paging, by page number and by cursor
	for _, size := range []int{1, 2, 3, 4} {
		var byPage, byCursor []string
		cur := ""
		for page := 1; page < 20; page++ {
			res := mustSearch(t, ix, Request{Query: "地铁", Size: size, Page: page})
			for _, h := range res.Hits {
				byPage = append(byPage, h.ID)
			}
			res = mustSearch(t, ix, Request{Query: "地铁", Size: size, Cursor: cur})
			for _, h := range res.Hits {
				byCursor = append(byCursor, h.ID)
			}
			cur = res.NextCursor
			if cur == "" {
				break
			}
		}
		all := mustSearch(t, ix, Request{Query: "地铁", Size: 20})
		var want []string
		for _, h := range all.Hits {
			want = append(want, h.ID)
		}
		if len(want) != 13 || !slices.Equal(byPage, want) || !slices.Equal(byCursor, want) {
			t.Errorf("size %d: pages %v, cursors %v, want %v", size, byPage, byCursor, want)
		}
	}
}

// TestKickerIsSearched: the kicker (引题) is found by a plain query, as a
// word and as a substring across words, and named by explain; title: and
// body: leave it out.
func TestKickerIsSearched(t *testing.T) {
	ix := openMem(t)
	putArticle(t, ix, &article.Article{ID: "k1", Title: "社区服务更贴心", Kicker: "党建引领网格化治理",
		Paragraphs: []article.Paragraph{{Text: "居民办事不出小区。"}}})
	put(t, ix, "other", "无关标题", "另一篇文章的正文。")
	for _, tc := range []struct {
		q     string
		found bool
	}{
		{"网格化", true},
		{"格化治", true}, // cuts across words: the recall field
		{"党建引领 居民", true},
		{"title:网格化", false},
		{"body:网格化", false},
		{"-网格化 居民", false}, // the kicker's word excludes it
	} {
		t.Run(tc.q, func(t *testing.T) {
			if found := findsExplained(t, ix, Request{Query: tc.q}, "k1", "kicker"); found != tc.found {
				t.Errorf("%s: found k1 = %v, want %v", tc.q, found, tc.found)
			}
		})
	}
}

// TestExplainBodyWords: body words keep no term locations, so explain
// finds the query's body words in the hit's text: the paragraph's alone
// for a paragraph hit, and never a word of a title: clause.
func TestExplainBodyWords(t *testing.T) {
	ix := openMem(t)
	put(t, ix, "a", "城市新闻", "城市地铁票价调整", "市民关注经济发展")
	for _, tc := range []struct {
		name, q, typ, id string
		want             []string
	}{
		{"article", "地铁 经济", TypeArticle, "a", []string{"地铁", "经济"}},
		{"first paragraph", "地铁 OR 经济", TypeParagraph, "a#0", []string{"地铁"}},
		{"second paragraph", "地铁 OR 经济", TypeParagraph, "a#1", []string{"经济"}},
		{"title scope", "title:城市 票价", TypeArticle, "a", []string{"票价"}},
		{"body scope", "body:城市 票价", TypeArticle, "a", []string{"城市", "票价"}},
		{"phrase", `"票价调整"`, TypeArticle, "a", []string{"票价", "调整"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := explained(t, ix, Request{Query: tc.q, Type: tc.typ}, tc.id, "body", "word"); !slices.Equal(got, tc.want) {
				t.Errorf("body words %v, want %v", got, tc.want)
			}
		})
	}
}

// TestExplainSubstrings: the recall fields keep positions without byte
// offsets, and explain gives the text a substring match covered from the
// position: in the title, in an article's paragraph, in a paragraph hit.
func TestExplainSubstrings(t *testing.T) {
	ix := openMem(t)
	put(t, ix, "a", "市民热议票价调整", "城市地铁票价调整", "市民关注经济发展，地铁票价")
	for _, tc := range []struct {
		name, q, typ, id, field string
		want                    []string
	}{
		{"body", "body:铁票", TypeArticle, "a", "body", []string{"铁票"}},
		{"title", "title:议票", TypeArticle, "a", "title", []string{"议票"}},
		{"paragraph", "济发", TypeParagraph, "a#1", "body", []string{"济发"}},
		{"repeated", `"价调"`, TypeArticle, "a", "body", []string{"价调"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := explained(t, ix, Request{Query: tc.q, Type: tc.typ}, tc.id, tc.field, "substring"); !slices.Equal(got, tc.want) {
				t.Errorf("%s substrings %v, want %v", tc.field, got, tc.want)
			}
		})
	}
}

// TestSubheadsAreSearched: an article's subheads (### headings) are found
// by a plain query, as words and as substrings, and named by explain; the
// scopes title: and body: leave them out, and a paragraph search reads a
// paragraph's own text only.
func TestSubheadsAreSearched(t *testing.T) {
	ix := openMem(t)
	putArticle(t, ix, &article.Article{ID: "s1", Title: "开发区半年报", Paragraphs: []article.Paragraph{
		{Text: "园区企业稳步增长。"},
		{Text: "今年以来签约项目十二个。", Subhead: "上半年招商引资成绩亮眼"},
		{Text: "总投资超过百亿元。", Subhead: "上半年招商引资成绩亮眼"},
		{Text: "研发投入持续加大。", Subhead: "紧盯科技创新"},
	}})
	put(t, ix, "other", "无关标题", "另一篇文章的正文。")
	for _, tc := range []struct {
		q, typ string
		found  bool
	}{
		{"招商引资", TypeArticle, true},
		{"资成绩亮", TypeArticle, true}, // cuts across words: the recall field
		{"科技创新 研发", TypeArticle, true},
		{`"紧盯科技"`, TypeArticle, true},
		{"title:招商引资", TypeArticle, false},
		{"body:招商引资", TypeArticle, false},
		{"-招商引资 园区", TypeArticle, false}, // the subhead's word excludes it
		{"招商引资", TypeParagraph, false},
	} {
		t.Run(tc.typ+"/"+tc.q, func(t *testing.T) {
			if found := findsExplained(t, ix, Request{Query: tc.q, Type: tc.typ}, "s1", "subhead"); found != tc.found {
				t.Errorf("found s1 = %v, want %v", found, tc.found)
			}
		})
	}
}

// findsExplained runs r with explain and reports whether it finds the
// article id (or a paragraph of it); each such hit's explain must name
// field.
func findsExplained(t *testing.T, ix *Index, r Request, id, field string) bool {
	t.Helper()
	r.Explain = true
	found := false
	for _, h := range mustSearch(t, ix, r).Hits {
		if articleOf(h.ID) != id {
			continue
		}
		found = true
		if !slices.ContainsFunc(h.Explain, func(m Match) bool { return m.Field == field }) {
			t.Errorf("explain %+v of %s names no %s match", h.Explain, h.ID, field)
		}
	}
	return found
}

// explained runs r with explain and returns the terms its hit id lists for
// field and kind; the test fails if r does not find id.
func explained(t *testing.T, ix *Index, r Request, id, field, kind string) []string {
	t.Helper()
	r.Explain = true
	res := mustSearch(t, ix, r)
	for _, h := range res.Hits {
		if h.ID != id {
			continue
		}
		for _, m := range h.Explain {
			if m.Field == field && m.Kind == kind {
				return m.Terms
			}
		}
		return nil
	}
	t.Fatalf("no hit %s among %v", id, ids(res))
	return nil
}
