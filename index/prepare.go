package index

import (
	"context"
	"fmt"
	"runtime"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"golang.org/x/sync/errgroup"

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
			// the mapping says which analysis a field takes
			var words bool
			switch m.AnalyzerNameForPath(tf.Name()) {
			case tokenizer.IndexAnalyzer:
				words = true
			case tokenizer.BigramAnalyzer:
			default:
				continue
			}
			k := key{words, string(tf.Value())}
			ts, seen := streams[k]
			if !seen {
				if words {
					ts = tokenizer.Stream(ix.seg.Analyze(tf.Value(), tokenizer.IndexMode))
				} else {
					ts = tokenizer.RecallStream(tf.Value())
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
	var g errgroup.Group // no shared cancel: every article is looked at, so the error reported is the first one's
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, a := range arts {
		g.Go(func() error {
			if errs[i] = ctx.Err(); errs[i] == nil {
				preps[i], errs[i] = ix.prepare(a)
			}
			return nil
		})
	}
	_ = g.Wait()
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
