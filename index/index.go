// Package index stores articles and their paragraphs in a bleve index and
// searches them: the mapping, writes, searches and snippets. It knows
// nothing of HTTP; package api serves it.
//
// Every article is indexed twice over: one "article" document (title and
// all paragraphs) and one "paragraph" document per paragraph, so both
// article and paragraph results rank on their own text. The article itself
// (the JSON the user gave) is kept in bleve's internal store, written in
// the same batch as its documents, so the stored article and what the
// index finds never disagree.
package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// Errors callers match with errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalidQuery = errors.New("invalid query")
	ErrClosed       = errors.New("index closed")
)

// Document types, the value of the "type" field.
const (
	TypeArticle   = "article"
	TypeParagraph = "paragraph"
)

// Field names of the index.
const (
	fieldType     = "type"
	fieldID       = "id"
	fieldTitle    = "title"
	fieldTitleBG  = "title_bg"
	fieldKicker   = "kicker"
	fieldKickerBG = "kicker_bg"
	fieldBody     = "body"
	fieldBodyBG   = "body_bg"
	// An article's subheads (### headings), each once, in order.
	fieldSubheads   = "subheads"
	fieldSubheadsBG = "subheads_bg"
	// A paragraph's text has its own fields, apart from the article's
	// body: a query on one document type then never walks the postings of
	// the other (paragraphs outnumber articles 5 to 1 in xwlb), and needs
	// no type clause.
	fieldParaBody   = "p_body"
	fieldParaBodyBG = "p_body_bg"
	fieldSection    = "section"
	fieldAuthor     = "author"
	fieldTag        = "tag"
	fieldSource     = "source"
	fieldPublished  = "published_at"
	fieldMonth      = "month" // "2024-06" in the newsroom's zone, for the month facet
)

// fieldStored holds the article's JSON as a stored, unindexed field of its
// article document: written in the same batch as the documents, compressed
// in the segments, and merged away with them. (Bleve's internal store would
// be atomic too, but scorch rewrites every internal value into its root
// file at each persist, so a bulk import wrote articles² bytes: 40 GB of
// root.bolt for the 74,545 xwlb articles.)
const fieldStored = "stored"

// DefaultLocation is the newsroom zone when Options.Location is nil:
// China Standard Time, UTC+8 all year (no daylight saving since 1991), so a
// fixed zone equals Asia/Shanghai without needing the tz database.
func DefaultLocation() *time.Location { return time.FixedZone("Asia/Shanghai", 8*60*60) }

// Options configure an index.
type Options struct {
	// Path is the index directory; "" keeps the index in memory.
	Path string
	// Location is the newsroom's zone, for date-only values (published
	// dates, since/until, the month facet); nil is Asia/Shanghai.
	Location *time.Location
	// Bulk is for loading a corpus (zhsearch import): a write returns once
	// its articles are searchable, before they are on disk, so that the
	// next batch is built while the previous one is written; everything
	// is on disk when Close returns nil. A crash can lose the last
	// batches, so a server, whose acknowledged writes must survive one,
	// never sets it. Ignored in memory.
	Bulk bool
}

// Index is a searchable store of articles. It is safe for concurrent use.
type Index struct {
	bi   bleve.Index
	path string // "" in memory
	loc  *time.Location
	seg  *tokenizer.Segmenter

	writeMu sync.Mutex // serialises writes so that one id never ends up mixed

	// Group commit (groupcommit.go): writes queue under queueMu; the
	// writer holding writeMu applies the queue as one batch.
	queueMu sync.Mutex
	queue   []*writeOp
	groups  uint64 // batches written by commit, under writeMu
	grouped uint64 // ops those batches held, under writeMu
	closed  bool   // under writeMu
	created bool   // Open made a new index
	tmpDir  string // the scratch directory of an in-memory index, removed by Close

	broadDocs int        // where a query becomes broad (compiler.broad); tests lower it
	bulk      bool       // Options.Bulk on disk (bulk.go)
	bulkState *bulkState // bulk only

	dictMu  sync.Mutex    // serialises dictionary updates (dictionary.go)
	dictGen atomic.Uint64 // counts dictionary updates: a write analysed before one is analysed again
	reidx   reindexer     // background re-index after words are added
}

