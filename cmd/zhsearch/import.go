package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
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
	ui := &importUI{out: stderr, start: time.Now(), total: total, data: cfg.Data}
	if cfg.Progress == "always" || (cfg.Progress == "auto" && isTerminal(stderr)) {
		ui.bar = progressbar.NewOptions64(total,
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
	opts := index.ImportOptions{
		Strict:     cfg.Strict,
		BatchSize:  cfg.BatchSize,
		BatchBytes: cfg.BatchMB << 20,
		Page:       article.PageMeta{PublishedAt: cfg.PublishedAt, Source: cfg.Source, Page: cfg.Page, Section: cfg.Section},
		Stdin:      os.Stdin,
		OnLine:     ui.say,
	}
	if ui.bar != nil {
		opts.OnRead = func(n int) { _ = ui.bar.Add(n) }
		opts.OnWritten = func(articles int) { ui.bar.Describe(fmt.Sprintf("%d articles", articles)) }
	}
	im := index.NewImporter(ix, opts)
	ui.counts = im.Counts
	// Piped output (a log, CI) gets a line every --progress-every instead
	// of a bar.
	stopLines := func() {}
	if ui.bar == nil && cfg.Progress == "auto" {
		tick := time.NewTicker(cfg.Every)
		done, stopped := make(chan struct{}), make(chan struct{})
		go func() { ui.progressLines(tick.C, done); close(stopped) }()
		stopLines = func() { tick.Stop(); close(done); <-stopped; stopLines = func() {} }
	}
	runErr := im.Import(ctx, fs.Args())
	stopLines()
	if runErr == nil {
		// merge the segments that the bulk writes left, as a server would;
		// on a large import this takes minutes, so say so.
		if ui.bar != nil {
			_ = ui.bar.Finish()
		}
		ui.say(fmt.Sprintf("merging the index segments (the final merge) after %s…", time.Since(ui.start).Round(time.Second)))
		mergeStart := time.Now()
		if err := ix.Compact(ctx); err != nil {
			runErr = fmt.Errorf("compacting the index: %w", err)
		} else {
			ui.say(fmt.Sprintf("final merge done in %s", time.Since(mergeStart).Round(time.Millisecond)))
		}
	}
	if ui.bar != nil {
		_ = ui.bar.Finish()
	}
	if err := alerts.Close(); err != nil { // matches what is queued first
		fmt.Fprintf(stderr, "zhsearch import: closing the alerts: %v\n", err)
	}
	closeErr := ix.Close()
	if runErr != nil || closeErr != nil {
		// Batches written but not yet persisted when the import failed
		// (a full disk) are not stored: count what the index holds.
		if err := im.Recount(ctx, indexDir(cfg.Data)); err != nil {
			ui.uncounted = true
			fmt.Fprintf(stderr, "zhsearch import: counting what was stored: %v\n", err)
		}
	}
	ui.summary()
	switch {
	case runErr != nil:
		fmt.Fprintf(stderr, "zhsearch import: %v (the articles counted as imported above are stored; the others are not)\n", runErr)
		return 1
	case closeErr != nil:
		fmt.Fprintf(stderr, "zhsearch import: closing the index: %v (the articles counted as imported above are stored; the others are not)\n", closeErr)
		return 1
	case im.Counts().Rejected > 0:
		return 1
	}
	return 0
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// importUI shows an import's progress and outcome on the command's
// output: a bar on a terminal, else a line now and then; the rejected
// items; the summary.
type importUI struct {
	out       io.Writer
	bar       *progressbar.ProgressBar
	start     time.Time
	total     int64 // bytes of the named files (stdin not counted)
	data      string
	counts    func() index.ImportCounts
	uncounted bool // the recount failed: what is stored is unknown
	sayMu     sync.Mutex
}

// progressLines prints a progress line at each tick until done: the
// import's progress where there is no terminal for a bar.
func (ui *importUI) progressLines(tick <-chan time.Time, done <-chan struct{}) {
	for {
		select {
		case <-tick:
			ui.say(ui.progressLine())
		case <-done:
			return
		}
	}
}

// progressLine says how far the import is: bytes read of the total,
// articles and paragraphs indexed, time so far.
func (ui *importUI) progressLine() string {
	c := ui.counts()
	of := ""
	if ui.total > 0 {
		of = fmt.Sprintf(" of %.1f (%.0f%%)", float64(ui.total)/1e6, 100*float64(c.Read)/float64(ui.total))
	}
	return fmt.Sprintf("importing: %.1f%s MB read, %d articles and %d paragraphs indexed, %s",
		float64(c.Read)/1e6, of, c.Articles, c.Paragraphs, time.Since(ui.start).Round(time.Second))
}

// say prints a line above the progress bar; the progress lines' goroutine
// says too.
func (ui *importUI) say(line string) {
	ui.sayMu.Lock()
	defer ui.sayMu.Unlock()
	if ui.bar != nil {
		_ = ui.bar.Clear()
	}
	fmt.Fprintln(ui.out, line)
}

func (ui *importUI) summary() {
	c := ui.counts()
	el := time.Since(ui.start)
	secs := el.Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	mb := float64(c.Decoded) / 1e6
	if ui.uncounted {
		fmt.Fprintf(ui.out, "the import failed and what it stored could not be counted: run zhsearch verify --data %s, then zhsearch search --data %s to see\n", ui.data, ui.data)
	}
	fmt.Fprintf(ui.out, "imported %d articles, %d paragraphs from %d file(s) into %s in %s: %.0f articles/s, %.2f MB/s (%.1f MB of text",
		c.Articles, c.Paragraphs, c.Files, ui.data, el.Round(time.Millisecond), float64(c.Articles)/secs, mb/secs, mb)
	if c.Read != c.Decoded {
		fmt.Fprintf(ui.out, ", %.1f MB compressed", float64(c.Read)/1e6)
	}
	fmt.Fprintf(ui.out, "); rejected %d", c.Rejected)
	if c.Warned > 0 {
		fmt.Fprintf(ui.out, "; %d with warnings", c.Warned)
	}
	if size, err := measure.DirSize(ui.data); err == nil {
		fmt.Fprintf(ui.out, "; index size %.1f MB", float64(size)/1e6)
	}
	fmt.Fprintln(ui.out)
}
