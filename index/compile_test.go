package index

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/zhsearch/zhsearch/query"
	"github.com/zhsearch/zhsearch/tokenizer"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestCompiledGolden compiles a table of queries as Search does and
// compares a dump of each (the bleve query, with every field and boost,
// and the highlight plan) with testdata/compiled/NAME.golden, so that a
// change of what a query compiles to (a boost, a field, a clause) shows
// in review. -update rewrites the files.
func TestCompiledGolden(t *testing.T) {
	seg, err := tokenizer.Shared()
	if err != nil {
		t.Fatal(err)
	}
	syn := synonymSet(t, "世卫组织, 世界卫生组织, WHO", "土豆 => 马铃薯")
	pinyin := fakePinyin{"zns": {"钟南山"}, "zz": {"郑州", "镇江"}}
	for _, tc := range []struct {
		name, q string
		para    bool // a paragraph search (an article search otherwise)
		syn     bool // with the synonyms
		phrases bool // synonyms of quoted phrases too
	}{
		{name: "word", q: "经济"},
		{name: "words", q: "经济发展"},
		{name: "substring", q: "经开区"},
		{name: "substring-long", q: "二七经开区"},
		{name: "char", q: "郑"},
		{name: "two-words", q: "郑州市长"},
		{name: "open-end", q: "地铁，新"},
		{name: "soft-words", q: "向中国献"},
		{name: "latin-digits", q: "iPhone 15"},
		{name: "phrase", q: `"郑州的经济"`},
		{name: "phrase-open-end", q: `"地铁，新"`},
		{name: "and", q: "地铁 开通"},
		{name: "or", q: "经济 OR 消费"},
		{name: "not", q: "地铁 -开通"},
		{name: "keyword-not", q: "section:要闻 -地铁"},
		{name: "or-not", q: "(经济 OR 消费) -地铁"},
		{name: "stop-word-clause", q: "的 经济"},
		{name: "stop-word-alone", q: "是"},
		{name: "title", q: "title:经济"},
		{name: "title-phrase", q: `title:"经济发展"`},
		{name: "title-char", q: "title:郑"},
		{name: "body", q: "body:开通"},
		{name: "body-or-title", q: "title:地铁 OR body:开通"},
		{name: "author", q: "author:张三"},
		{name: "section-and-word", q: "section:要闻 地铁"},
		{name: "pinyin", q: "pinyin:zns 防疫"},
		{name: "pinyin-several", q: "pinyin:zz"},
		{name: "pinyin-unknown", q: "pinyin:qqq"},
		{name: "synonyms", q: "世卫组织 报告", syn: true},
		{name: "synonyms-one-way", q: "土豆", syn: true},
		{name: "synonyms-phrase-kept", q: `"世卫组织"`, syn: true},
		{name: "synonyms-phrase", q: `"世卫组织"`, syn: true, phrases: true},
		{name: "broad", q: "央视网消息"},
		{name: "paragraph-word", q: "经济", para: true},
		{name: "paragraph-words", q: "经济发展", para: true},
		{name: "paragraph-not", q: "地铁 -开通", para: true},
		{name: "paragraph-phrase", q: `"郑州的经济"`, para: true},
		{name: "paragraph-soft-words", q: "向中国献", para: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Request{Query: tc.q, Pinyin: pinyin, SynonymPhrases: tc.phrases}
			if tc.syn {
				r.Synonyms = syn
			}
			if tc.para {
				r.Type = TypeParagraph
			}
			if err := r.normalize(); err != nil {
				t.Fatal(err)
			}
			tree, err := query.Parse(r.Query)
			if err != nil {
				t.Fatal(err)
			}
			typed, _ := pinyinTexts(tree, r.Pinyin)
			tree, groups, _ := synonymGroups(typed, r.Synonyms, r.SynonymPhrases)
			q, plan, err := compileSearch(seg, r.Type, typed, tree, groups)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "query: %s\ntype: %s\n", tc.q, r.Type)
			if err := dumpQuery(&b, q, 0); err != nil {
				t.Fatal(err)
			}
			dumpPlan(&b, plan)
			golden(t, filepath.Join("testdata", "compiled", tc.name+".golden"), b.String())
		})
	}
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to rewrite it after checking the change):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

var elemNames = map[elemFilter]string{inAll: "all", inBody: "body", inTitle: "title"}

