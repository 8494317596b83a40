package index

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// Analysis ahead of the write.
//
// Segmenting text is the expensive half of a write. Left to bleve, it
// happens inside Batch, under writeMu, and twice per paragraph (in the
// article's body and in the paragraph's own document). Instead a write
// analyses its articles first, in the caller's goroutine and without any
// lock, each distinct text once, and hands bleve documents whose text
// fields return that analysis (tokenizer.Analyzed). Writers then analyse
// in parallel, and the import analyses the next batch while the index
// writes the previous one.

// prepared is one article turned into its analysed bleve documents.
type prepared struct {
	a    *article.Article
	docs []*document.Document
	gen  uint64 // ix.dictGen when it was analysed
}

// Prepared is a set of articles analysed for writing (Index.Prepare).
type Prepared struct {
	preps []*prepared
}

// Len is the number of articles (the last version of each id).
func (p *Prepared) Len() int { return len(p.preps) }

// textAnalysis says whether a field is analysed by the package's word
// (words=true) or bigram analysis; ok is false for fields of neither.
func textAnalysis(field string) (words, ok bool) {
	switch field {
	case fieldTitle, fieldBody, fieldKicker, fieldSubhead, fieldParaBody:
		return true, true
	case fieldTitleBG, fieldBodyBG, fieldParaBodyBG:
		return false, true
	}
	return false, false
}

// prepare validates an article, maps it to its documents and analyses
// their text fields, each distinct text once per analysis.
func (ix *Index) prepare(a *article.Article) (*prepared, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("article %q: %w", a.ID, err)
	}
	gen := ix.dictGen.Load()
	data, err := ix.documents(a)
	if err != nil {
		return nil, fmt.Errorf("article %q: %w", a.ID, err)
	}
	type key struct {
		words bool
		text  string
	}
	streams := make(map[key]analysis.TokenStream)
	m := ix.bi.Mapping()
	p := &prepared{a: a, docs: make([]*document.Document, 0, len(data)), gen: gen}
	for id, d := range data {
		doc := document.NewDocument(id)
		if err := m.MapDocument(doc, d); err != nil {
			return nil, fmt.Errorf("article %q: document %q: %w", a.ID, id, err)
		}
		for i, f := range doc.Fields {
			tf, isText := f.(*document.TextField)
			if !isText || !tf.Options().IsIndexed() {
				continue
			}
			words, ok := textAnalysis(tf.Name())
			if !ok {
				continue
			}
			k := key{words, string(tf.Value())}
			ts, seen := streams[k]
			if !seen {
				if words {
					ts = tokenizer.Stream(ix.seg.Analyze(tf.Value(), tokenizer.IndexMode))
				} else {
					ts = tokenizer.Stream(tokenizer.Bigrams(tf.Value()))
				}
				streams[k] = ts
			}
			doc.Fields[i] = document.NewTextFieldCustom(tf.Name(), tf.ArrayPositions(), tf.Value(), tf.Options(), tokenizer.Analyzed(ts))
		}
		p.docs = append(p.docs, doc)
	}
	return p, nil
}

// Prepare validates and analyses articles for Write: the expensive part of
// Put, safe to run concurrently with other writes and searches. Of
// articles with the same id only the last is kept. The first invalid
// article fails the whole call.
func (ix *Index) Prepare(ctx context.Context, arts ...*article.Article) (*Prepared, error) {
	arts = lastOfEachID(arts)
	preps := make([]*prepared, len(arts))
	errs := make([]error, len(arts))
	workers := min(runtime.GOMAXPROCS(0), len(arts))
	if workers <= 1 {
		for i, a := range arts {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if preps[i], errs[i] = ix.prepare(a); errs[i] != nil {
				return nil, errs[i]
			}
		}
		return &Prepared{preps: preps}, nil
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next int
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(arts) || ctx.Err() != nil {
					return
				}
				preps[i], errs[i] = ix.prepare(arts[i])
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return &Prepared{preps: preps}, nil
}

// Write writes prepared articles, each with all its paragraphs, in one
// batch, as Put does.
func (ix *Index) Write(ctx context.Context, p *Prepared) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p == nil || len(p.preps) == 0 {
		return nil
	}
	return ix.commit(&writeOp{preps: p.preps})
}
