package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/zhsearch/zhsearch/article"
)

// The bulk import pipeline (zhsearch import): files are read and parsed
// one after the other, their articles gathered into batches, and each
// batch analysed (Prepare) while up to maxWriting earlier ones are
// written (WriteBulk, bulk.go), so that reading, analysis and segment
// building overlap. Bad items are rejected with their file and line and
// the import goes on; after a failure, Recount says what the index holds
// of what was sent.

// ImportOptions configures an Importer. The callbacks may be nil; they
// let the command show progress without the index knowing how.
type ImportOptions struct {
	// Strict rejects articles with unknown JSON fields instead of
	// ignoring them with a warning.
	Strict bool
	// BatchSize is the most articles in a batch (default 50), and
	// BatchBytes the most bytes of text (title, summary and paragraphs;
	// default 1 MiB): bleve holds a batch's analysis in memory.
	BatchSize, BatchBytes int
	// Page is the metadata of page files (.txt, .md); an empty Page is
	// the file's name without its extension.
	Page article.PageMeta
	// Stdin is what the path "-" reads, as NDJSON.
	Stdin io.Reader

	// OnRead is called with the bytes of a file read as stored (before
	// decompression): a progress bar's steps.
	OnRead func(n int)
	// OnWritten is called when a batch is written, with the articles
	// written so far. It runs on a goroutine of its own.
	OnWritten func(articles int)
	// OnLine receives a line for each rejected item ("rejected FILE:LINE:
	// reason") and for the first maxWarnings items with warnings
	// ("warning FILE:LINE: ..."); the counts hold them all.
	OnLine func(line string)
}

// ImportCounts is how far an import is.
type ImportCounts struct {
	Files      int   // files read to the end
	Articles   int   // written
	Paragraphs int   // of the articles written
	Rejected   int   // lines or page articles rejected
	Warned     int   // items with warnings
	Read       int64 // bytes of the files as stored
	Decoded    int64 // bytes after decompression
}

// Importer streams article files into an index in batches. Open the
// index with Options.Bulk for an import's speed. One Import runs at a
// time; Counts may be called from any goroutine.
type Importer struct {
	ix   *Index
	opts ImportOptions

	mu            sync.Mutex // guards counts but for Read and Decoded
	counts        ImportCounts
	read, decoded atomic.Int64 // the counts' Read and Decoded

	batch      []*article.Article
	batchBytes int
	batchParas int

	// sent is the fingerprint of the last version of each id handed to
	// the index, to count what is stored after a failure (Recount).
	sent map[string]uint64

	// The batches being written, oldest first: the next batch is
	// analysed (Prepare) while up to maxWriting earlier ones are written
	// (WriteBulk).
	writing []chan error
}

// maxWriting is how many batches an import writes at once: two segments
// are built at once, one per core of the machines it is measured on.
const maxWriting = 2

// maxWarnings bounds the warning lines passed to OnLine; the counts
// hold them all.
const maxWarnings = 20

// NewImporter returns an importer into ix.
func NewImporter(ix *Index, opts ImportOptions) *Importer {
	if opts.BatchSize < 1 {
		opts.BatchSize = 50
	}
	if opts.BatchBytes < 1 {
		opts.BatchBytes = 1 << 20
	}
	return &Importer{ix: ix, opts: opts, sent: map[string]uint64{}}
}

// Counts returns how far the import is.
func (im *Importer) Counts() ImportCounts {
	im.mu.Lock()
	c := im.counts
	im.mu.Unlock()
	c.Read, c.Decoded = im.read.Load(), im.decoded.Load()
	return c
}

// Import reads the files at paths in order ("-" is Stdin, NDJSON) and
// writes their articles; the format of a file is its name's
// (article.FormatOf). It returns when every batch is written, with the
// first error that stopped it; rejected items do not stop it.
func (im *Importer) Import(ctx context.Context, paths []string) (err error) {
	defer func() { // however it ends, the batches being written land first
		if werr := im.wait(); err == nil {
			err = werr
		}
	}()
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted: %w", err)
		}
		if err := im.file(ctx, p); err != nil {
			return err
		}
		im.mu.Lock()
		im.counts.Files++
		im.mu.Unlock()
	}
	return im.flush(ctx)
}

// countingReader counts the bytes read and passes them on.
type countingReader struct {
	r      io.Reader
	n      *atomic.Int64
	onRead func(int)
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	if c.onRead != nil && n > 0 {
		c.onRead(n)
	}
	return n, err
}

