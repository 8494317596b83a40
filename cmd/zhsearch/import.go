package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/internal/measure"
)

// importConfig is what `zhsearch import` is told.
type importConfig struct {
	Data        string
	Strict      bool
	BatchSize   int // articles per batch
	BatchMB     int // text per batch
	Progress    string
	Every       time.Duration // without a bar: a progress line this often
	PublishedAt string
	Source      string
	Page        string
	Section     string
}

const importUsage = `usage: zhsearch import [flags] PATH...

Imports articles into the index at --data (env ZHSEARCH_DATA): page files
(.txt, .md), JSON (.json: one article or an array), NDJSON (.jsonl, .ndjson)
and their gzipped forms (.gz); "-" reads NDJSON from standard input.
Bad lines are reported as file:line: reason and skipped; the exit status is
1 when any was rejected, 2 on a usage error.

flags:
`

func importCmd(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	var cfg importConfig
	fs := flag.NewFlagSet("zhsearch import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, importUsage); fs.PrintDefaults() }
	fs.StringVar(&cfg.Data, "data", getenv("ZHSEARCH_DATA"), "index directory, created if missing (env ZHSEARCH_DATA)")
	fs.BoolVar(&cfg.Strict, "strict", false, "reject articles with unknown JSON fields instead of ignoring them with a warning")
	fs.IntVar(&cfg.BatchSize, "batch", 50, "articles per index batch (two are written at once; bleve holds each one's analysis, about 0.5 MB per xwlb article, in memory)")
	fs.IntVar(&cfg.BatchMB, "batch-mb", 1, "MiB of article text per index batch at most (bleve holds a batch's analysis in memory)")
	fs.StringVar(&cfg.Progress, "progress", "auto", "progress: auto (a bar on a terminal, else a line every --progress-every), always (a bar), or never")
	fs.DurationVar(&cfg.Every, "progress-every", 5*time.Second, "when output is not a terminal, print a progress line this often")
	fs.StringVar(&cfg.PublishedAt, "published-at", "", "page files: publication date, RFC 3339 or YYYY-MM-DD")
	fs.StringVar(&cfg.Source, "source", "", "page files: the paper")
	fs.StringVar(&cfg.Page, "page", "", "page files: page number or name (default: the file name)")
	fs.StringVar(&cfg.Section, "section", "", "page files: section, instead of the page's # banner")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "zhsearch import: "+format+"\n", a...)
		return 2
	}
	switch {
	case cfg.Data == "":
		return fail("--data DIR (or ZHSEARCH_DATA) is required: the index to import into")
	case fs.NArg() == 0:
		return fail("no PATH to import; see zhsearch import --help")
	case cfg.BatchSize < 1:
		return fail("--batch must be at least 1")
	case cfg.BatchMB < 1:
		return fail("--batch-mb must be at least 1")
	case cfg.Progress != "auto" && cfg.Progress != "always" && cfg.Progress != "never":
		return fail("--progress must be auto, always or never, not %q", cfg.Progress)
	case cfg.Every <= 0:
		return fail("--progress-every must be a positive duration, such as 5s")
	}
	if _, err := article.ParseTime(cfg.PublishedAt, time.UTC); err != nil {
		return fail("--published-at: %v", err)
	}
	var total int64
	for _, p := range fs.Args() {
		if p == "-" {
			continue
		}
		f, _ := article.FormatOf(p)
		if f == article.FormatUnknown {
			return fail("%s: unknown file type; use .txt, .md, .json, .jsonl, .ndjson (optionally .gz)", p)
		}
		st, err := os.Stat(p)
		if err != nil {
			return fail("%v", err)
		}
		if st.IsDir() {
			return fail("%s is a directory; name the files", p)
		}
		total += st.Size()
	}

	release, err := lockDataDir(cfg.Data)
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch import: %v\n", err)
		return 1
	}
	defer release()
	ix, err := index.Open(index.Options{Path: indexDir(cfg.Data), Bulk: true})
	if err != nil {
		return fail("%v", err)
	}
	// Every imported article is matched against the saved searches; the
	// server delivers their webhooks when it starts.
	alerts, err := openAlerts(ctx, &Config{Data: cfg.Data}, ix, nil, true, nil, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		_ = ix.Close()
		return fail("%v", err)
	}
	im := &importer{cfg: cfg, ix: ix, out: stderr, start: time.Now(), total: total}
	if cfg.Progress == "always" || (cfg.Progress == "auto" && isTerminal(stderr)) {
		im.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionClearOnFinish(),
		)
	}
	// Piped output (a log, CI) gets a line every --progress-every instead
	// of a bar.
	stopLines := func() {}
	if im.bar == nil && cfg.Progress == "auto" {
		tick := time.NewTicker(cfg.Every)
		done, stopped := make(chan struct{}), make(chan struct{})
		go func() { im.progressLines(tick.C, done); close(stopped) }()
		stopLines = func() { tick.Stop(); close(done); <-stopped; stopLines = func() {} }
	}
	runErr := im.run(ctx, fs.Args(), getenv)
	stopLines()
	if runErr == nil {
		// merge the segments that the bulk writes left, as a server would;
		// on a large import this takes minutes, so say so.
		if im.bar != nil {
			_ = im.bar.Finish()
		}
		im.say(fmt.Sprintf("merging the index segments (the final merge) after %s…", time.Since(im.start).Round(time.Second)))
		mergeStart := time.Now()
		if err := ix.Compact(ctx); err != nil {
			runErr = fmt.Errorf("compacting the index: %w", err)
		} else {
			im.say(fmt.Sprintf("final merge done in %s", time.Since(mergeStart).Round(time.Millisecond)))
		}
	}
	if im.bar != nil {
		_ = im.bar.Finish()
	}
	if err := alerts.Close(); err != nil { // matches what is queued first
		fmt.Fprintf(stderr, "zhsearch import: closing the alerts: %v\n", err)
	}
	closeErr := ix.Close()
	if runErr != nil || closeErr != nil {
		// Batches written but not yet persisted when the import failed
		// (a full disk) are not stored: count what the index holds.
		if err := im.recount(ctx); err != nil {
			im.uncounted = true
			fmt.Fprintf(stderr, "zhsearch import: counting what was stored: %v\n", err)
		}
	}
	im.summary()
	switch {
	case runErr != nil:
		fmt.Fprintf(stderr, "zhsearch import: %v (the articles counted as imported above are stored; the others are not)\n", runErr)
		return 1
	case closeErr != nil:
		fmt.Fprintf(stderr, "zhsearch import: closing the index: %v (the articles counted as imported above are stored; the others are not)\n", closeErr)
		return 1
	case im.rejected > 0:
		return 1
	}
	return 0
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// importer streams files into the index in batches.
type importer struct {
	cfg   importConfig
	ix    *index.Index
	out   io.Writer
	bar   *progressbar.ProgressBar
	start time.Time
	total int64 // bytes of the named files (stdin not counted)
	sayMu sync.Mutex

	mu         sync.Mutex // guards articles and paragraphs, counted by the writer
	files      int
	articles   int   // indexed
	paragraphs int   // indexed
	rejected   int   // lines or page articles
	warned     int   // items with warnings
	read       int64 // bytes of the files as stored
	decoded    int64 // bytes after decompression

	batch      []*article.Article
	batchBytes int
	batchParas int

	// sent is the fingerprint of the last version of each id handed to
	// the index, to count what is stored after a failure (recount).
	sent      map[string]uint64
	uncounted bool // recount failed: what is stored is unknown

	// The batches being written, oldest first: the next batch is
	// analysed (index.Prepare) while up to maxWriting earlier ones are
	// written (index.WriteBulk).
	writing []chan error
}

