package index

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/document"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/bench"
)

// The precision of the names (docs/entities.md): index/testdata/entities_precision.tsv
// holds 200 names extracted from real articles, each checked by reading
// the sentence it came from. TestEntitiesPrecision recomputes the
// precision from the verdicts and extracts the names of those articles
// again, so that the list stays the extractor's; -entities-sample=FILE
// draws a new sample (with the sentences, to read) into FILE, outside
// the repository: the articles' text is not ours to copy.

var entitiesSample = flag.String("entities-sample", "", "write a new sample of 200 extracted names, with their sentences, to this file")

const (
	entitiesCorpus = "../../shared/data/news/xwlb.jsonl.gz"
	entitiesList   = "testdata/entities_precision.tsv"
	// The corpus's first 3,000 articles (and all of chinanews) were read
	// to write tokenizer/entity_fix.txt; the sample is drawn after them.
	entitiesDevArticles = 3000
	entitiesSampleSize  = 200
)

// corpusArticles reads the articles of the corpus that want accepts (by
// line number, from 1), as the import would store them.
func corpusArticles(t *testing.T, want func(line int, id string) bool) []*article.Article {
	t.Helper()
	f, err := os.Open(entitiesCorpus)
	if err != nil {
		t.Skipf("the news corpus is missing (%v): see ../shared/data/SOURCES.md", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []*article.Article
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var d bench.Doc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("%s:%d: %v", entitiesCorpus, line, err)
		}
		if !want(line, d.ID) {
			continue
		}
		a := &article.Article{ID: d.ID, Title: d.Title}
		for _, p := range d.Paragraphs {
			a.Paragraphs = append(a.Paragraphs, article.Paragraph{Text: p})
		}
		a.Normalize()
		if a.Validate() == nil {
			out = append(out, a)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type extracted struct{ name, kind string }

// namesOf prepares an article as a write does and reads its names off
// the document.
func namesOf(t *testing.T, ix *Index, a *article.Article) []extracted {
	t.Helper()
	p, err := ix.prepare(a)
	if err != nil {
		t.Fatal(err)
	}
	var out []extracted
	p.doc.VisitFields(func(f bleveindex.Field) {
		if _, ok := f.(*document.TextField); ok {
			switch f.Name() {
			case fieldPerson, fieldPlace, fieldOrg:
				out = append(out, extracted{string(f.Value()), f.Name()})
			}
		}
	})
	return out
}

func TestEntitiesPrecision(t *testing.T) {
	if *entitiesSample != "" {
		writeEntitiesSample(t, *entitiesSample)
		return
	}
	raw, err := os.ReadFile(entitiesList)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ id, name, kind, verdict string }
	var rows []row
	ids := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "id\t") {
			continue // the comment and the header
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 || (f[3] != "correct" && f[3] != "wrong") {
			t.Fatalf("%s:%d: want id, name, kind, correct|wrong, reason: %q", entitiesList, i+1, line)
		}
		rows = append(rows, row{f[0], f[1], f[2], f[3]})
		ids[f[0]] = true
	}
	correct := 0
	for _, r := range rows {
		if r.verdict == "correct" {
			correct++
		}
	}
	precision := float64(correct) / float64(len(rows))
	t.Logf("precision %.3f (%d correct of %d names, %s)", precision, correct, len(rows), entitiesList)
	if len(rows) != entitiesSampleSize {
		t.Errorf("%s holds %d names, want %d", entitiesList, len(rows), entitiesSampleSize)
	}
	if precision < 0.85 {
		t.Errorf("precision %.3f is below the bar of 0.85", precision)
	}

	// The list must still be what the extractor finds.
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	arts := corpusArticles(t, func(_ int, id string) bool { return ids[id] })
	found := map[string]map[extracted]bool{}
	for _, a := range arts {
		found[a.ID] = map[extracted]bool{}
		for _, e := range namesOf(t, ix, a) {
			found[a.ID][e] = true
		}
	}
	for _, r := range rows {
		if !found[r.id][extracted{r.name, r.kind}] {
			t.Errorf("article %s: the extractor no longer finds %s %s: draw and judge a new sample (-entities-sample)", r.id, r.kind, r.name)
		}
	}
}

// writeEntitiesSample draws one extracted name from each of 200 random
// articles past the development articles, with the sentence it first
// appears in, for a reader to judge.
func writeEntitiesSample(t *testing.T, path string) {
	if abs, _ := filepath.Abs(path); strings.HasPrefix(abs, mustAbs(t, "..")+string(filepath.Separator)) {
		t.Fatalf("%s is inside the repository: the sentences are the corpus's text, write them elsewhere", path)
	}
	rng := rand.New(rand.NewPCG(20, 3))
	arts := corpusArticles(t, func(line int, _ string) bool { return line > entitiesDevArticles })
	rng.Shuffle(len(arts), func(i, j int) { arts[i], arts[j] = arts[j], arts[i] })
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var b strings.Builder
	n := 0
	for _, a := range arts {
		if n == entitiesSampleSize {
			break
		}
		names := namesOf(t, ix, a)
		if len(names) == 0 {
			continue
		}
		e := names[rng.IntN(len(names))]
		fmt.Fprintf(&b, "%s\t%s\t%s\t\t\t%s\n", a.ID, e.name, e.kind, sentenceOf(a, e.name))
		n++
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d names to %s", n, path)
}

func mustAbs(t *testing.T, p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// sentenceOf is the first sentence of the article holding name.
func sentenceOf(a *article.Article, name string) string {
	texts := []string{a.Title}
	for _, p := range a.Paragraphs {
		texts = append(texts, p.Text)
	}
	for _, text := range texts {
		i := strings.Index(text, name)
		if i < 0 {
			continue
		}
		start := 0
		if j := strings.LastIndexAny(text[:i], "。！？；"); j >= 0 {
			_, size := utf8.DecodeRuneInString(text[j:])
			start = j + size
		}
		end := len(text)
		if j := strings.IndexAny(text[i:], "。！？；"); j >= 0 {
			end = i + j
		}
		return strings.ReplaceAll(text[start:end], "\t", " ")
	}
	return ""
}
