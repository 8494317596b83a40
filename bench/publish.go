package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zhsearch/zhsearch/internal/measure"
)

// PhasePublish measures single-article writes while readers search
// (issue 16, item 5).
const PhasePublish = "publish"

// Publish is one article the publish mode writes: a corpus article under
// a new id, so that every write adds an article.
type Publish struct {
	ID   string
	Body []byte // the article's JSON, with ID as its id
}

// PublishArticles returns n articles to publish: corpus lines drawn in a
// random order fixed by seed (cycling when n exceeds the corpus), each
// with the id "<its id>-pub<i>" for i = 1..n, so no two share an id. The
// corpus's other fields are kept.
func PublishArticles(lines [][]byte, n int, seed uint64) ([]Publish, error) {
	if len(lines) == 0 {
		return nil, fmt.Errorf("no articles to publish")
	}
	order := mrand.New(mrand.NewPCG(seed, 3)).Perm(len(lines))
	out := make([]Publish, n)
	for i := range out {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(lines[order[i%len(order)]], &fields); err != nil {
			return nil, fmt.Errorf("article %d of the corpus: %w", order[i%len(order)]+1, err)
		}
		var id string
		if err := json.Unmarshal(fields["id"], &id); err != nil || id == "" {
			return nil, fmt.Errorf("article %d of the corpus: no string id", order[i%len(order)]+1)
		}
		out[i].ID = id + "-pub" + strconv.Itoa(i+1)
		if err := setString(fields, "id", out[i].ID); err != nil {
			return nil, err
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(fields); err != nil {
			return nil, err
		}
		out[i].Body = b.Bytes()
	}
	return out, nil
}

// WriteResult is the writes of a publish run. Latencies are of the writes
// answered 2xx: the API answers a write once it is durable and
// searchable.
type WriteResult struct {
	Writers  int     `json:"writers"`
	Attempts int     `json:"attempts"` // writes sent
	Writes   int     `json:"writes"`   // answered 2xx
	Created  int     `json:"created"`  // 201: a new article
	Replaced int     `json:"replaced"` // 200: the id existed (not expected: ids are new)
	Errors   int     `json:"errors"`   // failed, or answered other than 2xx
	Seconds  float64 `json:"seconds"`  // first write sent to last answer
	PerSec   float64 `json:"per_sec"`  // Writes / Seconds
	MeanMS   float64 `json:"mean_ms"`
	P50MS    float64 `json:"p50_ms"`
	P95MS    float64 `json:"p95_ms"`
	P99MS    float64 `json:"p99_ms"`
	MaxMS    float64 `json:"max_ms"`
	// StoppedAt says why writing stopped before every write was sent
	// ("" when all were).
	StoppedAt  string `json:"stopped_at,omitempty"`
	FirstError string `json:"first_error,omitempty"`
	// Readable counts the articles answered 2xx that GET
	// /v1/articles/{id} returned after the run (-1: not checked).
	Readable int `json:"readable"`
}

// RunWrites POSTs arts to base+"/v1/articles" (Authorization: Bearer key
// when key is set) from writers concurrent writers, each sending its next
// article as soon as its previous one is answered, until every article is
// sent, ctx is done or the deadline passes (then no new write starts). It
// returns the measurements and the ids answered 2xx.
func RunWrites(ctx context.Context, base, key string, arts []Publish, writers int, deadline time.Time) (WriteResult, []string) {
	res := WriteResult{Writers: writers, Readable: -1}
	var (
		next      atomic.Int64
		mu        sync.Mutex
		lat       []time.Duration
		ok        []string
		first     time.Time
		last      time.Time
		wg        sync.WaitGroup
		stoppedAt string
	)
	tr := &http.Transport{MaxIdleConnsPerHost: writers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: time.Minute, Transport: tr}
	for range writers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(arts) {
					return
				}
				why := ""
				switch {
				case ctx.Err() != nil:
					why = "the run was cancelled"
				case !time.Now().Before(deadline):
					why = "the --max-duration cap"
				}
				if why != "" {
					mu.Lock()
					stoppedAt = why
					mu.Unlock()
					return
				}
				a := arts[i]
				start := time.Now()
				code, err := post(ctx, client, base+"/v1/articles", key, a.Body)
				end := time.Now()
				mu.Lock()
				res.Attempts++
				if first.IsZero() || start.Before(first) {
					first = start
				}
				if end.After(last) {
					last = end
				}
				switch {
				case err != nil || code/100 != 2:
					res.Errors++
					if res.FirstError == "" {
						if err == nil {
							err = fmt.Errorf("status %d", code)
						}
						res.FirstError = fmt.Sprintf("POST %s: %v", a.ID, err)
					}
				default:
					lat = append(lat, end.Sub(start))
					ok = append(ok, a.ID)
					if code == http.StatusCreated {
						res.Created++
					} else {
						res.Replaced++
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.StoppedAt = stoppedAt
	res.Writes = len(lat)
	slices.Sort(lat)
	var sum time.Duration
	for _, l := range lat {
		sum += l
	}
	if len(lat) > 0 {
		res.MeanMS = ms(sum / time.Duration(len(lat)))
	}
	res.Seconds = last.Sub(first).Seconds()
	if res.Seconds > 0 {
		res.PerSec = float64(res.Writes) / res.Seconds
	}
	res.P50MS = ms(measure.Percentile(lat, 0.50))
	res.P95MS = ms(measure.Percentile(lat, 0.95))
	res.P99MS = ms(measure.Percentile(lat, 0.99))
	res.MaxMS = ms(measure.Percentile(lat, 1))
	return res, ok
}

// post sends one article and returns the status, the body read to the end
// so the connection is reused. The body of a failure is in the error.
func post(ctx context.Context, c *http.Client, u, key string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s: %.200s", resp.Status, b)
	}
	return resp.StatusCode, nil
}

// countReadable GETs each id and counts the 200 answers.
func countReadable(ctx context.Context, base string, ids []string) (int, error) {
	c := &http.Client{Timeout: time.Minute}
	n := 0
	for _, id := range ids {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/articles/"+url.PathEscape(id), nil)
		if err != nil {
			return n, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return n, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			n++
		}
	}
	return n, nil
}

// PublishReport is everything a publish run measured.
type PublishReport struct {
	Started  time.Time `json:"started"`
	Command  string    `json:"command"`
	Machine  Machine   `json:"machine"`
	Binary   string    `json:"binary"`
	Corpus   string    `json:"corpus"`
	Articles int       `json:"articles"` // the index's articles before the writes (the corpus's first N)
	Seed     uint64    `json:"seed"`
	// Index says what was served: a copy of --data, or a fresh import.
	Index   string        `json:"index"`
	Ingest  *IngestResult `json:"ingest,omitempty"`
	Queries int           `json:"queries"`
	Clients int           `json:"clients"`
	// Search is the clients' load while the writes ran: it stops when
	// the last write is answered.
	Search      LoadResult  `json:"search"`
	Write       WriteResult `json:"write"`
	MaxDuration float64     `json:"max_duration_s"`
	Notes       []string    `json:"notes,omitempty"`
}

// RunPublish serves an index (a copy of cfg.Data, so the index named is
// left as it was; or, without Data, a fresh import of the corpus's first
// cfg.N articles) in a child server that requires an API key for writes,
// warms it up with the protocol's queries, then has cfg.Writers writers
// POST cfg.Writes corpus articles under new ids (PublishArticles) while
// cfg.Clients clients search the queries, until the last write is answered
// or cfg.MaxDuration passes. Afterwards every article answered 2xx is
// read back by id.
func RunPublish(ctx context.Context, cfg Config) (*PublishReport, error) {
	tmp, remove, err := workDirs(cfg.Out, "zhsearch-bench-publish-")
	if err != nil {
		return nil, err
	}
	defer remove()
	r := &PublishReport{Started: time.Now().UTC(), Command: cfg.Command, Machine: thisMachine(), Binary: cfg.Bin, Corpus: cfg.Corpus, Seed: cfg.Seed, Clients: cfg.Clients, MaxDuration: cfg.MaxDuration.Seconds()}
	err = runPublish(ctx, &cfg, r, tmp)
	if err != nil {
		r.Notes = append(r.Notes, "the run stopped early: "+err.Error())
	}
	if werr := r.WriteFiles(cfg.Out); werr != nil && err == nil {
		err = werr
	}
	return r, err
}

func runPublish(ctx context.Context, cfg *Config, r *PublishReport, tmp string) error {
	cfg.logf("reading %s", cfg.Corpus)
	corpus, lines, err := ReadCorpusLines(cfg.Corpus, cfg.N)
	if err != nil {
		return err
	}
	r.Articles = len(lines)
	arts, err := PublishArticles(lines, cfg.Writes, cfg.Seed)
	if err != nil {
		return err
	}
	cfg.logf("generating %d+%d queries, seed %d", cfg.Spans, cfg.Subs, cfg.Seed)
	queries, err := GenerateQueries(corpus.Docs, cfg.Words, cfg.Seed, cfg.Spans, cfg.Subs)
	if err != nil {
		return err
	}
	r.Queries = len(queries)
	if err := writeJSONL(filepath.Join(cfg.Out, "queries.jsonl"), queries); err != nil {
		return err
	}
	data := filepath.Join(tmp, "data")
	if cfg.Data != "" {
		cfg.logf("copying %s (the writes go to the copy)", cfg.Data)
		if err := copyDir(cfg.Data, data); err != nil {
			return fmt.Errorf("copying --data: %w", err)
		}
		r.Index = "a copy of " + cfg.Data
	} else {
		subset := filepath.Join(tmp, "corpus.jsonl")
		if err := writeLines(subset, lines); err != nil {
			return err
		}
		scratch := &Report{Articles: len(lines), TextMB: float64(corpus.TextBytes) / mb}
		nc := *cfg
		nc.Profile = false
		if r.Ingest, err = runIngest(ctx, &nc, scratch, subset, data); err != nil {
			return err
		}
		r.Notes = append(r.Notes, scratch.Notes...)
		r.Index = "an index imported for this run"
	}
	var key [16]byte
	_, _ = rand.Read(key[:])
	apiKey := hex.EncodeToString(key[:])
	srv, err := StartServer(ctx, cfg.Bin, data, queries[0].Text, []string{"ZHSEARCH_API_KEY=" + apiKey}, 10*time.Minute)
	if err != nil {
		return err
	}
	defer srv.Stop(30 * time.Second)
	if srv.Articles >= 0 && srv.Articles != int64(len(lines)) {
		r.Notes = append(r.Notes, fmt.Sprintf("the server reports %d articles; the corpus's first %d were expected (--n)", srv.Articles, len(lines)))
	}
	urls := make([]string, len(queries))
	for i, q := range queries {
		urls[i] = srv.URL + "/v1/search?" + SearchParams(q.Text).Encode()
	}
	cfg.logf("warm-up: each query once")
	if failed, err := warmUp(ctx, urls); err != nil {
		return err
	} else if failed > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d of %d warm-up searches failed", failed, len(urls)))
	}

	cfg.logf("%d writers post %d articles while %d clients search (at most %s)", cfg.Writers, cfg.Writes, cfg.Clients, cfg.MaxDuration)
	deadline := time.Now().Add(cfg.MaxDuration)
	written := make(chan struct{})
	type loadOut struct {
		res LoadResult
		err error
	}
	loaded := make(chan loadOut, 1)
	go func() {
		l, err := RunLoadUntil(ctx, urls, cfg.Clients, cfg.MaxDuration, written)
		loaded <- loadOut{l, err}
	}()
	var ok []string
	r.Write, ok = RunWrites(ctx, srv.URL, apiKey, arts, cfg.Writers, deadline)
	close(written)
	lo := <-loaded
	if lo.err != nil {
		return lo.err
	}
	r.Search = lo.res
	cfg.logf("writes: %d of %d answered 2xx, p50 %.1f ms, p99 %.1f ms, max %.1f ms; searches %.0f QPS, p99 %.1f ms",
		r.Write.Writes, r.Write.Attempts, r.Write.P50MS, r.Write.P99MS, r.Write.MaxMS, r.Search.QPS, r.Search.P99MS)
	if r.Write.Readable, err = countReadable(ctx, srv.URL, ok); err != nil {
		return err
	}
	if r.Write.Errors > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d of %d writes failed; first: %s", r.Write.Errors, r.Write.Attempts, r.Write.FirstError))
	}
	if r.Search.Errors > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d of %d searches failed; first: %s", r.Search.Errors, r.Search.Errors+r.Search.Requests, r.Search.FirstError))
	}
	if r.Write.StoppedAt != "" {
		r.Notes = append(r.Notes, fmt.Sprintf("writing stopped at %s after %d of %d writes", r.Write.StoppedAt, r.Write.Attempts, cfg.Writes))
	}
	return srv.Stop(30 * time.Second)
}

