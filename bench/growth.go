package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// PhaseGrowth measures how ingest, the index and the query tail grow with
// the archive (issue 16, item 4).
const PhaseGrowth = "growth"

// GrowthBar is the bar: the 8-client p99 may grow at most this
// much per 4× of data. The report states whether it holds; it does not
// fail the run.
const GrowthBar = 1.5

// GrowthSize is one size of a growth run: a fresh index of the first
// Articles articles (the corpus repeated when it has fewer), and the
// same queries against it.
type GrowthSize struct {
	Articles int           `json:"articles"`
	Copies   int           `json:"copies"`  // repeats of the corpus beyond the original (WriteGrown)
	TextMB   float64       `json:"text_mb"` // titles and paragraphs, UTF-8
	Ingest   *IngestResult `json:"ingest,omitempty"`
	// WarmupErrors counts failed answers of the warm-up pass (each query
	// once, before the load).
	WarmupErrors int        `json:"warmup_errors"`
	Concurrent   LoadResult `json:"concurrent"`
	Single       LoadResult `json:"single"`
}

// GrowthStep compares the 8-client p99 of two sizes.
type GrowthStep struct {
	From       int     `json:"from"`
	To         int     `json:"to"`
	DataFactor float64 `json:"data_factor"` // To / From
	P99Ratio   float64 `json:"p99_ratio"`   // p99 at To / p99 at From
	// PerFourX is P99Ratio scaled to 4× of data, as if p99 grew as a
	// power of the size: P99Ratio^(ln 4 / ln DataFactor). It equals
	// P99Ratio when the sizes are 4× apart.
	PerFourX float64 `json:"p99_ratio_per_4x"`
	Holds    bool    `json:"holds"` // PerFourX <= GrowthBar
}

// GrowthReport is everything a growth run measured.
type GrowthReport struct {
	Started        time.Time    `json:"started"`
	Command        string       `json:"command"`
	Machine        Machine      `json:"machine"`
	Binary         string       `json:"binary"`
	Corpus         string       `json:"corpus"`
	CorpusArticles int          `json:"corpus_articles"` // read from the corpus (at most the largest size)
	Seed           uint64       `json:"seed"`
	Queries        int          `json:"queries"`
	QueriesFrom    int          `json:"queries_from"` // drawn from the first this many articles: in every size
	Sizes          []GrowthSize `json:"sizes"`
	Steps          []GrowthStep `json:"steps,omitempty"`   // consecutive sizes
	Overall        *GrowthStep  `json:"overall,omitempty"` // smallest to largest, when more than two sizes
	Bar            float64      `json:"bar_p99_per_4x"`
	Notes          []string     `json:"notes,omitempty"`
}

// GrowthSteps compares the 8-client p99 of consecutive sizes, and of the
// smallest and the largest when there are more than two. A size without
// a p99 (no answer) is left out, with a note.
func GrowthSteps(sizes []GrowthSize) (steps []GrowthStep, overall *GrowthStep, notes []string) {
	var ok []GrowthSize
	for _, s := range sizes {
		if s.Concurrent.P99MS > 0 {
			ok = append(ok, s)
		} else {
			notes = append(notes, fmt.Sprintf("%d articles: no 8-client p99 (no answers): left out of the ratios", s.Articles))
		}
	}
	step := func(a, b GrowthSize) GrowthStep {
		f := float64(b.Articles) / float64(a.Articles)
		r := b.Concurrent.P99MS / a.Concurrent.P99MS
		per4 := math.Pow(r, math.Log(4)/math.Log(f))
		return GrowthStep{From: a.Articles, To: b.Articles, DataFactor: f, P99Ratio: r, PerFourX: per4, Holds: per4 <= GrowthBar}
	}
	for i := 1; i < len(ok); i++ {
		steps = append(steps, step(ok[i-1], ok[i]))
	}
	if len(ok) > 2 {
		o := step(ok[0], ok[len(ok)-1])
		overall = &o
	}
	return steps, overall, notes
}