// maxWriting is how many batches the import writes at once: two segments
// are built at once, one per core of the machines it is measured on.
const maxWriting = 2

func (im *importer) run(ctx context.Context, paths []string, getenv func(string) string) (err error) {
	defer func() { // however it ends, the batch being written lands first
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
		im.files++
	}
	return im.flush(ctx)
}

// countingReader counts bytes read and moves the progress bar.
type countingReader struct {
	r   io.Reader
	n   *int64
	bar *progressbar.ProgressBar
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	atomic.AddInt64(c.n, int64(n))
	if c.bar != nil && n > 0 {
		_ = c.bar.Add(n)
	}
	return n, err
}

func (im *importer) file(ctx context.Context, path string) error {
	name := path
	var src io.Reader = os.Stdin
	format, gz := article.FormatNDJSON, false
	if path == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		src = f
		format, gz = article.FormatOf(path)
	}
	rc, err := article.Decompress(countingReader{r: src, n: &im.read, bar: im.bar}, gz)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	r := countingReader{r: rc, n: &im.decoded}

	if format == article.FormatPage {
		return im.page(ctx, name, path, r)
	}
	opts := article.ReadOptions{DecodeOptions: article.DecodeOptions{Strict: im.cfg.Strict}}
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

func (im *importer) page(ctx context.Context, name, path string, r io.Reader) error {
	meta := article.PageMeta{PublishedAt: im.cfg.PublishedAt, Source: im.cfg.Source, Page: im.cfg.Page, Section: im.cfg.Section}
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
func (im *importer) add(ctx context.Context, a *article.Article) error {
	im.batch = append(im.batch, a)
	im.batchParas += len(a.Paragraphs)
	for _, p := range a.Paragraphs {
		im.batchBytes += len(p.Text)
	}
	im.batchBytes += len(a.Title) + len(a.Summary)
	if len(im.batch) >= im.cfg.BatchSize || im.batchBytes >= im.cfg.BatchMB<<20 {
		return im.flush(ctx)
	}
	return nil
}

// flush analyses the batch, waits while maxWriting batches are being
// written and starts writing this one; the import reads and analyses the
// next batch meanwhile.
func (im *importer) flush(ctx context.Context) error {
	if len(im.batch) == 0 {
		return nil
	}
	n, paras := len(im.batch), im.batchParas
	if im.sent == nil {
		im.sent = map[string]uint64{}
	}
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
		im.articles += n
		im.paragraphs += paras
		articles := im.articles
		im.mu.Unlock()
		if im.bar != nil {
			im.bar.Describe(fmt.Sprintf("%d articles", articles))
		}
		done <- nil
	}()
	return nil
}

