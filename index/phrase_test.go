package index

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// TestPhraseMatchesBleve: phrase finds the documents bleve's phrase and
// multi-phrase searchers find, with the same scores and, when asked, the
// same locations: substrings of the seed page (in articles and in
// paragraphs), substrings that repeat, that cross paragraphs or words,
// and word phrases in titles.
func TestPhraseMatchesBleve(t *testing.T) {
	ix := openMem(t)
	arts := seedArticles(t)
	arts = append(arts,
		&article.Article{ID: "rep", Title: "地铁地铁", Paragraphs: []article.Paragraph{
			{Text: "地铁地铁地铁票价，地铁票价地铁"}, {Text: "票价地铁"}, {Text: "地铁"}}},
		&article.Article{ID: "cross", Title: "跨段", Paragraphs: []article.Paragraph{
			{Text: "城市地铁"}, {Text: "票价调整"}}},
	)
	for _, a := range arts {
		putArticle(t, ix, a)
	}
	var phrases [][]string
	addSubs := func(text string, every int) {
		runes := []rune(text)
		for i := 0; i+2 <= len(runes); i += every {
			for n := 2; n <= 7 && i+n <= len(runes); n += 2 {
				if p := tokenizer.RecallPhrase(string(runes[i : i+n])); len(p) > 1 {
					phrases = append(phrases, p)
				}
			}
		}
	}
	for _, a := range arts {
		for _, p := range a.Paragraphs {
			addSubs(p.Text, 7)
		}
	}
	phrases = append(phrases,
		tokenizer.RecallPhrase("地铁地铁"), tokenizer.RecallPhrase("铁地铁"), tokenizer.RecallPhrase("地铁票价地铁"),
		tokenizer.RecallPhrase("城市地铁票价"), // across two paragraphs: no match
		tokenizer.RecallPhrase("价地"), []string{"地铁", "", "地铁"}, []string{"票价", "地铁"})
	type query struct {
		name  string
		ours  bq.Query
		bleve bq.Query
	}
	var qs []query
	for _, p := range phrases {
		for _, f := range []string{fieldRecall} {
			multi := make([][]string, len(p))
			for i, t := range p {
				multi[i] = []string{t}
			}
			b := bleve.NewPhraseQuery(p, f)
			b.SetBoost(2)
			qs = append(qs, query{fmt.Sprint(f, p), newPhrase(multi, f, inAll, 2), b})
			// alternatives at the last position, as for an open end
			alts := slices.Clone(multi)
			alts[len(alts)-1] = []string{p[len(p)-1], "地铁", "票价"}
			qs = append(qs, query{fmt.Sprint(f, alts), newPhrase(alts, f, inAll, 1), bq.NewMultiPhraseQuery(alts, f)})
		}
	}
	for _, words := range [][]string{{"地铁", "票价"}, {"票价", "地铁"}} {
		qs = append(qs, query{fmt.Sprint(fieldTitle, words), newPhrase([][]string{{words[0]}, {words[1]}}, fieldTitle, inAll, 1), bleve.NewPhraseQuery(words, fieldTitle)})
	}
	matched := 0
	for _, q := range qs {
		for _, locs := range []bool{false, true} {
			ours, theirs := bleveHits(t, ix, q.ours, locs), bleveHits(t, ix, q.bleve, locs)
			if len(ours) != len(theirs) {
				t.Fatalf("%s (locations %v): %d hits, bleve %d: %v against %v", q.name, locs, len(ours), len(theirs), ours, theirs)
			}
			for i := range ours {
				// (bleve's phrase searcher reports locations even when not asked)
				if ours[i].id != theirs[i].id || math.Abs(ours[i].score-theirs[i].score) > 1e-9 || locs && ours[i].locs != theirs[i].locs {
					t.Fatalf("%s (locations %v): hit %d %+v, bleve %+v", q.name, locs, i, ours[i], theirs[i])
				}
			}
			matched += len(ours)
		}
	}
	if matched < len(qs) { // the test must compare matches, not empty lists
		t.Fatalf("%d hits over %d queries", matched, len(qs))
	}
	t.Logf("%d queries, %d hits compared", len(qs), matched)
}

type phraseHit struct {
	id    string
	score float64
	locs  string // sorted field/term/paragraph/position list
}

func bleveHits(t *testing.T, ix *Index, q bq.Query, locs bool) []phraseHit {
	t.Helper()
	req := bleve.NewSearchRequestOptions(q, 10000, 0, false)
	req.IncludeLocations = locs
	req.SortBy([]string{"_id"})
	res, err := ix.bi.SearchInContext(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var out []phraseHit
	for _, h := range res.Hits {
		out = append(out, phraseHit{h.ID, h.Score, locationList(h)})
	}
	return out
}

func locationList(h *search.DocumentMatch) string {
	var list []string
	for f, terms := range h.Locations {
		for term, ls := range terms {
			for _, l := range ls {
				list = append(list, fmt.Sprintf("%s/%s/%v/%d", f, term, l.ArrayPositions, l.Pos))
			}
		}
	}
	slices.Sort(list)
	list = slices.Compact(list)
	return fmt.Sprint(list)
}
