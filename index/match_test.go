package index

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

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