// dumpQuery writes a compiled query as an indented tree, every field
// that changes what it matches or how it scores included.
func dumpQuery(b *strings.Builder, q bq.Query, depth int) error {
	pad := strings.Repeat("  ", depth)
	line := func(format string, args ...any) { fmt.Fprintf(b, pad+format+"\n", args...) }
	child := func(label string, q bq.Query) error {
		fmt.Fprintf(b, "%s  %s:\n", pad, label)
		if q == nil {
			fmt.Fprintf(b, "%s    nil\n", pad)
			return nil
		}
		return dumpQuery(b, q, depth+2)
	}
	num := strconv.FormatFloat
	switch q := q.(type) {
	case *bq.TermQuery:
		line("term %q field=%s boost=%s", q.Term, q.FieldVal, num(q.Boost(), 'g', -1, 64))
	case *bq.PrefixQuery:
		line("prefix %q field=%s boost=%s", q.Prefix, q.FieldVal, num(q.Boost(), 'g', -1, 64))
	case *bq.MatchAllQuery:
		line("all boost=%s", num(q.Boost(), 'g', -1, 64))
	case *bq.MatchNoneQuery:
		line("none")
	case *bq.DocIDQuery:
		line("ids %q", q.IDs)
	case *bq.ConjunctionQuery:
		line("and boost=%s", num(q.Boost(), 'g', -1, 64))
		for _, c := range q.Conjuncts {
			if err := dumpQuery(b, c, depth+1); err != nil {
				return err
			}
		}
	case *bq.DisjunctionQuery:
		line("or min=%s boost=%s", num(q.Min, 'g', -1, 64), num(q.Boost(), 'g', -1, 64))
		for _, c := range q.Disjuncts {
			if err := dumpQuery(b, c, depth+1); err != nil {
				return err
			}
		}
	case *bq.BooleanQuery:
		line("bool boost=%s", num(q.Boost(), 'g', -1, 64))
		for _, part := range []struct {
			label string
			q     bq.Query
		}{{"must", q.Must}, {"should", q.Should}, {"must_not", q.MustNot}, {"filter", q.Filter}} {
			if part.q != nil {
				if err := child(part.label, part.q); err != nil {
					return err
				}
			}
		}
	case *phrase:
		line("phrase %q field=%s elems=%s boost=%s", q.terms, q.field, elemNames[q.elems], num(q.boost, 'g', -1, 64))
	case *openPhrase:
		line("open-phrase %q field=%s elems=%s boost=%s", q.terms, q.field, elemNames[q.elems], num(q.boost, 'g', -1, 64))
	case *textQuery:
		line("text words=%q soft=%q whole=%q field=%s elems=%s boost=%s whole-boost=%s", q.words, q.soft, q.whole, q.field, elemNames[q.elems], num(q.boost, 'g', -1, 64), num(q.wholeBoost, 'g', -1, 64))
		if q.tier != nil {
			return child("tier", q.tier)
		}
	case *constScore:
		line("const score=%s", num(q.score, 'g', -1, 64))
		return dumpQuery(b, q.q, depth+1)
	case *tiered:
		line("tiered bonus=%s", num(q.bonus, 'g', -1, 64))
		if err := child("q", q.q); err != nil {
			return err
		}
		return child("words", q.words)
	case *anyOf:
		line("any-of")
		for _, c := range q.qs {
			if err := dumpQuery(b, c, depth+1); err != nil {
				return err
			}
		}
	case *broadText:
		var words [][]string
		for _, tok := range q.words {
			words = append(words, tokenizer.RecallPhrase(wordContext(q.text.Text, tok)))
		}
		line("broad-text words=%q docs=%d", words, q.docs)
		if err := child("narrow", q.narrow); err != nil {
			return err
		}
		return child("wide", q.wide())
	default:
		return fmt.Errorf("dumpQuery: no dump for %T (add one)", q)
	}
	return nil
}

// dumpPlan writes what a highlight plan holds.
func dumpPlan(b *strings.Builder, hl *highlightPlan) {
	words := make([]string, 0, len(hl.bodyWords))
	for w := range hl.bodyWords {
		words = append(words, w)
	}
	slices.Sort(words)
	fmt.Fprintf(b, "plan:\n  wholes: %q\n  texts: %q\n  title-only: %q\n  body-only: %q\n  body-words: %q\n  tier-clauses: %d\n",
		hl.wholes, hl.texts, hl.titleOnly, hl.bodyOnly, words, hl.tierClauses)
}