func (im *Importer) file(ctx context.Context, path string) error {
	name := path
	src := im.opts.Stdin
	format, gz := article.FormatNDJSON, false
	if path == "-" {
		name = "stdin"
		if src == nil {
			return errors.New("stdin: no standard input to read")
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		src = f
		format, gz = article.FormatOf(path)
	}
	rc, err := article.Decompress(countingReader{r: src, n: &im.read, onRead: im.opts.OnRead}, gz)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	r := countingReader{r: rc, n: &im.decoded}

	if format == article.FormatPage {
		return im.page(ctx, name, path, r)
	}
	opts := article.ReadOptions{DecodeOptions: article.DecodeOptions{Strict: im.opts.Strict}}
	each := func(it article.Item) error {
		if it.Err != nil {
			im.reject(fmt.Sprintf("%s:%d: %v", name, it.Line, it.Err))
			return nil
		}
		if len(it.Warnings) > 0 {
			im.warn(fmt.Sprintf("%s:%d: %s", name, it.Line, strings.Join(it.Warnings, "; ")))
		}
		return im.add(ctx, it.Article)
	}
	if format == article.FormatJSON {
		err = article.ReadJSON(r, opts, each)
	} else {
		err = article.ReadNDJSON(r, opts, each)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func (im *Importer) page(ctx context.Context, name, path string, r io.Reader) error {
	meta := im.opts.Page
	if meta.Page == "" {
		meta.Page = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	page, err := article.ParsePage(r, meta)
	if err != nil {
		im.reject(fmt.Sprintf("%s: %v", name, err))
		return nil
	}
	for _, w := range page.Warnings {
		im.warn(fmt.Sprintf("%s: %s", name, w))
	}
	if len(page.Articles) == 0 {
		im.reject(fmt.Sprintf("%s: no article found (titles are lines starting with \"## \")", name))
	}
	for i := range page.Articles {
		a := &page.Articles[i]
		if err := a.Validate(); err != nil {
			im.reject(fmt.Sprintf("%s: article %d %q: %v", name, i+1, a.Title, err))
			continue
		}
		if err := im.add(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// add queues an article and writes the batch when it is full.
func (im *Importer) add(ctx context.Context, a *article.Article) error {
	im.batch = append(im.batch, a)
	im.batchParas += len(a.Paragraphs)
	for _, p := range a.Paragraphs {
		im.batchBytes += len(p.Text)
	}
	im.batchBytes += len(a.Title) + len(a.Summary)
	if len(im.batch) >= im.opts.BatchSize || im.batchBytes >= im.opts.BatchBytes {
		return im.flush(ctx)
	}
	return nil
}

// flush analyses the batch, waits while maxWriting batches are being
// written and starts writing this one; the import reads and analyses the
// next batch meanwhile.
func (im *Importer) flush(ctx context.Context) error {
	if len(im.batch) == 0 {
		return nil
	}
	n, paras := len(im.batch), im.batchParas
	for _, a := range im.batch {
		im.sent[a.ID] = fingerprint(a)
	}
	p, err := im.ix.Prepare(ctx, im.batch...)
	if err != nil {
		return fmt.Errorf("analysing a batch of %d articles: %w", n, err)
	}
	im.batch, im.batchBytes, im.batchParas = im.batch[:0:0], 0, 0
	for len(im.writing) >= maxWriting {
		if err := im.waitOldest(); err != nil {
			return err
		}
	}
	done := make(chan error, 1)
	im.writing = append(im.writing, done)
	written := im.ix.WriteBulk(ctx, p) // in order: a later batch's version of an id wins
	go func() {
		if err := <-written; err != nil {
			done <- fmt.Errorf("writing a batch of %d articles: %w", n, err)
			return
		}
		im.mu.Lock()
		im.counts.Articles += n
		im.counts.Paragraphs += paras
		articles := im.counts.Articles
		im.mu.Unlock()
		if im.opts.OnWritten != nil {
			im.opts.OnWritten(articles)
		}
		done <- nil
	}()
	return nil
}

func (im *Importer) waitOldest() error {
	err := <-im.writing[0]
	im.writing = im.writing[1:]
	return err
}

// wait waits for every batch being written; the first error wins.
func (im *Importer) wait() error {
	var first error
	for len(im.writing) > 0 {
		if err := im.waitOldest(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// fingerprint identifies one version of an article.
func fingerprint(a *article.Article) uint64 {
	raw, _ := json.Marshal(a)
	h := fnv.New64a()
	_, _ = h.Write(raw)
	return h.Sum64()
}

// Recount sets the counts to what the index at path holds of this
// import, after a failure: a bulk write is counted when it is
// searchable, and the ones scorch could not persist before the index
// closed are lost. It opens the index (closed by then; the caller still
// holds the data directory) and counts the ids whose stored version is
// the one this import sent.
func (im *Importer) Recount(ctx context.Context, path string) error {
	ix, err := Open(Options{Path: path})
	if err != nil {
		return err
	}
	defer ix.Close()
	articles, paragraphs := 0, 0
	for id, fp := range im.sent {
		a, err := ix.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if fingerprint(a) == fp {
			articles++
			paragraphs += len(a.Paragraphs)
		}
	}
	im.mu.Lock()
	im.counts.Articles, im.counts.Paragraphs = articles, paragraphs
	im.mu.Unlock()
	return nil
}

func (im *Importer) reject(line string) {
	im.mu.Lock()
	im.counts.Rejected++
	im.mu.Unlock()
	im.line("rejected " + line)
}

func (im *Importer) warn(line string) {
	im.mu.Lock()
	im.counts.Warned++
	n := im.counts.Warned
	im.mu.Unlock()
	if n <= maxWarnings {
		im.line("warning " + line)
	}
}

func (im *Importer) line(s string) {
	if im.opts.OnLine != nil {
		im.opts.OnLine(s)
	}
}