// RunGrowth imports the first n articles for each n of cfg.Sizes
// (ascending) into a fresh index, the corpus repeated when it is shorter
// (WriteGrown), and measures the import (docs/s, index on disk, peak RSS)
// and the same queries against each: a warm-up pass, then cfg.Clients
// clients for cfg.Duration and one client for cfg.SingleDuration. The
// grown corpus files and the indexes live in a temporary directory of the
// system's, each removed once measured. The report is rewritten after
// every size, so a run stopped late keeps what it measured.
func RunGrowth(ctx context.Context, cfg Config) (*GrowthReport, error) {
	if len(cfg.Sizes) == 0 {
		return nil, fmt.Errorf("growth: no sizes")
	}
	sizes := slices.Clone(cfg.Sizes)
	slices.Sort(sizes)
	sizes = slices.Compact(sizes)
	if sizes[0] < 1 {
		return nil, fmt.Errorf("growth: sizes must be at least 1")
	}
	tmp, remove, err := workDirs(cfg.Out, "zhsearch-bench-growth-")
	if err != nil {
		return nil, err
	}
	defer remove()

	r := &GrowthReport{Started: time.Now().UTC(), Command: cfg.Command, Machine: thisMachine(), Binary: cfg.Bin, Corpus: cfg.Corpus, Seed: cfg.Seed, Bar: GrowthBar}
	cfg.logf("reading %s", cfg.Corpus)
	corpus, lines, err := ReadCorpusLines(cfg.Corpus, sizes[len(sizes)-1])
	if err != nil {
		return nil, err
	}
	r.CorpusArticles = len(lines)
	r.QueriesFrom = min(sizes[0], len(corpus.Docs))
	cfg.logf("generating %d+%d queries from the first %d articles, seed %d", cfg.Spans, cfg.Subs, r.QueriesFrom, cfg.Seed)
	queries, err := GenerateQueries(corpus.Docs[:r.QueriesFrom], cfg.Words, cfg.Seed, cfg.Spans, cfg.Subs)
	if err != nil {
		return nil, err
	}
	r.Queries = len(queries)
	if err := writeJSONL(filepath.Join(cfg.Out, "queries.jsonl"), queries); err != nil {
		return nil, err
	}
	for _, n := range sizes {
		s, err := growthSize(ctx, &cfg, corpus, lines, n, queries, tmp)
		if s != nil {
			r.Sizes = append(r.Sizes, *s)
		}
		if err != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("the run stopped at %d articles: %v", n, err))
		}
		var notes []string
		r.Steps, r.Overall, notes = GrowthSteps(r.Sizes)
		if werr := r.WriteFiles(cfg.Out, notes); werr != nil && err == nil {
			err = werr
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// growthSize measures one size; the result holds what was measured
// before any error.
func growthSize(ctx context.Context, cfg *Config, corpus *Corpus, lines [][]byte, n int, queries []Query, tmp string) (*GrowthSize, error) {
	s := &GrowthSize{Articles: n}
	for i := 0; i < n; i++ {
		s.TextMB += float64(corpus.Docs[i%len(corpus.Docs)].textBytes())
	}
	s.TextMB /= mb
	path := filepath.Join(tmp, "corpus.jsonl")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	s.Copies, err = WriteGrown(f, lines, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing the grown corpus: %w", err)
	}
	data := filepath.Join(tmp, "data")
	defer os.RemoveAll(data)
	scratch := &Report{Articles: n, TextMB: s.TextMB}
	nc := *cfg
	nc.Profile = false
	s.Ingest, err = runIngest(ctx, &nc, scratch, path, data)
	os.Remove(path) // the grown corpus is never kept
	if err != nil {
		return nil, err
	}
	cfg.logf("%d articles: %.0f docs/s, index %.0f MB, import peak RSS %.0f MiB", n, s.Ingest.DocsPerSec, s.Ingest.IndexMB, s.Ingest.PeakRSSMiB)
	srv, err := StartServer(ctx, cfg.Bin, data, queries[0].Text, nil, 10*time.Minute)
	if err != nil {
		return s, err
	}
	defer srv.Stop(30 * time.Second)
	s.Ingest.Served = srv.Articles
	urls := make([]string, len(queries))
	for i, q := range queries {
		urls[i] = srv.URL + "/v1/search?" + SearchParams(q.Text).Encode()
	}
	cfg.logf("%d articles: warm-up, each query once", n)
	if s.WarmupErrors, err = warmUp(ctx, urls); err != nil {
		return s, err
	}
	cfg.logf("%d articles: %d clients for %s", n, cfg.Clients, cfg.Duration)
	if s.Concurrent, err = RunLoad(ctx, urls, cfg.Clients, cfg.Duration); err != nil {
		return s, err
	}
	cfg.logf("%d articles: 1 client for %s", n, cfg.SingleDuration)
	if s.Single, err = RunLoad(ctx, urls, 1, cfg.SingleDuration); err != nil {
		return s, err
	}
	cfg.logf("%d articles: %.0f QPS, p99 %.1f ms; 1 client p50 %.2f ms", n, s.Concurrent.QPS, s.Concurrent.P99MS, s.Single.P50MS)
	return s, srv.Stop(30 * time.Second)
}

// warmUp sends each URL once, in order, and counts the answers that are
// not 200 OK.
func warmUp(ctx context.Context, urls []string) (int, error) {
	c := &http.Client{Timeout: time.Minute}
	failed := 0
	for _, u := range urls {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return failed, err
		}
		resp, err := c.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return failed, ctx.Err()
			}
			failed++
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			failed++
		}
	}
	return failed, nil
}

