// Package index stores articles in a bleve index and searches them: the
// mapping, writes and searches; package highlight marks the hits and cuts
// their snippets. It knows nothing of HTTP; package api serves it.
//
// Every article is one bleve document. Its text is indexed twice: as gse
// words (field w, no positions: what decides whether a hit holds the query
// as words, and ranks) and as character bigrams with positions (field bg:
// exact-substring recall and phrases); its title a third time, as words
// with positions (field title: title phrases rank, and title: searches
// them). Each element of bg (the title, the kicker, a subhead, a
// paragraph) carries array positions that say which it is (elements.go),
// so a paragraph's hits are derived from its article's locations
// (paragraphs.go) instead of a document of its own.
// The article itself (the JSON the user gave) is a stored field of its
// document, written in the same batch, so the stored article and what the
// index finds never disagree.
package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bleveindex "github.com/blevesearch/bleve_index_api"
	jsoniter "github.com/json-iterator/go"

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
	fieldType = "type"
	fieldID   = "id"
	// fieldTitle holds the title's words with positions: a title phrase
	// of words ranks, and title: searches them.
	fieldTitle = "title"
	// fieldWords holds the words of the whole article (title, kicker,
	// subheads, paragraphs) without positions: a word of the query found
	// here is found as a word, not only as characters straddling two
	// words (the "words" tier of a hit, tier.go).
	fieldWords = "w"
	// fieldRecall holds the character bigrams of the whole article with
	// positions, each element (title, kicker, subhead, paragraph) at
	// array positions of its own (elements.go): every substring match,
	// every phrase, and every paragraph hit comes from here.
	fieldRecall    = "bg"
	fieldSection   = "section"
	fieldAuthor    = "author"
	fieldTag       = "tag"
	fieldSource    = "source"
	fieldPublished = "published_at"
	fieldMonth     = "month" // "2024-06" in the newsroom's zone, for the month facet
	// fieldParagraphs counts an article's paragraphs (a keyword with doc
	// values: one term a document), for Stats and paragraph search.
	fieldParagraphs = "paragraphs"
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
	// CompactIdle is how long writes must pause before the index merges
	// its segments into one (compact.go); 0 never does. Ignored in memory
	// and with Bulk (an import compacts when it ends).
	CompactIdle time.Duration
	// Logger receives what the index does on its own (a compaction); nil
	// is slog.Default().
	Logger *slog.Logger
	// Segmenter segments the index's text and queries and takes its
	// newsroom words (AddWords, and those stored in the index, applied by
	// Open). Nil is the process's shared segmenter (tokenizer.Shared):
	// indexes opened without one share it, and the words added through
	// one reach them all. An index of its own dictionary (a test, a
	// second newsroom in the process) gives its own (tokenizer.NewSegmenter).
	Segmenter *tokenizer.Segmenter
}

// Index is a searchable store of articles. It is safe for concurrent use.
type Index struct {
	bi   bleve.Index
	path string // "" in memory
	loc  *time.Location
	seg  *tokenizer.Segmenter // Options.Segmenter, or the shared one

	writeMu sync.Mutex // serialises writes so that one id never ends up mixed

	// Group commit (groupcommit.go): writes queue under queueMu; the
	// writer holding writeMu applies the queue as one batch.
	queueMu sync.Mutex
	queue   []*writeOp
	groups  uint64          // batches written by commit, under writeMu
	grouped uint64          // ops those batches held, under writeMu
	closed  bool            // under writeMu
	pending []*pendingGroup // applied, not yet persisted, oldest first; under writeMu
	created bool            // Open made a new index
	tmpDir  string          // the scratch directory of an in-memory index, removed by Close

	bulk      bool       // Options.Bulk on disk (bulk.go)
	bulkState *bulkState // bulk only

	dictMu  sync.Mutex    // serialises dictionary updates (dictionary.go)
	dictGen atomic.Uint64 // counts dictionary updates: a write analysed before one is analysed again
	reidx   reindexer     // background re-index after words are added
	compact compactor     // merges segments when writes pause (compact.go)

	noEntities    bool                      // write without names, for the benchmark of their cost (entities.go)
	hook          atomic.Pointer[WriteHook] // told of every successful write (written.go)
	plans         planCache                 // the plans of standing searches (matchplan.go)
	noFingerprint bool                      // benchmarks measure the fingerprint's cost (duplicates.go) by leaving it out
}

