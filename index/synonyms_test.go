package index

import (
	"context"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/synonym"
)

func synonymSet(t *testing.T, lines ...string) *synonym.Set {
	t.Helper()
	rules, err := synonym.Parse(strings.NewReader(strings.Join(lines, "\n")), "test")
	if err != nil {
		t.Fatal(err)
	}
	set, err := synonym.NewSet(rules)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func synonymIndex(t *testing.T) *Index {
	t.Helper()
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	arts := []*article.Article{
		{ID: "full", Title: "世界卫生组织发布报告", Paragraphs: []article.Paragraph{{Text: "世界卫生组织今天发布了新的报告，世界卫生组织说。"}, {Text: "报告谈到了疫苗。"}}},
		{ID: "latin", Title: "卫生新闻", Paragraphs: []article.Paragraph{{Text: "WHO今天发布了新的报告。"}}},
		{ID: "short", Title: "卫生新闻", Paragraphs: []article.Paragraph{{Text: "今天上午，各国代表在会议上讨论了很多问题，包括气候、贸易、能源和交通，最后才谈到世卫组织的工作。"}}},
		{ID: "potato", Title: "农业新闻", Paragraphs: []article.Paragraph{{Text: "今年土豆丰收，农民很高兴。"}}},
		{ID: "other", Title: "体育新闻", Paragraphs: []article.Paragraph{{Text: "足球比赛今天举行。"}}},
	}
	for _, a := range arts {
		a.Normalize()
	}
	if err := ix.Put(context.Background(), arts...); err != nil {
		t.Fatal(err)
	}
	return ix
}

// A text the list names finds the articles holding any of its words,
// the form as typed first, each marked on the form it holds and counted
// as holding the query as words; the list's words are what the result
// says it searched.
func TestSynonymsExpand(t *testing.T) {
	ix := synonymIndex(t)
	set := synonymSet(t, "世卫组织, 世界卫生组织, WHO", "土豆 => 马铃薯")
	res := mustSearch(t, ix, Request{Query: "世卫组织", Synonyms: set})
	ids := hitIDs(res)
	if len(ids) != 3 || ids[0] != "short" {
		t.Fatalf("世卫组织 with synonyms: hits %v, want short first, then full and latin", ids)
	}
	for _, h := range res.Hits {
		want := map[string]string{"short": "<mark>世卫组织</mark>", "full": "<mark>世界卫生组织</mark>", "latin": "<mark>WHO</mark>"}[h.ID]
		if len(h.Snippets) == 0 || !strings.Contains(h.Snippets[0], want) {
			t.Errorf("%s: snippets %q, want %s marked", h.ID, h.Snippets, want)
		}
		if h.Match != MatchWords {
			t.Errorf("%s: match %q, want %q", h.ID, h.Match, MatchWords)
		}
	}
	// the form as typed ranks first whatever the texts' own scores: a
	// whole exactBonus above the others, in the same tier
	for _, h := range res.Hits[1:] {
		if d := res.Hits[0].Score - h.Score; d < 900 || d >= tierScore { // exactBonus is 1000, text scores under 100
			t.Errorf("%s scores %.1f below the exact form's %s; want about exactBonus", h.ID, d, res.Hits[0].ID)
		}
	}
	if got := res.Synonyms["世卫组织"]; len(got) != 2 {
		t.Errorf("result synonyms %v, want the two other words of the rule", res.Synonyms)
	}

	t.Run("without the list", func(t *testing.T) {
		if ids := hitIDs(mustSearch(t, ix, Request{Query: "世卫组织"})); len(ids) != 1 || ids[0] != "short" {
			t.Errorf("hits %v, want short alone", ids)
		}
	})
	t.Run("paragraphs", func(t *testing.T) {
		res := mustSearch(t, ix, Request{Query: "世卫组织", Type: TypeParagraph, Synonyms: set})
		if res.Total != 3 {
			t.Errorf("paragraph hits %v (total %d), want the three paragraphs naming it", hitIDs(res), res.Total)
		}
	})
	t.Run("one-way", func(t *testing.T) {
		if ids := hitIDs(mustSearch(t, ix, Request{Query: "马铃薯", Synonyms: set})); len(ids) != 0 {
			t.Errorf("马铃薯 with 土豆 => 马铃薯: hits %v, want none (the rule works forward only)", ids)
		}
		if ids := hitIDs(mustSearch(t, ix, Request{Query: "土豆", Synonyms: set})); len(ids) != 1 || ids[0] != "potato" {
			t.Errorf("土豆: hits %v, want potato", ids)
		}
	})
	t.Run("quoted phrase", func(t *testing.T) {
		if ids := hitIDs(mustSearch(t, ix, Request{Query: `"世卫组织"`, Synonyms: set})); len(ids) != 1 {
			t.Errorf("a quoted phrase is expanded unasked: hits %v", ids)
		}
		if ids := hitIDs(mustSearch(t, ix, Request{Query: `"世卫组织"`, Synonyms: set, SynonymPhrases: true})); len(ids) != 3 {
			t.Errorf("a quoted phrase with SynonymPhrases: hits %v, want 3", ids)
		}
	})
	t.Run("negated", func(t *testing.T) {
		if ids := hitIDs(mustSearch(t, ix, Request{Query: "今天 -世卫组织", Synonyms: set})); len(ids) != 1 || ids[0] != "other" {
			t.Errorf("今天 -世卫组织: hits %v, want other alone (every form excluded)", ids)
		}
	})
}