func writeLines(path string, lines [][]byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if _, err := f.Write(l); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// copyDir copies the regular files and directories under src into dst (a
// new directory): an index must not be served while it is copied.
func copyDir(src, dst string) error {
	if _, err := os.Stat(filepath.Join(src, "index_meta.json")); err != nil {
		if _, err2 := os.Stat(filepath.Join(src, "index", "index_meta.json")); err2 != nil {
			return fmt.Errorf("%s holds no zhsearch index: %w", src, err)
		}
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// WriteFiles writes report.json and report.md into dir.
func (r *PublishReport) WriteFiles(dir string) error { return writeReport(dir, r, r.WriteMarkdown) }

// WriteMarkdown writes the writes' and the searches' figures.
func (r *PublishReport) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "Publish: %d writers post single articles (new ids) into %s (%d articles of `%s`) while %d clients search %d protocol queries; seed %d; %d CPUs, %s; load average at start %s; bench binary at %s.\n\n",
		r.Write.Writers, r.Index, r.Articles, filepath.Base(r.Corpus), r.Clients, r.Queries, r.Seed, r.Machine.CPUs, r.Machine.GoVersion, r.Machine.LoadAvg, orUnknown(r.Machine.Revision))
	wr, s := r.Write, r.Search
	readable := "not checked"
	if wr.Readable >= 0 {
		readable = fmt.Sprintf("%d of %d", wr.Readable, wr.Writes)
	}
	fmt.Fprintf(w, "| | measured |\n|---|---|\n")
	fmt.Fprintf(w, "| writes answered 2xx / sent | %d / %d (%d created, %d replaced) |\n", wr.Writes, wr.Attempts, wr.Created, wr.Replaced)
	fmt.Fprintf(w, "| write errors (non-2xx or failed) | %d |\n", wr.Errors)
	fmt.Fprintf(w, "| write latency p50 / p95 / p99 / max | %.1f / %.1f / %.1f / %.1f ms |\n", wr.P50MS, wr.P95MS, wr.P99MS, wr.MaxMS)
	fmt.Fprintf(w, "| writes per second | %.1f |\n", wr.PerSec)
	fmt.Fprintf(w, "| written articles readable by id afterwards | %s |\n", readable)
	fmt.Fprintf(w, "| searches during the writes: QPS, p50, p99 | %s QPS, %.2f ms, %.1f ms |\n", thousands(s.QPS), s.P50MS, s.P99MS)
	fmt.Fprintf(w, "| search errors | %d |\n", s.Errors)
	fmt.Fprintf(w, "\nCommand: `%s`\n", r.Command)
	if in := r.Ingest; in != nil {
		fmt.Fprintf(w, "\nIngest: %s, %.1f s for %d articles (%.0f docs/s), index %.0f MB.\n", in.Method, in.Seconds, r.Articles, in.DocsPerSec, in.IndexMB)
	}
	fmt.Fprintf(w, "\nWrites: %d writers, %.1f s, mean %.1f ms. Searches: %d clients, %.1f s, %d answers, latency ms mean %.2f, p50 %.2f, p90 %.2f, p99 %.2f, max %.2f. Cap: %.0f s.\n",
		wr.Writers, wr.Seconds, wr.MeanMS, s.Clients, s.Seconds, s.Requests, s.MeanMS, s.P50MS, s.P90MS, s.P99MS, s.MaxMS, r.MaxDuration)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}
