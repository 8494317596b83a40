package index

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/query"
	"github.com/zhsearch/zhsearch/tokenizer"
)

var recallSample = flag.Int("recall.sample", 6,
	"substrings sampled per paragraph of the chinanews corpus (0: all)")

// sharedData returns the path of a file of the evaluation data
// (../shared/data beside the clone, see DEVELOPERS.md) when
// ZHSEARCH_SHARED_DATA names that folder, as .ci/run does; otherwise the
// test skips, so that go test ./... passes on a clone alone. Named but
// missing data fails: CI must not skip an evaluation silently.
func sharedData(t *testing.T, rel string) string {
	t.Helper()
	dir := os.Getenv("ZHSEARCH_SHARED_DATA")
	if dir == "" {
		t.Skip("needs the evaluation data: ZHSEARCH_SHARED_DATA=$PWD/../shared/data go test ... (.ci/run does)")
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("ZHSEARCH_SHARED_DATA=%s: %v", dir, err)
	}
	return p
}

// hanSubstrings returns the distinct 2–6 character substrings of the runs
// of Chinese characters in text.
func hanSubstrings(text string) []string {
	seen := map[string]bool{}
	var out []string
	var run []rune
	flush := func() {
		for i := range run {
			for n := 2; n <= 6 && i+n <= len(run); n++ {
				s := string(run[i : i+n])
				if !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
			}
		}
		run = run[:0]
	}
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			run = append(run, r)
		} else {
			flush()
		}
	}
	flush()
	return out
}

// matchesDoc reports whether the query, compiled as Search compiles it for
// paragraphs, matches the paragraph document docID. Restricting the search
// to that one document checks recall whatever the ranking.
func matchesDoc(t *testing.T, ix *Index, q, docID string) bool {
	t.Helper()
	tree, err := query.Parse(q)
	if err != nil {
		t.Fatalf("parse %q: %v", q, err)
	}
	for _, id := range paragraphsMatching(t, ix, tree, []string{articleOf(docID)}) {
		if id == docID {
			return true
		}
	}
	return false
}

// paragraphsMatching lists the paragraphs a tree matches, as paragraph
// search finds them, in the articles ids names (all when nil), without
// building hits.
func paragraphsMatching(t *testing.T, ix *Index, tree query.Q, ids []string) []string {
	t.Helper()
	c := compiler{typ: TypeParagraph, seg: ix.seg, broadDocs: broadDocs, hl: newHighlightPlan(nil)}
	bqq, err := c.compile(tree)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	r := &Request{Type: TypeParagraph, IDs: ids}
	full, err := ix.withFilters(bqq, r)
	if err != nil {
		t.Fatal(err)
	}
	hits, _, err := ix.paragraphHits(context.Background(), full, newParaEval(&c, tree), r)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.id()
	}
	return out
}

// phraseHits returns the ids of every paragraph a quoted phrase finds:
// through the real Search, page by page, for a small corpus; for a large
// one, with the query compiled as Search compiles it, in one request
// without snippets.
func phraseHits(t *testing.T, ix *Index, phrase string, large bool) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	if large {
		tree, err := query.Parse(`"` + phrase + `"`)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range paragraphsMatching(t, ix, tree, nil) {
			ids[id] = true
		}
		return ids
	}
	for page := 1; ; page++ {
		res := mustSearch(t, ix, Request{Query: `"` + phrase + `"`, Type: TypeParagraph, Size: MaxSize, Page: page, Snippets: 1})
		for _, h := range res.Hits {
			ids[h.ID] = true
		}
		if len(res.Hits) < MaxSize || page*MaxSize >= 10000 {
			return ids
		}
	}
}

type para struct {
	id, text, norm string
}

func paragraphsOf(arts []*article.Article) []para {
	var ps []para
	for _, a := range arts {
		for i, p := range a.Paragraphs {
			ps = append(ps, para{a.ID + "#" + strconv.Itoa(i), p.Text, tokenizer.Normalize(p.Text)})
		}
	}
	return ps
}

