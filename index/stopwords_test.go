package index

import (
	"strings"
	"testing"
)

// TestStopWords: stop words stay in the index (a quoted phrase with 的
// matches exactly), but a plain query neither requires them nor marks them
// on their own.
func TestStopWords(t *testing.T) {
	ix := openMem(t)
	put(t, ix, "a1", "新闻一", "郑州的经济发展很快。", "经济发展是第一要务。")
	put(t, ix, "a2", "新闻二", "经济与发展并不相同。")
	put(t, ix, "a3", "新闻三", "经济好的时候,大家的日子也好过。")

	t.Run("plain query does not require 的", func(t *testing.T) {
		res := mustSearch(t, ix, Request{Query: "经济的发展", Type: TypeParagraph, Size: 10})
		ids := hitIDs(res)
		for _, want := range []string{"a1#0", "a1#1", "a2#0"} {
			if !contains(ids, want) {
				t.Errorf("经济的发展 finds %v, want %s among them", ids, want)
			}
		}
	})
	t.Run("stop words are not marked alone", func(t *testing.T) {
		res := mustSearch(t, ix, Request{Query: "经济 的", Type: TypeParagraph, Size: 10})
		if len(res.Hits) == 0 {
			t.Fatal("no hits")
		}
		for _, h := range res.Hits {
			for _, s := range h.Snippets {
				if strings.Contains(s, "<mark>的</mark>") || strings.Contains(s, "<mark>是</mark>") || !strings.Contains(s, "<mark>经济</mark>") {
					t.Errorf("%s: stop word marked alone in %q", h.ID, s)
				}
			}
		}
	})
	t.Run("quoted phrase keeps 的", func(t *testing.T) {
		res := mustSearch(t, ix, Request{Query: `"郑州的经济"`, Type: TypeParagraph, Size: 10})
		if ids := hitIDs(res); len(ids) != 1 || ids[0] != "a1#0" {
			t.Fatalf(`"郑州的经济" finds %v, want [a1#0]`, ids)
		}
		if s := res.Hits[0].Snippets[0]; !strings.Contains(s, "<mark>郑州的经济</mark>") {
			t.Errorf("phrase not marked whole: %q", s)
		}
	})
	t.Run("a stop word alone is still searchable", func(t *testing.T) {
		res := mustSearch(t, ix, Request{Query: "是", Type: TypeParagraph, Size: 10})
		if ids := hitIDs(res); len(ids) != 1 || ids[0] != "a1#1" {
			t.Errorf("是 finds %v, want [a1#1]", ids)
		}
	})
	t.Run("precise mode at query time", func(t *testing.T) {
		// 经济发展 is analysed as 经济 + 发展 (precise mode), never split
		// into single characters: 经济与发展 lacks the phrase but has both words.
		terms := (&compiler{seg: ix.seg}).termsOf("经济发展")
		if strings.Join(terms, " ") != "经济 发展" {
			t.Errorf("query terms of 经济发展 = %q", terms)
		}
	})
}

func hitIDs(res *Result) []string {
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
