package index

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/zhsearch/zhsearch/article"
)

// TestMatchAgreesWithSearch: a standing search matches, among articles
// just written, exactly the articles a search with the same parameters
// finds in an index that holds only them.
func TestMatchAgreesWithSearch(t *testing.T) {
	ctx := context.Background()
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var mu sync.Mutex
	var ws []*Written
	ix.SetWriteHook(func(w *Written) {
		mu.Lock()
		ws = append(ws, w)
		mu.Unlock()
	})
	arts := testArticles(t)
	half := len(arts) / 2
	if err := ix.Put(ctx, arts[:half]...); err != nil { // two writes: two Written
		t.Fatal(err)
	}
	if err := ix.Put(ctx, arts[half:]...); err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 || ws[0].Len()+ws[1].Len() != len(arts) {
		t.Fatalf("the hook was told of %d writes", len(ws))
	}
	reqs := []Request{
		{Query: "地铁"},
		{Query: "郑州 地铁"},
		{Query: `"地铁12号线"`},
		{Query: "地铁 -郑州"},
		{Query: "地铁 OR 消费"},
		{Query: "title:经济"},
		{Query: "经济", Sections: []string{"经济"}},
		{Query: "交通", Tags: []string{"地铁", "历史"}},
		{Query: "交通", Since: "2024-01-01"},
		{Query: "疫苗"},
		{Query: "covid"},
		{Query: "郑"}, // a lone character
		{Query: "月球基地"},
	}
	got, errs, err := ix.Match(ctx, ws, reqs)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for i, r := range reqs {
		t.Run(r.Query, func(t *testing.T) {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			r.Size = MaxSize
			res, err := ix.Search(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, h := range res.Hits {
				want = append(want, h.ID)
			}
			slices.Sort(want)
			m := slices.Sorted(slices.Values(got[i]))
			if !slices.Equal(m, want) {
				t.Errorf("matched %v, search finds %v", m, want)
			}
			total += len(m)
		})
	}
	if total == 0 {
		t.Fatal("no standing search matched anything: the table checks nothing")
	}
}

// TestMatchLastVersion: of an id written twice, the later version is
// matched, once.
func TestMatchLastVersion(t *testing.T) {
	ctx := context.Background()
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var ws []*Written
	ix.SetWriteHook(func(w *Written) { ws = append(ws, w) })
	a := testArticles(t)[0]
	v1 := *a
	v1.Title = "第一版标题航天"
	v2 := *a
	v2.Title = "第二版标题海洋"
	for _, v := range []*article.Article{&v1, &v2} {
		if err := ix.Put(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := ix.Match(ctx, ws, []Request{{Query: "航天"}, {Query: "海洋"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got[0]) != 0 || !slices.Equal(got[1], []string{a.ID}) {
		t.Fatalf("matched %v", got)
	}
}

// TestWriteHookOnlyOnSuccess: a failed write tells the hook nothing;
// WrittenOf analyses stored articles again and leaves out unknown ids.
func TestWriteHookOnlyOnSuccess(t *testing.T) {
	ctx := context.Background()
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	calls := 0
	ix.SetWriteHook(func(*Written) { calls++ })
	bad := *testArticles(t)[0]
	bad.Title, bad.Paragraphs = "", nil
	if err := ix.Put(ctx, &bad); err == nil {
		t.Fatal("an empty article was stored")
	}
	if calls != 0 {
		t.Fatalf("the hook was told of a failed write")
	}
	arts := testArticles(t)[:2]
	if err := ix.Put(ctx, arts...); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("the hook was told %d times of one write", calls)
	}
	w, err := ix.WrittenOf(ctx, []string{arts[1].ID, "no-such-id"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.IDs(), []string{arts[1].ID}) {
		t.Fatalf("WrittenOf: %v", w.IDs())
	}
	if err := ix.CheckStanding(Request{Query: "地铁", Since: "yesterday"}); !errors.Is(err, ErrInvalidQuery) {
		t.Fatalf("a bad since was accepted: %v", err)
	}
	if err := ix.CheckStanding(Request{Query: "(地铁"}); !errors.Is(err, ErrInvalidQuery) {
		t.Fatalf("a bad query was accepted: %v", err)
	}
}

// TestMatchGeneratedQueries: on queries drawn from the articles' own text
// (runs of one to six characters, alone, two together, as a phrase, in a
// scope, negated, OR-ed, filtered), Match finds exactly what Search finds
// in an index of just those articles, whether the terms decide a query
// (matchplan.go) or the in-memory index does.
func TestMatchGeneratedQueries(t *testing.T) {
	ctx := context.Background()
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var ws []*Written
	ix.SetWriteHook(func(w *Written) { ws = append(ws, w) })
	arts := testArticles(t)
	if err := ix.Put(ctx, arts...); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(20, 1))
	run := func() string {
		for {
			a := arts[rng.IntN(len(arts))]
			text := a.Title
			if len(a.Paragraphs) > 0 && rng.IntN(4) > 0 {
				text = a.Paragraphs[rng.IntN(len(a.Paragraphs))].Text
			}
			rs := []rune(text)
			l := 1 + rng.IntN(6)
			if len(rs) <= l {
				continue
			}
			at := rng.IntN(len(rs) - l)
			s := strings.TrimSpace(strings.Map(func(r rune) rune {
				if strings.ContainsRune(`"():-+|\`, r) || unicode.IsSpace(r) {
					return -1
				}
				return r
			}, string(rs[at:at+l])))
			if s != "" && !strings.EqualFold(s, "or") && !strings.EqualFold(s, "and") && !strings.EqualFold(s, "not") {
				return s
			}
		}
	}
	var reqs []Request
	for range 400 {
		var q string
		switch rng.IntN(8) {
		case 0, 1, 2:
			q = run()
		case 3:
			q = run() + " " + run()
		case 4:
			q = `"` + run() + `"`
		case 5:
			q = []string{"title:", "body:"}[rng.IntN(2)] + run()
		case 6:
			q = run() + " -" + run()
		case 7:
			q = run() + " OR " + run()
		}
		r := Request{Query: q}
		if rng.IntN(10) == 0 {
			r.Since = "2024-01-01"
		}
		reqs = append(reqs, r)
	}
	got, errs, err := ix.Match(ctx, ws, reqs)
	if err != nil {
		t.Fatal(err)
	}
	exact, matched := 0, 0
	for i, r := range reqs {
		if p, err := ix.planOf(r); err == nil && p.exact {
			exact++
		}
		r.Size = MaxSize
		res, err := ix.Search(ctx, r)
		if (err != nil) != (errs[i] != nil) {
			t.Errorf("%q: Search says %v, Match %v", r.Query, err, errs[i])
			continue
		}
		if err != nil {
			continue
		}
		var want []string
		for _, h := range res.Hits {
			want = append(want, h.ID)
		}
		slices.Sort(want)
		if m := slices.Sorted(slices.Values(got[i])); !slices.Equal(m, want) {
			t.Errorf("%q (since %q): matched %v, search finds %v", r.Query, r.Since, m, want)
		}
		if len(want) > 0 {
			matched++
		}
	}
	// the table must exercise both paths, and find things
	if exact < 100 || exact > len(reqs)-100 || matched < 100 {
		t.Fatalf("%d of %d queries decided by terms, %d matched something: the generator checks too little", exact, len(reqs), matched)
	}
	t.Logf("%d queries, %d decided by terms, %d matched something", len(reqs), exact, matched)
}

// TestMatchByTerms: where the terms decide (matchplan.go), a word's
// bigrams must be consecutive in one element, and a word that also
// matches as a word (日 in 28日，郑州) matches as one.
func TestMatchByTerms(t *testing.T) {
	ctx := context.Background()
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var ws []*Written
	ix.SetWriteHook(func(w *Written) { ws = append(ws, w) })
	arts := []*article.Article{
		{ID: "apart", Title: "湖边", Paragraphs: []article.Paragraph{{Text: "人工岛园区加工智造，智能手机热销。"}}},
		{ID: "split", Title: "研究人工", Paragraphs: []article.Paragraph{{Text: "工智能。"}}},
		{ID: "whole", Title: "人工智能大会", Paragraphs: []article.Paragraph{{Text: "28日，郑州地铁开通。"}}},
		{ID: "word", Title: "日出", Paragraphs: []article.Paragraph{{Text: "郑州，日，月。"}}},
		{ID: "word2", Title: "日 郑州", Paragraphs: []article.Paragraph{{Text: "5 日 郑州 3 号线"}}},
	}
	for _, a := range arts {
		a.Normalize()
	}
	if err := ix.Put(ctx, arts...); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"人工智能", []string{"whole"}},
		{"日郑州", []string{"whole", "word", "word2"}}, // 日 as a word in word and word2
		{"智能", []string{"apart", "split", "whole"}},
	} {
		t.Run(tc.q, func(t *testing.T) {
			r := Request{Query: tc.q}
			if p, err := ix.planOf(r); err != nil || !p.exact {
				t.Fatalf("not decided by terms (%v)", err)
			}
			got, errs, err := ix.Match(ctx, ws, []Request{r})
			if err != nil || errs[0] != nil {
				t.Fatal(err, errs[0])
			}
			r.Size = MaxSize
			res, err := ix.Search(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			var found []string
			for _, h := range res.Hits {
				found = append(found, h.ID)
			}
			slices.Sort(found)
			if !slices.Equal(got[0], tc.want) || !slices.Equal(found, tc.want) {
				t.Errorf("matched %v, search finds %v, want %v", got[0], found, tc.want)
			}
		})
	}
}