// TestCompileIsPure: compiling the same tree twice gives the same dump,
// and compiling leaves the tree as it was.
func TestCompileIsPure(t *testing.T) {
	seg, err := tokenizer.Shared()
	if err != nil {
		t.Fatal(err)
	}
	tree, err := query.Parse(`经济发展 OR "郑州的经济" -地铁 title:郑`)
	if err != nil {
		t.Fatal(err)
	}
	before := tree.String()
	var dumps []string
	for range 2 {
		q, plan, err := compileSearch(seg, TypeArticle, tree, tree, nil)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := dumpQuery(&b, q, 0); err != nil {
			t.Fatal(err)
		}
		dumpPlan(&b, plan)
		dumps = append(dumps, b.String())
	}
	if dumps[0] != dumps[1] {
		t.Errorf("two compilations differ:\n%s\n%s", dumps[0], dumps[1])
	}
	if after := tree.String(); after != before {
		t.Errorf("compiling changed the tree: %s, was %s", after, before)
	}
}

// failingReader is a reader whose term counts and dictionaries fail.
type failingReader struct{ index.IndexReader }

var errReader = errors.New("reader failed")

func (failingReader) TermFieldReader(context.Context, []byte, string, bool, bool, bool) (index.TermFieldReader, error) {
	return nil, errReader
}

func (failingReader) FieldDictPrefix(string, []byte) (index.FieldDict, error) {
	return nil, errReader
}

// TestExpansionsReadTheSearchReader: the query types whose searchers read
// the index (broadText, openPhrase) read the reader the search hands in,
// and its errors fail the search (a failing count is not "not broad").
func TestExpansionsReadTheSearchReader(t *testing.T) {
	ctx := context.Background()
	seg, err := tokenizer.Shared()
	if err != nil {
		t.Fatal(err)
	}
	// broadOf compiles text, which must be a text that may be broad
	broadOf := func(t *testing.T, text string, docs uint64) *broadText {
		t.Helper()
		tree, err := query.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		q, _, err := compileSearch(seg, TypeArticle, tree, tree, nil)
		if err != nil {
			t.Fatal(err)
		}
		bt, ok := q.(*broadText)
		if !ok {
			t.Fatalf("%s compiles to %T, not to a broadText", text, q)
		}
		bt.docs = docs
		return bt
	}
	t.Run("errors propagate", func(t *testing.T) {
		bt := broadOf(t, "地铁", 1)
		bt.narrow = bq.NewMatchNoneQuery() // reads nothing: not broad would be no error
		for _, q := range []bq.Query{
			bt,
			&openPhrase{terms: []string{"地铁", "", "开"}, field: fieldRecall, elems: inBody, boost: 1},
		} {
			if _, err := q.Searcher(ctx, failingReader{}, nil, search.SearcherOptions{}); !errors.Is(err, errReader) {
				t.Errorf("%T: error %v, want %v", q, err, errReader)
			}
		}
	})
	ix := openMem(t)
	put(t, ix, "a", "新闻", "地铁新线今天开通。")
	put(t, ix, "b", "新闻", "地铁开通了。")
	put(t, ix, "c", "新闻", "市民纷纷乘坐。")
	t.Run("broad by the reader's counts", func(t *testing.T) {
		adv, err := ix.bi.Advanced()
		if err != nil {
			t.Fatal(err)
		}
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		// 地铁 is in 2 of 3 articles: broad from 2 on, where the
		// searcher is not the narrow text's (textQuery)
		for docs, broad := range map[uint64]bool{1: true, 2: true, 3: false} {
			s, err := broadOf(t, "地铁", docs).Searcher(ctx, r, ix.bi.Mapping(), search.SearcherOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, narrow := s.(*textSearcher); narrow == broad {
				t.Errorf("docs=%d: searcher %T, want broad %v", docs, s, broad)
			}
			_ = s.Close()
		}
	})
	t.Run("open phrase by the reader's terms", func(t *testing.T) {
		// 地铁 then any bigram starting with 新 (新线) or 开 (开通)
		for last, want := range map[string]uint64{"新": 1, "开": 1, "乘": 0} {
			q := &openPhrase{terms: []string{"地铁", "", last}, field: fieldRecall, elems: inBody, boost: 1}
			res, err := ix.bi.SearchInContext(ctx, bleve.NewSearchRequest(q))
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != want {
				t.Errorf("地铁%s: %d hits, want %d", last, res.Total, want)
			}
		}
	})
}
