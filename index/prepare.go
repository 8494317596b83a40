package index

import (
	"context"
	"fmt"
	"runtime"

	"github.com/blevesearch/bleve/v2/document"
	bleveindex "github.com/blevesearch/bleve_index_api"
	"golang.org/x/sync/errgroup"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// Analysis ahead of the write.
//
// Segmenting text is the expensive half of a write. Left to bleve, it
// happens inside Batch, under writeMu. Instead a write analyses its
// articles first, in the caller's goroutine and without any lock, and
// hands bleve documents whose text fields return that analysis
// (tokenizer.Analyzed). Writers then analyse
// in parallel, and the import analyses the next batch while the index
// writes the previous one.

// prepared is one article turned into its analysed bleve document.
type prepared struct {
	a   *article.Article
	doc *document.Document
	gen uint64 // ix.dictGen when it was analysed
}

// Prepared is a set of articles analysed for writing (Index.Prepare).
type Prepared struct {
	preps []*prepared
}

// Index options of the text fields (newMapping documents them).
const (
	// The word field decides the words tier (tier.go) and nothing else:
	// no frequencies and norms (the recall field ranks).
	optsWords  = bleveindex.IndexField | bleveindex.SkipFreqNorm
	optsRecall = bleveindex.IndexField | bleveindex.IncludeTermVectors
)

// prepare validates an article, maps it to its document and analyses its
// text: the words of all its text as one field value (no positions are
// kept, so elements need not be told apart), and the bigrams of each
// element at its array positions (elements.go).
func (ix *Index) prepare(a *article.Article) (*prepared, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("article %q: %w", a.ID, err)
	}
	gen := ix.dictGen.Load()
	data, err := ix.documentData(a)
	if err != nil {
		return nil, fmt.Errorf("article %q: %w", a.ID, err)
	}
	doc := document.NewDocument(a.ID)
	if err := ix.bi.Mapping().MapDocument(doc, data); err != nil {
		return nil, fmt.Errorf("article %q: %w", a.ID, err)
	}
	ix.addFingerprint(doc, a) // near-duplicates (duplicates.go)
	var words []tokenizer.Token
	pos := 0
	addWords := func(text string) []tokenizer.Token {
		toks := ix.seg.Analyze([]byte(text), tokenizer.IndexMode)
		for i := range toks { // one value: positions run on (they are not kept)
			toks[i].Position += pos
			toks[i].Start, toks[i].End = 0, 0
		}
		if n := len(toks); n > 0 {
			pos = toks[n-1].Position + 1
		}
		words = append(words, toks...)
		return toks
	}
	recall := func(text string, ap []uint64) {
		if text == "" {
			return
		}
		doc.AddField(document.NewTextFieldCustom(fieldRecall, ap, []byte(text), optsRecall,
			tokenizer.Analyzed(tokenizer.RecallStream([]byte(text)))))
	}
	if a.Title != "" {
		titleWords := ix.seg.Analyze([]byte(a.Title), tokenizer.IndexMode)
		doc.AddField(document.NewTextFieldCustom(fieldTitle, nil, []byte(a.Title), bleveindex.IndexField|bleveindex.IncludeTermVectors|bleveindex.StoreField,
			tokenizer.Analyzed(tokenizer.Stream(titleWords))))
		addWords(a.Title)
		recall(a.Title, apTitle)
	}
	if a.Kicker != "" {
		addWords(a.Kicker)
		recall(a.Kicker, apKicker)
	}
	for j, sub := range subheadsOf(a) {
		addWords(sub)
		recall(sub, apSubhead(j))
	}
	for i, p := range a.Paragraphs {
		addWords(p.Text)
		recall(p.Text, apParagraph(i))
	}
	if len(words) > 0 {
		doc.AddField(document.NewTextFieldCustom(fieldWords, nil, nil, optsWords, tokenizer.Analyzed(tokenizer.Stream(words))))
	}
	ix.addEntities(doc, words) // person, place, org (entities.go)
	return &prepared{a: a, doc: doc, gen: gen}, nil
}

// Prepare validates and analyses articles for Write: the expensive part of
// Put, safe to run concurrently with other writes and searches. Of
// articles with the same id only the last is kept. The first invalid
// article fails the whole call.
func (ix *Index) Prepare(ctx context.Context, arts ...*article.Article) (*Prepared, error) {
	arts = lastOfEachID(arts)
	defer ix.writing()() // a write is on its way: not idle (compact.go)
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
	return ix.wrote(ix.commit(&writeOp{preps: p.preps}), p.preps)
}
