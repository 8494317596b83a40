package index

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"

	"github.com/zhsearch/zhsearch/article"
)

// version builds article id at version v with v%5+1 paragraphs that all
// name the version, so a mix of versions is visible.
func version(id string, v int) *article.Article {
	a := &article.Article{ID: id, Title: fmt.Sprintf("版本 v%d", v)}
	for i := 0; i <= v%5; i++ {
		a.Paragraphs = append(a.Paragraphs, article.Paragraph{Text: fmt.Sprintf("第%d段属于版本v%d。", i, v)})
	}
	a.Normalize()
	return a
}

// indexedParagraphs returns the paragraphs the index holds for an article,
// straight from bleve: the paragraph elements of its recall field (the
// whole document's locations, read through a match-all of its id).
func indexedParagraphs(t *testing.T, ix *Index, id string) int {
	t.Helper()
	q := bleve.NewTermQuery(id)
	q.SetField(fieldID)
	res, err := ix.bi.Search(bleve.NewSearchRequestOptions(q, 0, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	if res.Total == 0 {
		return 0
	}
	if res.Total != 1 {
		t.Fatalf("%d documents for article %q", res.Total, id)
	}
	adv, err := ix.bi.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	rd, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	iid, err := rd.InternalID(id)
	if err != nil {
		t.Fatal(err)
	}
	dvr, err := rd.DocValueReader([]string{fieldParagraphs})
	if err != nil {
		t.Fatal(err)
	}
	n := -1
	if err := dvr.VisitDocValues(iid, func(_ string, term []byte) { n, _ = strconv.Atoi(string(term)) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGroupCommitSameID hammers a few ids with concurrent puts and deletes
// and checks that each ends as one whole version (or none): stored
// article, article document and paragraph documents agree.
func TestGroupCommitSameID(t *testing.T) {
	ix, err := Open(Options{Path: t.TempDir() + "/idx"})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	var seq atomic.Int64
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 15; i++ {
				id := fmt.Sprintf("id%d", (w+i)%3)
				if (w+i)%7 == 0 {
					if err := ix.Delete(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
						t.Error(err)
					}
					continue
				}
				if err := ix.Put(ctx, version(id, int(seq.Add(1)))); err != nil {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	gs := ix.GroupStats()
	t.Logf("%d writes in %d batches", gs.Writes, gs.Batches)
	if gs.Writes < gs.Batches || gs.Batches == 0 {
		t.Errorf("group stats %+v", gs)
	}
	for i := 0; i < 3; i++ {
		id := fmt.Sprintf("id%d", i)
		a, err := ix.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			if n := indexedParagraphs(t, ix, id); n != 0 {
				t.Errorf("%s deleted but %d paragraphs indexed", id, n)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if n := indexedParagraphs(t, ix, id); n != len(a.Paragraphs) {
			t.Errorf("%s: stored %d paragraphs, %d indexed", id, len(a.Paragraphs), n)
		}
		v := strings.TrimPrefix(a.Title, "版本 ")
		for _, p := range a.Paragraphs {
			if !strings.Contains(p.Text, v) {
				t.Errorf("%s: version %s holds paragraph %q", id, v, p.Text)
			}
		}
		res, err := ix.Search(ctx, Request{Query: v, IDs: []string{id}, Type: TypeParagraph, Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != uint64(len(a.Paragraphs)) {
			t.Errorf("%s: search for %s finds %d paragraphs, want %d", id, v, res.Total, len(a.Paragraphs))
		}
	}
}

// TestGroupOutcomes applies one group by hand: ops that fail on their own
// fail alone, later ops see earlier ones, the last write to an id wins.
func TestGroupOutcomes(t *testing.T) {
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	prep := func(a *article.Article) *prepared {
		p, err := ix.prepare(a)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Invalid articles fail in Prepare, before they are queued; what can
	// still fail in a batch is a document bleve refuses (here: no id).
	bad := func() *prepared {
		p := prep(version("bad", 1))
		p.doc = document.NewDocument("")
		return p
	}
	ops := []*writeOp{
		{preps: []*prepared{prep(version("a", 4))}}, // 5 paragraphs
		{preps: []*prepared{bad()}},
		{del: "unknown"},
		{preps: []*prepared{prep(version("a", 1))}}, // 2 paragraphs, replaces
		{preps: []*prepared{prep(version("b", 2))}},
		{del: "b"},
		{preps: []*prepared{prep(version("c", 3)), bad()}}, // fails whole
	}
	ix.writeMu.Lock()
	ix.applyGroup(ops)
	ix.writeMu.Unlock()
	wantErr := []bool{false, true, true, false, false, false, true}
	for i, op := range ops {
		if !op.done || (op.err != nil) != wantErr[i] {
			t.Errorf("op %d: done %v err %v, want error %v", i, op.done, op.err, wantErr[i])
		}
	}
	if !errors.Is(ops[2].err, ErrNotFound) {
		t.Errorf("delete of unknown id: %v", ops[2].err)
	}
	a, err := ix.Get(ctx, "a")
	if err != nil || a.Title != "版本 v1" {
		t.Fatalf("a = %+v, %v", a, err)
	}
	if n := indexedParagraphs(t, ix, "a"); n != 2 {
		t.Errorf("a has %d paragraph documents, want 2", n)
	}
	for _, id := range []string{"b", "c", "bad"} {
		if _, err := ix.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want not found", id, err)
		}
		if n := indexedParagraphs(t, ix, id); n != 0 {
			t.Errorf("%s: %d paragraph documents", id, n)
		}
	}
}

// BenchmarkConcurrentPut writes single articles from 1 and 16 clients to
// an index on disk, the path of POST /v1/articles; with group commit the
// 16 clients share batches (and fsyncs). It reports writes/s and writes
// per batch.
//
//	go test ./index -run '^$' -bench ConcurrentPut -benchtime 200x
func BenchmarkConcurrentPut(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			ix, err := Open(Options{Path: b.TempDir() + "/idx"})
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						if err := ix.Put(context.Background(), version(fmt.Sprintf("w%d", i), int(i))); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
			if gs := ix.GroupStats(); gs.Batches > 0 {
				b.ReportMetric(float64(gs.Writes)/float64(gs.Batches), "writes/batch")
			}
		})
	}
}