// Open opens the index at opts.Path, creating it if it does not exist, or
// an in-memory index when the path is empty.
func Open(opts Options) (*Index, error) {
	// The shared dictionary (most of a start-up), for an index without a
	// segmenter of its own, loads while the index's files are checked and
	// opened.
	var (
		seg    *tokenizer.Segmenter
		segErr error
		loaded = make(chan struct{})
	)
	go func() {
		defer close(loaded)
		if seg = opts.Segmenter; seg == nil {
			seg, segErr = tokenizer.Shared()
		}
	}()
	var err error
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
	if <-loaded; segErr != nil {
		_ = bi.Close()
		return nil, segErr
	}
	if !created {
		if err := checkLayout(bi, false); err != nil {
			_ = bi.Close()
			return nil, fmt.Errorf("opening index %q: %w", opts.Path, err)
		}
	}
	if err := bindSegmenter(bi.Mapping(), seg); err != nil {
		_ = bi.Close()
		return nil, fmt.Errorf("opening index %q: %w", opts.Path, err)
	}
	ix := &Index{bi: bi, path: opts.Path, loc: loc, seg: seg, created: created, tmpDir: tmpDir, bulk: opts.Bulk && opts.Path != ""}
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
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	ix.startCompactor(opts.CompactIdle, ix.compactIfWorth, log)
	if !created {
		// An index opened counts as written: one a server left in many
		// segments (stopped soon after an import) is compacted after the
		// first pause too, not only after its next write.
		ix.compact.kick()
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
	ix.stopCompactor()
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ix.closed = true
	// writes applied and waiting for the disk, outside the lock
	// (groupcommit.go), reach it (or fail) before the index goes
	for len(ix.pending) > 0 {
		pending := slices.Clone(ix.pending)
		ix.writeMu.Unlock()
		for _, g := range pending {
			for _, w := range g.waits {
				_ = w.wait() // the group's waiters read the outcome
			}
		}
		ix.writeMu.Lock()
		ix.pending = slices.DeleteFunc(ix.pending, func(g *pendingGroup) bool { return slices.Contains(pending, g) })
	}
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

	art := bleve.NewDocumentMapping()
	art.AddFieldMappingsAt(fieldType, kw(false))
	art.AddFieldMappingsAt(fieldID, kw(false))
	art.AddFieldMappingsAt(fieldSection, kw(true))
	art.AddFieldMappingsAt(fieldAuthor, kw(true))
	art.AddFieldMappingsAt(fieldTag, kw(true))
	art.AddFieldMappingsAt(fieldSource, kw(false))
	art.AddFieldMappingsAt(fieldPublished, date)
	art.AddFieldMappingsAt(fieldMonth, kw(true))
	art.AddFieldMappingsAt(fieldMonthDay, kw(false))
	art.AddFieldMappingsAt(fieldParagraphs, kw(true)) // a count, as one keyword term
	// names, built by entities.go: stored for Index.Entities
	for _, f := range []string{fieldPerson, fieldPlace, fieldOrg} {
		ent := kw(true)
		ent.Store = true
		art.AddFieldMappingsAt(f, ent)
	}
	art.Dynamic = false
	// The text fields (title, w, bg) are built by prepare.go with their
	// analysis and array positions; these mappings document them and give
	// bleve their analyzers for anything that asks.
	text := func(analyzer string, vectors bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeTermVectors = vectors
		f.IncludeInAll = false
		f.DocValues = false // nothing sorts or facets by text
		return f
	}
	title := text(tokenizer.IndexAnalyzer, true)
	title.Store = true // suggestions read titles without decoding articles
	art.AddFieldMappingsAt(fieldTitle, title)
	art.AddFieldMappingsAt(fieldWords, text(tokenizer.IndexAnalyzer, false))
	art.AddFieldMappingsAt(fieldRecall, text(tokenizer.BigramAnalyzer, true))
	stored := bleve.NewTextFieldMapping()
	stored.Analyzer = keyword.Name
	stored.Index = false
	stored.Store = true
	stored.IncludeTermVectors = false
	stored.IncludeInAll = false
	stored.DocValues = false
	art.AddFieldMappingsAt(fieldStored, stored)
	art.AddFieldMappingsAt(fieldDupBands, kw(false)) // duplicates.go
	art.AddFieldMappingsAt(fieldFingerprint, stored)

	m := bleve.NewIndexMapping()
	m.TypeField = fieldType
	m.DefaultMapping = bleve.NewDocumentDisabledMapping()
	// No field goes into bleve's _all composite field and no query reads
	// it, but an enabled _all is still built for every document: disable it.
	art.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	m.AddDocumentMapping(TypeArticle, art)
	m.DefaultAnalyzer = tokenizer.IndexAnalyzer
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m
}

// boundAnalyzer names, in an open index's mapping, the analyzer that does
// what the registered analyzer name does with the index's segmenter.
func boundAnalyzer(name string) string { return name + "@index" }

// bindSegmenter points the open index's mapping at analyzers built on
// seg: bleve's registered analyzers, which the stored mapping names,
// segment with the shared segmenter, and an index may have its own
// (Options.Segmenter). The writes hand bleve text analysed by the index
// itself (prepare.go) and the searches build their terms the same way, so
// this is for whatever asks bleve's mapping for a field's analyzer. The
// mapping changes in memory only: bleve wrote it to the index when the
// index was made, and the names stored there stay the registered ones.
func bindSegmenter(m mapping.IndexMapping, seg *tokenizer.Segmenter) error {
	im, ok := m.(*mapping.IndexMappingImpl)
	if !ok {
		return fmt.Errorf("binding the segmenter: the mapping is a %T", m)
	}
	for _, name := range []string{tokenizer.IndexAnalyzer, tokenizer.QueryAnalyzer} {
		if err := im.AddCustomAnalyzer(boundAnalyzer(name), tokenizer.AnalyzerConfig(name, seg)); err != nil {
			return fmt.Errorf("binding the segmenter: %w", err)
		}
	}
	rebind := func(name *string) {
		if *name == tokenizer.IndexAnalyzer || *name == tokenizer.QueryAnalyzer {
			*name = boundAnalyzer(*name)
		}
	}
	var bind func(dm *mapping.DocumentMapping)
	bind = func(dm *mapping.DocumentMapping) {
		if dm == nil {
			return
		}
		rebind(&dm.DefaultAnalyzer)
		for _, f := range dm.Fields {
			rebind(&f.Analyzer)
		}
		for _, sub := range dm.Properties {
			bind(sub)
		}
	}
	bind(im.DefaultMapping)
	for _, dm := range im.TypeMapping {
		bind(dm)
	}
	rebind(&im.DefaultAnalyzer)
	return nil
}

// Segmenter is the segmenter of the index (Options.Segmenter), for what
// reads it: metrics, parts of speech. Words are added through AddWords,
// which records them in the index.
func (ix *Index) Segmenter() *tokenizer.Segmenter { return ix.seg }

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

// documentData is the part of an article's document that bleve maps
// itself: keyword fields, the date and the stored article. The text fields
// are added by prepare with their analysis and array positions.
func (ix *Index) documentData(a *article.Article) (map[string]any, error) {
	published, err := a.Published(ix.loc)
	if err != nil {
		return nil, err
	}
	d := map[string]any{
		fieldType: TypeArticle, fieldID: a.ID, fieldSection: a.Section, fieldSource: a.Source,
		fieldAuthor: a.Authors, fieldTag: a.Tags, fieldParagraphs: strconv.Itoa(len(a.Paragraphs)),
	}
	if !published.IsZero() {
		d[fieldPublished] = published
		d[fieldMonth] = published.In(ix.loc).Format("2006-01")
		d[fieldMonthDay] = monthDay(published, ix.loc)
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encoding article: %w", err)
	}
	d[fieldStored] = string(raw)
	return d, nil
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
	raw, err := ix.getRaw(id)
	if err != nil {
		return nil, err
	}
	return decodeStored(id, raw)
}

// getRaw returns a stored article's JSON; ErrNotFound if unknown.
func (ix *Index) getRaw(id string) ([]byte, error) {
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
	return raw, nil
}

// storedJSON decodes stored articles: json-iterator's drop-in for
// encoding/json decodes them in half the time, and a page of hits decodes
// ten of them.
var storedJSON = jsoniter.ConfigCompatibleWithStandardLibrary

func decodeStored(id string, raw []byte) (*article.Article, error) {
	var a article.Article
	if err := storedJSON.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("decoding stored article %q: %w", id, err)
	}
	return &a, nil
}

