package index

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
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

// bodyDocs counts the articles whose text holds term as a word.
func bodyDocs(t *testing.T, ix *Index, term string) uint64 {
	t.Helper()
	return wordDocs(t, ix, fieldWords, term)
}

// ownSegmenter loads a segmenter for one index of the test alone: the
// words the test adds reach no other test, and a second run (-count=N)
// starts without them.
func ownSegmenter(t testing.TB) *tokenizer.Segmenter {
	t.Helper()
	seg, err := tokenizer.NewSegmenter()
	if err != nil {
		t.Fatal(err)
	}
	return seg
}

// openOwn opens an in-memory index with a segmenter of its own.
func openOwn(t testing.TB) *Index {
	t.Helper()
	ix, err := Open(Options{Segmenter: ownSegmenter(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
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
	ix := openOwn(t)
	const w1, w2 = "中原数谷", "郑开科创走廊"
	for _, w := range []string{w1, w2} {
		if got := words(ix.Analyze(w, tokenizer.QueryMode)); len(got) < 2 {
			t.Fatalf("before adding, %s analyses to %q: want gse to split it", w, got)
		}
	}
	put(t, ix, "old1", w1+"开园", w1+"今天开园。", "没有这个词的段落。")
	put(t, ix, "old2", "别的新闻", "与它无关。")
	if n := bodyDocs(t, ix, w1); n != 0 {
		t.Fatalf("before adding, %d documents hold %s whole", n, w1)
	}

	res, err := ix.AddWords(ctx, tokenizer.Word{Word: w1, Freq: 1000, Pos: "ns"}, tokenizer.Word{Word: w2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 2 {
		t.Errorf("added %d, want 2", res.Added)
	}
	// at once, for queries and new documents
	if got := words(ix.Analyze(w1+"和"+w2, tokenizer.QueryMode)); strings.Join(got, " ") != w1+" 和 "+w2 {
		t.Errorf("query analysis after adding = %q", got)
	}
	put(t, ix, "new1", w2+"论坛", w2+"论坛开幕。")

	st := waitReindex(t, ix)
	// old1, and new1 when the re-index looks after it was written
	if st.State != ReindexDone || st.Total < 1 || st.Total > 2 || st.Done != st.Total {
		t.Errorf("re-index status %+v, want done, old1 (and new1)", st)
	}
	if n := bodyDocs(t, ix, w1); n != 1 { // article old1
		t.Errorf("after re-index, %d documents hold %s whole, want 1", n, w1)
	}
	if n := wordDocs(t, ix, fieldTitle, w2); n != 1 {
		t.Errorf("%d titles hold %s whole, want 1", n, w2)
	}
	hits := mustSearch(t, ix, Request{Query: w1, Type: TypeParagraph})
	if ids := hitIDs(hits); len(ids) != 1 || ids[0] != "old1#0" || !strings.Contains(hits.Hits[0].Snippets[0], "<mark>"+w1+"</mark>") {
		t.Errorf("search after re-index: %v %v", ids, hits.Hits)
	}

	d, err := ix.Dictionary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, w := range d.Words {
		if (w.Word == w1 && w.Freq == 1000 && w.Pos == "ns") || (w.Word == w2 && w.Freq == tokenizer.DefaultFreq) {
			found++
		}
	}
	if found != 2 {
		t.Errorf("dictionary lists %+v", d.Words)
	}

	// adding the same words again changes nothing and starts nothing
	again, err := ix.AddWords(ctx, tokenizer.Word{Word: w1, Freq: 1000, Pos: "ns"})
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
// it and re-applied when it is opened again on a fresh segmenter, one that
// never saw them (as in a new process).
func TestDictionaryPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	ix, err := Open(Options{Path: dir, Segmenter: ownSegmenter(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.AddWords(context.Background(), tokenizer.Word{Word: "郑好办事", Freq: 5000, Pos: "nz"}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	seg := ownSegmenter(t)
	if seg.Contains("郑好办事") {
		t.Fatal("a fresh segmenter already knows 郑好办事")
	}
	ix, err = Open(Options{Path: dir, Segmenter: seg})
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
}

// TestAddWordsReindexesHeadings: a dictionary change re-indexes articles
// whose kicker or subheads hold a new word, so they hold it whole.
func TestAddWordsReindexesHeadings(t *testing.T) {
	for _, tc := range []struct {
		field string
		word  string // a word gse splits
		make  func(w string) *article.Article
	}{
		{"kicker", "航空港智造园", func(w string) *article.Article {
			return &article.Article{ID: "k1", Title: "论坛开幕", Kicker: "聚焦" + w,
				Paragraphs: []article.Paragraph{{Text: "嘉宾云集。"}}}
		}},
		{"subheads", "龙子湖智慧岛", func(w string) *article.Article {
			return &article.Article{ID: "s1", Title: "园区巡礼",
				Paragraphs: []article.Paragraph{{Text: "项目落地。", Subhead: "走进" + w}}}
		}},
	} {
		t.Run(tc.field, func(t *testing.T) {
			ix := openOwn(t)
			w := tc.word
			if got := words(ix.Analyze(w, tokenizer.QueryMode)); len(got) < 2 {
				t.Fatalf("before adding, %s analyses to %q: want gse to split it", w, got)
			}
			putArticle(t, ix, tc.make(w))
			if n := wordDocs(t, ix, fieldWords, w); n != 0 {
				t.Fatalf("before adding, %d documents hold %s whole in %s", n, w, tc.field)
			}
			if _, err := ix.AddWords(context.Background(), tokenizer.Word{Word: w}); err != nil {
				t.Fatal(err)
			}
			if st := waitReindex(t, ix); st.State != ReindexDone || st.Total != 1 {
				t.Errorf("re-index status %+v, want done 1 of 1", st)
			}
			if n := wordDocs(t, ix, fieldWords, w); n != 1 {
				t.Errorf("after re-index, %d documents hold %s whole in %s, want 1", n, w, tc.field)
			}
		})
	}
}

// TestDictionaryBound: the newsroom dictionary holds at most its bound of
// words. A call that would pass it adds nothing and says the bound;
// changing a known word's frequency is still allowed at the bound, and
// the bound holds across a reopen (the count comes from the stored list).
func TestDictionaryBound(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	ix, err := Open(Options{Path: dir, Segmenter: ownSegmenter(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ix.SetMaxWords(3)
	if _, err := ix.AddWords(ctx, tokenizer.Word{Word: "界限词甲"}, tokenizer.Word{Word: "界限词乙"}); err != nil {
		t.Fatal(err)
	}
	_, err = ix.AddWords(ctx, tokenizer.Word{Word: "界限词丙"}, tokenizer.Word{Word: "界限词丁"})
	if !errors.Is(err, ErrDictionaryFull) || !strings.Contains(err.Error(), "bound of 3 words") || !strings.Contains(err.Error(), "holds 2 words") {
		t.Fatalf("past the bound: %v; want ErrDictionaryFull naming the bound and the count", err)
	}
	if ix.seg.Contains("界限词丙") {
		t.Error("a refused call added a word to the segmenter")
	}
	// The same words again, one with a new frequency, and one new word:
	// only the new word counts.
	if _, err := ix.AddWords(ctx, tokenizer.Word{Word: "界限词甲", Freq: 7}, tokenizer.Word{Word: "界限词乙"}, tokenizer.Word{Word: "界限词丙"}); err != nil {
		t.Fatalf("up to the bound: %v", err)
	}
	if _, err := ix.AddWords(ctx, tokenizer.Word{Word: "界限词乙", Freq: 9}); err != nil {
		t.Fatalf("changing a word at the bound: %v", err)
	}
	waitReindex(t, ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(Options{Path: dir, Segmenter: ownSegmenter(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ix.SetMaxWords(3)
	if _, err := ix.AddWords(ctx, tokenizer.Word{Word: "界限词戊"}); !errors.Is(err, ErrDictionaryFull) {
		t.Fatalf("after reopening, a fourth word: %v; want ErrDictionaryFull", err)
	}
	stored, err := ix.storedWords()
	if err != nil || len(stored) != 3 || stored[0] != (tokenizer.Word{Word: "界限词甲", Freq: 7}) || stored[1].Freq != 9 {
		t.Fatalf("stored words: %+v %v", stored, err)
	}
	if ix.MaxWords() != 3 {
		t.Errorf("MaxWords() = %d", ix.MaxWords())
	}
	ix.SetMaxWords(0)
	if ix.MaxWords() != DefaultMaxWords {
		t.Errorf("SetMaxWords(0): MaxWords() = %d, want the default", ix.MaxWords())
	}
}

// TestSegmenterPerIndex: two indexes in one process, each on a segmenter
// of its own (Options.Segmenter), segment differently: a word added to one
// is whole in that one only, in its queries, its documents and bleve's
// analyzers of its mapping, and the shared segmenter never learns it.
func TestSegmenterPerIndex(t *testing.T) {
	ctx := context.Background()
	const word = "中原数谷" // gse: 中原/数谷
	withWord, without := openOwn(t), openOwn(t)
	if _, err := withWord.AddWords(ctx, tokenizer.Word{Word: word}); err != nil {
		t.Fatal(err)
	}
	waitReindex(t, withWord)
	for _, ix := range []*Index{withWord, without} {
		put(t, ix, "a1", word+"开园", word+"今天开园。")
	}
	titleAnalyzer := func(ix *Index) []string {
		m := ix.bi.Mapping()
		an := m.AnalyzerNamed(m.AnalyzerNameForPath(fieldTitle))
		if an == nil {
			t.Fatalf("no analyzer for %s", fieldTitle)
		}
		var out []string
		for _, tok := range an.Analyze([]byte(word)) {
			out = append(out, string(tok.Term))
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		ix    *Index
		whole bool
	}{
		{"the index given the word", withWord, true},
		{"the other index", without, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := words(tc.ix.Analyze(word, tokenizer.QueryMode))
			if whole := len(got) == 1 && got[0] == word; whole != tc.whole {
				t.Errorf("query analysis of %s = %q, want whole %v", word, got, tc.whole)
			}
			want := uint64(0)
			if tc.whole {
				want = 1
			}
			if n := bodyDocs(t, tc.ix, word); n != want {
				t.Errorf("%d documents hold %s whole, want %d", n, word, want)
			}
			if got := titleAnalyzer(tc.ix); slices.Contains(got, word) != tc.whole {
				t.Errorf("bleve's title analyzer makes %q of %s, want whole %v", got, word, tc.whole)
			}
			if d, err := tc.ix.Dictionary(ctx); err != nil || (d.Count == 1) != tc.whole {
				t.Errorf("dictionary: %+v %v", d, err)
			}
		})
	}
	shared, err := tokenizer.Shared()
	if err != nil {
		t.Fatal(err)
	}
	if shared.Contains(word) {
		t.Errorf("the shared segmenter learnt %s", word)
	}
}