// Open opens the index at opts.Path, creating it if it does not exist, or
// an in-memory index when the path is empty.
func Open(opts Options) (*Index, error) {
	seg, err := tokenizer.Shared()
	if err != nil {
		return nil, err
	}
	loc := opts.Location
	if loc == nil {
		loc = DefaultLocation()
	}
	var (
		bi      bleve.Index
		created bool
		tmpDir  string
	)
	switch {
	case opts.Path == "":
		bi, tmpDir, err = openScratch()
		created = true
	default:
		bi, created, err = openDisk(opts.Path, opts.Bulk)
	}
	if err != nil {
		return nil, fmt.Errorf("opening index %q: %w", opts.Path, err)
	}
	if !created {
		if err := checkLayout(bi, false); err != nil {
			_ = bi.Close()
			return nil, fmt.Errorf("opening index %q: %w", opts.Path, err)
		}
	}
	ix := &Index{bi: bi, path: opts.Path, loc: loc, seg: seg, created: created, tmpDir: tmpDir, bulk: opts.Bulk && opts.Path != "", broadDocs: broadDocs}
	if ix.bulk {
		ix.bulkState = newBulkState()
	}
	ix.reidx.ctx, ix.reidx.cancel = context.WithCancel(context.Background())
	if err := ix.applyStoredWords(); err != nil {
		ix.reidx.cancel()
		_ = bi.Close()
		return nil, fmt.Errorf("opening index %q: %w", opts.Path, err)
	}
	if err := ix.resumeReindex(); err != nil {
		ix.reidx.cancel()
		_ = bi.Close()
		return nil, fmt.Errorf("opening index %q: %w", opts.Path, err)
	}
	return ix, nil
}

// Created reports whether Open made a new, empty index (rather than
// opening one that existed), so the caller knows whether to seed it.
func (ix *Index) Created() bool { return ix.created }

// Close flushes and closes the index.
func (ix *Index) Close() error {
	ix.reidx.cancel() // stop a background re-index first: it writes
	ix.reidx.wg.Wait()
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ix.closed = true
	var err error
	if ix.bulk { // bulk writes past the closed check end, then reach the disk
		ix.bulkState.writers.Wait()
		err = ix.drain(0)
	}
	if cerr := ix.bi.Close(); err == nil {
		err = cerr
	}
	if ix.tmpDir != "" {
		if rmErr := os.RemoveAll(ix.tmpDir); err == nil {
			err = rmErr
		}
	}
	return err
}

func newMapping() mapping.IndexMapping {
	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeTermVectors = true
		f.IncludeInAll = false
		// bleve keeps doc values (each document's terms, for sorting and
		// facets) for text fields unless told not to; nothing sorts or
		// facets by text, and they cost import time and disk.
		f.DocValues = false
		return f
	}
	// kw is a keyword field; facets (facetFields) need its doc values,
	// filters do not.
	kw := func(facet bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeTermVectors = false // no phrase, mark or explain reads them
		f.DocValues = facet
		f.IncludeInAll = false
		return f
	}
	date := bleve.NewDateTimeFieldMapping() // sorts: doc values kept
	date.Store = false
	date.IncludeInAll = false

	common := func(d *mapping.DocumentMapping) {
		d.AddFieldMappingsAt(fieldType, kw(false))
		d.AddFieldMappingsAt(fieldID, kw(false))
		d.AddFieldMappingsAt(fieldSection, kw(true))
		d.AddFieldMappingsAt(fieldAuthor, kw(true))
		d.AddFieldMappingsAt(fieldTag, kw(true))
		d.AddFieldMappingsAt(fieldSource, kw(false))
		d.AddFieldMappingsAt(fieldPublished, date)
		d.AddFieldMappingsAt(fieldMonth, kw(true))
		d.Dynamic = false
	}
	art := bleve.NewDocumentMapping()
	common(art)
	// Body words keep no term vectors (positions and offsets): no query
	// reads a body word's position (phrases and substrings in bodies go
	// through the bigram field, marks come from the query's texts), and
	// the vectors of the two body word fields were 19 % of the index
	// (20,000 xwlb articles: 407 -> 330 MB, import 8-18 % faster).
	art.AddFieldMappingsAt(fieldBody, noVectors(text(tokenizer.IndexAnalyzer)))
	art.AddFieldMappingsAt(fieldBodyBG, text(tokenizer.BigramAnalyzer))
	title := text(tokenizer.IndexAnalyzer)
	title.Store = true // suggestions read titles without decoding articles
	art.AddFieldMappingsAt(fieldTitle, title)
	art.AddFieldMappingsAt(fieldTitleBG, text(tokenizer.BigramAnalyzer))
	art.AddFieldMappingsAt(fieldKicker, text(tokenizer.IndexAnalyzer))
	art.AddFieldMappingsAt(fieldKickerBG, text(tokenizer.BigramAnalyzer))
	art.AddFieldMappingsAt(fieldSubheads, text(tokenizer.IndexAnalyzer))
	art.AddFieldMappingsAt(fieldSubheadsBG, text(tokenizer.BigramAnalyzer))
	stored := bleve.NewTextFieldMapping()
	stored.Analyzer = keyword.Name
	stored.Index = false
	stored.Store = true
	stored.IncludeTermVectors = false
	stored.IncludeInAll = false
	stored.DocValues = false
	art.AddFieldMappingsAt(fieldStored, stored)

	para := bleve.NewDocumentMapping()
	common(para)
	para.AddFieldMappingsAt(fieldParaBody, noVectors(text(tokenizer.IndexAnalyzer)))
	para.AddFieldMappingsAt(fieldParaBodyBG, text(tokenizer.BigramAnalyzer))

	m := bleve.NewIndexMapping()
	m.TypeField = fieldType
	m.DefaultMapping = bleve.NewDocumentDisabledMapping()
	// No field goes into bleve's _all composite field and no query reads
	// it, but an enabled _all is still built for every document (7–9 % of
	// import CPU in the profile): disable it.
	art.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	para.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	m.AddDocumentMapping(TypeArticle, art)
	m.AddDocumentMapping(TypeParagraph, para)
	m.DefaultAnalyzer = tokenizer.IndexAnalyzer
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m
}

