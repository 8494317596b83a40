package index

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// wordDocs counts the documents of type typ whose word field holds term
// whole (not through the bigram recall path).
func wordDocs(t *testing.T, ix *Index, field, term string) uint64 {
	t.Helper()
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	res, err := ix.bi.Search(bleve.NewSearchRequestOptions(q, 0, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

// bodyDocs counts the documents whose body (an article's or a
// paragraph's) holds term as a word.
func bodyDocs(t *testing.T, ix *Index, term string) uint64 {
	t.Helper()
	return wordDocs(t, ix, fieldBody, term) + wordDocs(t, ix, fieldParaBody, term)
}

func waitReindex(t *testing.T, ix *Index) ReindexStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ix.WaitReindex(ctx); err != nil {
		t.Fatalf("re-index did not finish: %v (%+v)", err, ix.ReindexStatus())
	}
	return ix.ReindexStatus()
}

func words(toks []tokenizer.Explained) []string {
	var out []string
	for _, t := range toks {
		if t.Field == "words" && t.Kind == tokenizer.KindWord {
			out = append(out, t.Term)
		}
	}
	return out
}

// TestAddWordsReindexes: a word added at run time takes effect at once for
// queries and new documents, and the background re-index makes the stored
// articles that contain it hold it whole too.
func TestAddWordsReindexes(t *testing.T) {
	ctx := context.Background()
	ix := openMem(t)
	// gse splits 中原数谷 (中原/数谷) and 郑开科创走廊 (郑开/科创/走廊).
	put(t, ix, "old1", "中原数谷开园", "中原数谷今天开园。", "没有这个词的段落。")
	put(t, ix, "old2", "别的新闻", "与它无关。")
	if n := bodyDocs(t, ix, "中原数谷"); n != 0 {
		t.Fatalf("before adding, %d documents hold 中原数谷 whole", n)
	}
	if got := words(ix.Analyze("中原数谷", tokenizer.QueryMode)); len(got) == 1 {
		t.Fatalf("gse already knows 中原数谷 (%q): pick another word", got)
	}

	res, err := ix.AddWords(ctx, tokenizer.Word{Word: "中原数谷", Freq: 1000, Pos: "ns"}, tokenizer.Word{Word: "郑开科创走廊"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 2 {
		t.Errorf("added %d, want 2", res.Added)
	}
	// at once, for queries and new documents
	if got := words(ix.Analyze("中原数谷和郑开科创走廊", tokenizer.QueryMode)); strings.Join(got, " ") != "中原数谷 和 郑开科创走廊" {
		t.Errorf("query analysis after adding = %q", got)
	}
	put(t, ix, "new1", "郑开科创走廊论坛", "郑开科创走廊论坛开幕。")

	st := waitReindex(t, ix)
	if st.State != ReindexDone || st.Total != 1 || st.Done != 1 {
		t.Errorf("re-index status %+v, want done 1 of 1 (old1 only)", st)
	}
	if n := bodyDocs(t, ix, "中原数谷"); n != 2 { // article old1 and its paragraph 0
		t.Errorf("after re-index, %d documents hold 中原数谷 whole, want 2", n)
	}
	if n := wordDocs(t, ix, fieldTitle, "郑开科创走廊"); n != 1 {
		t.Errorf("%d titles hold 郑开科创走廊 whole, want 1", n)
	}
	hits := mustSearch(t, ix, Request{Query: "中原数谷", Type: TypeParagraph})
	if ids := hitIDs(hits); len(ids) != 1 || ids[0] != "old1#0" || !strings.Contains(hits.Hits[0].Snippets[0], "<mark>中原数谷</mark>") {
		t.Errorf("search after re-index: %v %v", ids, hits.Hits)
	}

	d, err := ix.Dictionary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, w := range d.Words {
		if (w.Word == "中原数谷" && w.Freq == 1000 && w.Pos == "ns") || (w.Word == "郑开科创走廊" && w.Freq == tokenizer.DefaultFreq) {
			found++
		}
	}
	if found != 2 {
		t.Errorf("dictionary lists %+v", d.Words)
	}

	// adding the same words again changes nothing and starts nothing
	again, err := ix.AddWords(ctx, tokenizer.Word{Word: "中原数谷", Freq: 1000, Pos: "ns"})
	if err != nil || again.Added != 0 {
		t.Errorf("re-adding: %+v %v", again, err)
	}
}

func TestAddWordsRejectsBadInput(t *testing.T) {
	ix := openMem(t)
	for _, tt := range []struct {
		name  string
		words []tokenizer.Word
	}{
		{"none", nil},
		{"empty word", []tokenizer.Word{{Word: " "}}},
		{"space inside", []tokenizer.Word{{Word: "二七 经开区"}}},
		{"negative freq", []tokenizer.Word{{Word: "中原数谷", Freq: -1}}},
		{"too long", []tokenizer.Word{{Word: strings.Repeat("长", 33)}}},
		{"one bad among good", []tokenizer.Word{{Word: "好词甲乙"}, {Word: "\x01"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ix.AddWords(context.Background(), tt.words...)
			if !errors.Is(err, tokenizer.ErrBadWord) {
				t.Fatalf("err = %v, want ErrBadWord", err)
			}
		})
	}
	if ix.seg.Contains("好词甲乙") {
		t.Error("a rejected call added its good words")
	}
}

// TestDictionaryPersists: words added to an index on disk are stored in
// it and re-applied when it is opened again, in a fresh process whose
// segmenter never saw them.
func TestDictionaryPersists(t *testing.T) {
	if dir := os.Getenv("ZHSEARCH_TEST_REOPEN"); dir != "" {
		reopenChild(t, dir)
		return
	}
	dir := filepath.Join(t.TempDir(), "idx")
	ix, err := Open(Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.AddWords(context.Background(), tokenizer.Word{Word: "郑好办事", Freq: 5000, Pos: "nz"}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDictionaryPersists$", "-test.v")
	cmd.Env = append(os.Environ(), "ZHSEARCH_TEST_REOPEN="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "reopened with 郑好办事") {
		t.Fatalf("reopening in a fresh process: %v\n%s", err, out)
	}
}

func reopenChild(t *testing.T, dir string) {
	seg, err := tokenizer.Shared()
	if err != nil {
		t.Fatal(err)
	}
	if seg.Contains("郑好办事") {
		t.Fatal("a fresh segmenter already knows 郑好办事")
	}
	ix, err := Open(Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if got := words(ix.Analyze("郑好办事", tokenizer.QueryMode)); len(got) != 1 || got[0] != "郑好办事" {
		t.Fatalf("after reopening, 郑好办事 analyses to %q", got)
	}
	d, err := ix.Dictionary(context.Background())
	if err != nil || len(d.Words) != 1 || d.Words[0] != (tokenizer.Word{Word: "郑好办事", Freq: 5000, Pos: "nz"}) {
		t.Fatalf("dictionary after reopening: %+v %v", d, err)
	}
	t.Log("reopened with 郑好办事")
}

// TestAddWordsReindexesKicker: an article whose kicker alone holds a new
// word is re-indexed too, so that the kicker holds the word whole.
func TestAddWordsReindexesKicker(t *testing.T) {
	ix := openMem(t)
	putArticle(t, ix, &article.Article{ID: "k1", Title: "论坛开幕", Kicker: "聚焦航空港智造园",
		Paragraphs: []article.Paragraph{{Text: "嘉宾云集。"}}})
	if n := wordDocs(t, ix, fieldKicker, "航空港智造园"); n != 0 {
		t.Fatalf("before adding, %d kickers hold 航空港智造园 whole", n)
	}
	if _, err := ix.AddWords(context.Background(), tokenizer.Word{Word: "航空港智造园"}); err != nil {
		t.Fatal(err)
	}
	if st := waitReindex(t, ix); st.State != ReindexDone || st.Total != 1 {
		t.Errorf("re-index status %+v, want done 1 of 1", st)
	}
	if n := wordDocs(t, ix, fieldKicker, "航空港智造园"); n != 1 {
		t.Errorf("after re-index, %d kickers hold 航空港智造园 whole, want 1", n)
	}
}