func (im *importer) waitOldest() error {
	err := <-im.writing[0]
	im.writing = im.writing[1:]
	return err
}

// wait waits for every batch being written; the first error wins.
func (im *importer) wait() error {
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

// recount sets the counts to what the index holds of this import, after
// a failure: a bulk write is counted when it is searchable, and the ones
// scorch could not persist before the index closed are lost. It reopens
// the index (the data directory is still locked) and counts the ids whose
// stored version is the one this import sent.
func (im *importer) recount(ctx context.Context) error {
	ix, err := index.Open(index.Options{Path: indexDir(im.cfg.Data)})
	if err != nil {
		return err
	}
	defer ix.Close()
	articles, paragraphs := 0, 0
	for id, fp := range im.sent {
		a, err := ix.Get(ctx, id)
		if errors.Is(err, index.ErrNotFound) {
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
	im.articles, im.paragraphs = articles, paragraphs
	im.mu.Unlock()
	return nil
}

// progressLines prints a progress line at each tick until done: the
// import's progress where there is no terminal for a bar.
func (im *importer) progressLines(tick <-chan time.Time, done <-chan struct{}) {
	for {
		select {
		case <-tick:
			im.say(im.progressLine())
		case <-done:
			return
		}
	}
}

// progressLine says how far the import is: bytes read of the total,
// articles and paragraphs indexed, time so far.
func (im *importer) progressLine() string {
	im.mu.Lock()
	arts, paras := im.articles, im.paragraphs
	im.mu.Unlock()
	read := atomic.LoadInt64(&im.read)
	of := ""
	if im.total > 0 {
		of = fmt.Sprintf(" of %.1f (%.0f%%)", float64(im.total)/1e6, 100*float64(read)/float64(im.total))
	}
	return fmt.Sprintf("importing: %.1f%s MB read, %d articles and %d paragraphs indexed, %s",
		float64(read)/1e6, of, arts, paras, time.Since(im.start).Round(time.Second))
}

// say prints a line above the progress bar; the progress lines' goroutine
// says too.
func (im *importer) say(line string) {
	im.sayMu.Lock()
	defer im.sayMu.Unlock()
	if im.bar != nil {
		_ = im.bar.Clear()
	}
	fmt.Fprintln(im.out, line)
}

func (im *importer) reject(line string) {
	im.rejected++
	im.say("rejected " + line)
}

// maxWarnings bounds the warnings printed; the summary counts them all.
const maxWarnings = 20

func (im *importer) warn(line string) {
	im.warned++
	if im.warned <= maxWarnings {
		im.say("warning " + line)
	}
}

func (im *importer) summary() {
	el := time.Since(im.start)
	secs := el.Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	mb := float64(im.decoded) / 1e6
	if im.uncounted {
		fmt.Fprintf(im.out, "the import failed and what it stored could not be counted: run zhsearch verify --data %s, then zhsearch search --data %s to see\n", im.cfg.Data, im.cfg.Data)
	}
	fmt.Fprintf(im.out, "imported %d articles, %d paragraphs from %d file(s) into %s in %s: %.0f articles/s, %.2f MB/s (%.1f MB of text",
		im.articles, im.paragraphs, im.files, im.cfg.Data, el.Round(time.Millisecond), float64(im.articles)/secs, mb/secs, mb)
	if im.read != im.decoded {
		fmt.Fprintf(im.out, ", %.1f MB compressed", float64(im.read)/1e6)
	}
	fmt.Fprintf(im.out, "); rejected %d", im.rejected)
	if im.warned > 0 {
		fmt.Fprintf(im.out, "; %d with warnings", im.warned)
	}
	if size, err := measure.DirSize(im.cfg.Data); err == nil {
		fmt.Fprintf(im.out, "; index size %.1f MB", float64(size)/1e6)
	}
	fmt.Fprintln(im.out)
}