// Stats counts what the index holds.
type Stats struct {
	Articles   uint64 `json:"articles"`
	Paragraphs uint64 `json:"paragraphs"`
}

// Stats counts articles and paragraphs: the documents, and the sum of
// their paragraph counts (doc values), read once per index snapshot.
func (ix *Index) Stats(ctx context.Context) (Stats, error) {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return Stats{}, fmt.Errorf("counting: %w", err)
	}
	rd, err := adv.Reader()
	if err != nil {
		return Stats{}, fmt.Errorf("counting: %w", err)
	}
	defer rd.Close()
	n, err := rd.DocCount()
	if err != nil {
		return Stats{}, fmt.Errorf("counting articles: %w", err)
	}
	s := Stats{Articles: n}
	if n == 0 {
		return s, nil
	}
	all, err := searcher.NewMatchAllSearcher(ctx, rd, 1, search.SearcherOptions{Score: "none"})
	if err != nil {
		return s, fmt.Errorf("counting paragraphs: %w", err)
	}
	defer all.Close()
	dvr, err := rd.DocValueReader([]string{fieldParagraphs})
	if err != nil {
		return s, fmt.Errorf("counting paragraphs: %w", err)
	}
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(all.DocumentMatchPoolSize(), 0)}
	for i := 0; ; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return s, err
			}
		}
		dm, err := all.Next(sctx)
		if err != nil {
			return s, fmt.Errorf("counting paragraphs: %w", err)
		}
		if dm == nil {
			break
		}
		err = dvr.VisitDocValues(dm.IndexInternalID, func(_ string, term []byte) {
			if v, err := strconv.Atoi(string(term)); err == nil {
				s.Paragraphs += uint64(v)
			}
		})
		sctx.DocumentMatchPool.Put(dm)
		if err != nil {
			return s, fmt.Errorf("counting paragraphs: %w", err)
		}
	}
	return s, nil
}