// WriteFiles writes report.json and report.md into dir; notes are added
// to the report's own for this writing (the ratios' notes are recomputed
// each time).
func (r *GrowthReport) WriteFiles(dir string, notes []string) error {
	out := *r
	out.Notes = append(slices.Clone(r.Notes), notes...)
	return writeReport(dir, &out, out.WriteMarkdown)
}

// WriteMarkdown writes the table of sizes, then the p99 ratios and the
// issue's bar.
func (r *GrowthReport) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "Growth: `%s` (%d articles read), repeated with new ids and dates shifted by whole years where a size exceeds it; %d queries drawn from the first %d articles, seed %d; %d CPUs, %s; load average at start %s; bench binary at %s.\n\n",
		filepath.Base(r.Corpus), r.CorpusArticles, r.Queries, r.QueriesFrom, r.Seed, r.Machine.CPUs, r.Machine.GoVersion, r.Machine.LoadAvg, orUnknown(r.Machine.Revision))
	fmt.Fprintf(w, "| articles | copies | ingest docs/s | index MB | import peak RSS MiB | 8 clients QPS | 1 client p50 ms | 8 clients p99 ms |\n|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Sizes {
		in := "not measured | not measured | not measured"
		if s.Ingest != nil {
			in = fmt.Sprintf("%s | %.0f | %.0f", thousands(s.Ingest.DocsPerSec), s.Ingest.IndexMB, s.Ingest.PeakRSSMiB)
		}
		load := "not measured | not measured | not measured"
		if s.Concurrent.Clients > 0 && s.Single.Clients > 0 {
			load = fmt.Sprintf("%s | %.2f | %.1f", thousands(s.Concurrent.QPS), s.Single.P50MS, s.Concurrent.P99MS)
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s |\n", thousands(float64(s.Articles)), s.Copies, in, load)
	}
	if len(r.Steps) > 0 {
		fmt.Fprintf(w, "\n8-client p99 growth (the bar: at most %.1f× per 4× of data):\n\n| from | to | data | p99 | p99 per 4× of data | within the bar |\n|---|---|---|---|---|---|\n", r.Bar)
		steps := r.Steps
		if r.Overall != nil {
			steps = append(slices.Clone(steps), *r.Overall)
		}
		for _, st := range steps {
			fmt.Fprintf(w, "| %s | %s | %.2f× | %.2f× | %.2f× | %s |\n", thousands(float64(st.From)), thousands(float64(st.To)), st.DataFactor, st.P99Ratio, st.PerFourX, yesNo(st.Holds))
		}
	}
	fmt.Fprintf(w, "\nCommand: `%s`\n", r.Command)
	for _, s := range r.Sizes {
		if s.Ingest != nil {
			fmt.Fprintf(w, "\n%d articles (%.1f MB of text): import %.1f s; the server then reported %d articles; warm-up errors %d.\n", s.Articles, s.TextMB, s.Ingest.Seconds, s.Ingest.Served, s.WarmupErrors)
		}
		for _, l := range []LoadResult{s.Concurrent, s.Single} {
			if l.Clients == 0 {
				continue
			}
			fmt.Fprintf(w, "Load, %d client(s), %.1f s: %d answers (%d errors), %.0f QPS; latency ms mean %.2f, p50 %.2f, p90 %.2f, p99 %.2f, max %.2f.\n",
				l.Clients, l.Seconds, l.Requests, l.Errors, l.QPS, l.MeanMS, l.P50MS, l.P90MS, l.P99MS, l.MaxMS)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