// checkRecall runs the property over paragraphs: every (sampled) 2–6
// character Chinese substring, searched as a plain query, finds its
// paragraph; searched as a quoted phrase, finds exactly the paragraphs
// that contain it. It returns the counts checked.
func checkRecall(t *testing.T, ix *Index, ps []para, sample, phraseEvery int, rng *rand.Rand) (plain, phrases int) {
	t.Helper()
	phraseDone := map[string]bool{}
	for n, p := range ps {
		if len(ps) > 1000 && n%2000 == 0 {
			t.Logf("%d of %d paragraphs, %d queries and %d phrases checked", n, len(ps), plain, phrases)
		}
		subs := hanSubstrings(p.text)
		if sample > 0 && len(subs) > sample {
			rng.Shuffle(len(subs), func(i, j int) { subs[i], subs[j] = subs[j], subs[i] })
			subs = subs[:sample]
		}
		for k, s := range subs {
			plain++
			if len(ps) <= MaxSize { // a small corpus: through the real Search
				res := mustSearch(t, ix, Request{Query: s, Type: TypeParagraph, Size: MaxSize, Snippets: 1})
				if !contains(hitIDs(res), p.id) {
					t.Errorf("search %q does not return paragraph %s: %q", s, p.id, p.text)
				}
			} else if !matchesDoc(t, ix, s, p.id) {
				t.Errorf("query %q does not find paragraph %s: %q", s, p.id, p.text)
			}
			if k%phraseEvery != 0 || phraseDone[s] {
				continue
			}
			phraseDone[s] = true
			phrases++
			got := phraseHits(t, ix, s, len(ps) > MaxSize)
			ns := tokenizer.Normalize(s)
			want := 0
			for _, q := range ps {
				if strings.Contains(q.norm, ns) {
					want++
					if !got[q.id] {
						t.Errorf("phrase %q misses paragraph %s", s, q.id)
					}
				}
			}
			if len(got) != want {
				for id := range got {
					found := false
					for _, q := range ps {
						found = found || (q.id == id && strings.Contains(q.norm, ns))
					}
					if !found {
						t.Errorf("phrase %q finds paragraph %s, which does not contain it", s, id)
					}
				}
			}
			if t.Failed() {
				t.FailNow()
			}
		}
	}
	return plain, phrases
}

// TestRecallSeedPage is the recall property over every paragraph of the
// embedded seed page, with every substring, plain and quoted.
func TestRecallSeedPage(t *testing.T) {
	ix := openMem(t)
	arts := seedArticles(t)
	if err := ix.Put(context.Background(), arts...); err != nil {
		t.Fatal(err)
	}
	ps := paragraphsOf(arts)
	plain, phrases := checkRecall(t, ix, ps, 0, 1, rand.New(rand.NewSource(1)))
	t.Logf("seed page: %d paragraphs, %d plain queries and %d quoted phrases checked", len(ps), plain, phrases)
	if plain < 1000 {
		t.Errorf("only %d substrings checked: the seed page did not load", plain)
	}
}

// TestRecallSeedPageBroad is the plain-query half of the property with
// every query broad (broadq.go: words found through their bigrams at
// any position), the path that only common queries of a large index take.
func TestRecallSeedPageBroad(t *testing.T) {
	was := broadDocs // put back after the index is closed
	t.Cleanup(func() { broadDocs = was })
	broadDocs = 1
	ix := openMem(t)
	arts := seedArticles(t)
	if err := ix.Put(context.Background(), arts...); err != nil {
		t.Fatal(err)
	}
	ps := paragraphsOf(arts)
	plain, _ := checkRecall(t, ix, ps, 0, 1<<30, rand.New(rand.NewSource(1)))
	if plain < 1000 {
		t.Errorf("only %d substrings checked: the seed page did not load", plain)
	}
	// and broad queries still mark what they found
	res := mustSearch(t, ix, Request{Query: "经开区", Snippets: 1})
	if res.Total == 0 || !strings.Contains(strings.Join(res.Hits[0].Snippets, ""), "<mark>经开区</mark>") {
		t.Errorf("broad 经开区: %d hits, snippets %q", res.Total, res.Hits[0].Snippets)
	}
}

// TestRecallChinanews runs the property over the chinanews corpus when it
// is present and asked for with -recall.chinanews (it takes minutes).
func TestRecallChinanews(t *testing.T) {
	chinanewsPath := sharedData(t, filepath.Join("news", "chinanews.jsonl.gz"))
	f, err := os.Open(chinanewsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	ix := openMem(t)
	var arts []*article.Article
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		var rec struct {
			ID, Title, URL, Source string
			PublishedAt            string   `json:"published_at"`
			Paragraphs             []string `json:"paragraphs"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("%s:%d: %v", chinanewsPath, line, err)
		}
		a := &article.Article{ID: rec.ID, Title: rec.Title, URL: rec.URL, Source: rec.Source, PublishedAt: rec.PublishedAt}
		if a.ID == "" {
			a.ID = "line" + strconv.Itoa(line)
		}
		for _, p := range rec.Paragraphs {
			a.Paragraphs = append(a.Paragraphs, article.Paragraph{Text: p})
		}
		a.Normalize()
		if a.Validate() != nil {
			continue
		}
		arts = append(arts, a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(arts); i += 200 {
		if err := ix.Put(context.Background(), arts[i:min(i+200, len(arts))]...); err != nil {
			t.Fatal(err)
		}
	}
	ps := paragraphsOf(arts)
	t.Logf("indexed %d articles, %d paragraphs", len(arts), len(ps))
	plain, phrases := checkRecall(t, ix, ps, *recallSample, 4, rand.New(rand.NewSource(1)))
	t.Logf("chinanews: %d articles, %d paragraphs, %d plain queries and %d quoted phrases checked", len(arts), len(ps), plain, phrases)
	// Not a check that passes on nothing: the corpus' 2,449 articles load,
	// and paragraphs give their sample each (a few are shorter).
	if len(arts) < 2400 || plain < len(ps)*(*recallSample)*9/10 || phrases < plain/(4*2) {
		t.Errorf("checked too little: %d articles, %d paragraphs, %d queries, %d phrases", len(arts), len(ps), plain, phrases)
	}
}