// subheadsOf lists an article's distinct subheads in order: element i of
// the subheads fields.
func subheadsOf(a *article.Article) []string {
	var out []string
	for _, p := range a.Paragraphs {
		if p.Subhead != "" && !slices.Contains(out, p.Subhead) {
			out = append(out, p.Subhead)
		}
	}
	return out
}

// noVectors drops a text field's term vectors.
func noVectors(f *mapping.FieldMapping) *mapping.FieldMapping {
	f.IncludeTermVectors = false
	return f
}

// positional reports whether a word field keeps its terms' positions, so
// that a phrase of words can match in it (newMapping).
func positional(field string) bool {
	return field != fieldBody && field != fieldParaBody
}

func paragraphDocID(articleID string, i int) string {
	return articleID + "#" + strconv.Itoa(i)
}

// documents builds the bleve documents of an article.
func (ix *Index) documents(a *article.Article) (map[string]map[string]any, error) {
	published, err := a.Published(ix.loc)
	if err != nil {
		return nil, err
	}
	base := func(typ string) map[string]any {
		d := map[string]any{
			fieldType: typ, fieldID: a.ID, fieldSection: a.Section, fieldSource: a.Source,
			fieldAuthor: a.Authors, fieldTag: a.Tags,
		}
		if !published.IsZero() {
			d[fieldPublished] = published
			d[fieldMonth] = published.In(ix.loc).Format("2006-01")
		}
		return d
	}
	docs := make(map[string]map[string]any, len(a.Paragraphs)+1)
	body := make([]string, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		body[i] = p.Text
		d := base(TypeParagraph)
		d[fieldParaBody] = p.Text
		d[fieldParaBodyBG] = p.Text
		docs[paragraphDocID(a.ID, i)] = d
	}
	d := base(TypeArticle)
	d[fieldTitle] = a.Title
	d[fieldTitleBG] = a.Title
	d[fieldKicker] = a.Kicker
	d[fieldKickerBG] = a.Kicker
	if subs := subheadsOf(a); len(subs) > 0 {
		d[fieldSubheads] = subs
		d[fieldSubheadsBG] = subs
	}
	d[fieldBody] = body
	d[fieldBodyBG] = body
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encoding article: %w", err)
	}
	d[fieldStored] = string(raw)
	docs[a.ID] = d
	return docs, nil
}

// Put adds or replaces articles, each with all its paragraphs, in one
// batch: when Put returns nil the articles are searchable and, for an
// index on disk, persisted. Articles must be normalised and valid.
// Concurrent calls share batches (group commit, groupcommit.go); an
// invalid article fails its own call only.
func (ix *Index) Put(ctx context.Context, arts ...*article.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(arts) == 0 {
		return nil
	}
	p, err := ix.Prepare(ctx, arts...)
	if err != nil {
		return err
	}
	return ix.Write(ctx, p)
}

// Delete removes an article and its paragraphs; ErrNotFound if unknown.
// Like Put, concurrent calls share batches.
func (ix *Index) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return ix.commit(&writeOp{del: id})
}

// Get returns a stored article; ErrNotFound if unknown.
func (ix *Index) Get(ctx context.Context, id string) (*article.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return ix.get(id)
}

func (ix *Index) get(id string) (*article.Article, error) {
	doc, err := ix.bi.Document(id)
	if err != nil {
		return nil, fmt.Errorf("reading article %q: %w", id, err)
	}
	var raw []byte
	if doc != nil {
		doc.VisitFields(func(f bleveindex.Field) {
			if f.Name() == fieldStored {
				raw = f.Value()
			}
		})
	}
	if raw == nil {
		return nil, fmt.Errorf("article %q: %w", id, ErrNotFound)
	}
	var a article.Article
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("decoding stored article %q: %w", id, err)
	}
	return &a, nil
}

// Stats counts what the index holds.
type Stats struct {
	Articles   uint64 `json:"articles"`
	Paragraphs uint64 `json:"paragraphs"`
}

// Stats counts articles and paragraphs.
func (ix *Index) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	for _, t := range []struct {
		typ string
		n   *uint64
	}{{TypeArticle, &s.Articles}, {TypeParagraph, &s.Paragraphs}} {
		req := bleve.NewSearchRequestOptions(typeQuery(t.typ), 0, 0, false)
		res, err := ix.bi.SearchInContext(ctx, req)
		if err != nil {
			return s, fmt.Errorf("counting %ss: %w", t.typ, err)
		}
		*t.n = res.Total
	}
	return s, nil
}

func typeQuery(typ string) query.Query {
	q := bleve.NewTermQuery(typ)
	q.SetField(fieldType)
	return q
}
