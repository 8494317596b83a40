package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zhsearch/zhsearch/internal/measure"
)

// Phases of a run.
const (
	PhaseIngest  = "ingest"
	PhaseQuery   = "query"
	PhaseStartup = "startup"
	PhaseAll     = "all"
)

// Config is one bench run.
type Config struct {
	Bin    string // the zhsearch binary under test
	Corpus string // JSONL(.gz) corpus
	N      int    // first N articles; 0: all
	Seed   uint64 // query generator seed
	Out    string // report directory
	// Data is an existing index built from the same corpus and N; when
	// empty the run imports into a temporary directory it removes after.
	Data string
	// Keep, when set, is a new directory to import into and leave in
	// place, for later runs with Data.
	Keep string

	Spans, Subs    int           // queries of each kind (250, 250)
	Clients        int           // concurrent clients (8)
	Duration       time.Duration // of the concurrent load
	SingleDuration time.Duration // of the one-client load
	Restarts       int           // startup measurements (median reported)
	Settle         time.Duration // wait before reading idle RSS

	// Profile collects pprof CPU and allocation profiles of the import
	// (ProfileSeconds from its start) and of the server under the
	// concurrent load, through net/http/pprof on a loopback port the
	// children open when ZHSEARCH_PPROF names one.
	Profile        bool
	ProfileSeconds int
	// ProfileSkip delays the import's CPU profile past its start-up (the
	// dictionary load), so the profile shows indexing.
	ProfileSkip time.Duration

	// Ceiling computes the best top 10 any ranking can reach on the
	// queries (Ceiling), before any server starts.
	Ceiling bool

	// Sizes are the growth mode's numbers of articles (RunGrowth).
	Sizes []int
	// Writers, Writes and MaxDuration are the publish mode's concurrent
	// writers, writes in all, and cap on its length (RunPublish).
	Writers, Writes int
	MaxDuration     time.Duration

	Words   WordsFunc // precise-mode segmentation for the query generator
	Command string    // as typed, for the report
	Log     io.Writer
}

func (c *Config) logf(format string, a ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "bench: "+format+"\n", a...)
	}
}

// Run runs a phase (ingest, query, startup or all) and writes the report
// into cfg.Out. query and startup need an index: cfg.Data, or one the run
// imports first (and then reports too).
func Run(ctx context.Context, cfg Config, phase string) (*Report, error) {
	switch phase {
	case PhaseIngest, PhaseQuery, PhaseStartup, PhaseAll:
	default:
		return nil, fmt.Errorf("unknown phase %q: use ingest, query, startup or all", phase)
	}
	tmp, remove, err := workDirs(cfg.Out, "zhsearch-bench-")
	if err != nil {
		return nil, err
	}
	defer remove()

	r := &Report{Started: time.Now().UTC(), Command: cfg.Command, Machine: thisMachine(), Binary: cfg.Bin, Corpus: cfg.Corpus, Seed: cfg.Seed}
	ingest := phase == PhaseIngest || phase == PhaseAll || cfg.Data == ""
	if ingest && cfg.Data != "" {
		return nil, fmt.Errorf("--data names an existing index: ingest runs into a fresh one; leave --data out")
	}
	var subset *os.File
	subsetPath := filepath.Join(tmp, "corpus.jsonl")
	if ingest {
		if subset, err = os.Create(subsetPath); err != nil {
			return nil, err
		}
	}
	cfg.logf("reading %s", cfg.Corpus)
	var w io.Writer
	if subset != nil {
		w = subset
	}
	corpus, err := ReadCorpus(cfg.Corpus, cfg.N, w)
	if subset != nil {
		if cerr := subset.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return nil, err
	}
	r.Articles, r.TextMB = len(corpus.Docs), float64(corpus.TextBytes)/mb

	var queries []Query
	if phase != PhaseIngest {
		// before any server runs: the dictionary load is the bench's own
		cfg.logf("generating %d+%d queries, seed %d", cfg.Spans, cfg.Subs, cfg.Seed)
		if queries, err = GenerateQueries(corpus.Docs, cfg.Words, cfg.Seed, cfg.Spans, cfg.Subs); err != nil {
			return nil, err
		}
		if err := writeJSONL(filepath.Join(cfg.Out, "queries.jsonl"), queries); err != nil {
			return nil, err
		}
		if cfg.Ceiling {
			cfg.logf("best possible top 10 of the %d queries", len(queries))
			r.Ceiling = Ceiling(corpus.Docs, cfg.Words, queries)
		}
	}
	err = runPhases(ctx, &cfg, r, phase, ingest, corpus, queries, subsetPath, tmp)
	if err != nil {
		// keep what was measured: a long run stopped late still tells something
		r.Notes = append(r.Notes, "the run stopped early: "+err.Error())
	}
	if werr := r.WriteFiles(cfg.Out); werr != nil && err == nil {
		err = werr
	}
	return r, err
}

// runPhases runs the phases after the corpus is read and the queries made.
func runPhases(ctx context.Context, cfgp *Config, r *Report, phase string, ingest bool, corpus *Corpus, queries []Query, subsetPath, tmp string) error {
	cfg := *cfgp
	var err error
	probe := "中国"
	if len(queries) > 0 {
		probe = queries[0].Text
	}
	data := cfg.Data
	var srv *Server
	defer func() {
		if srv != nil {
			_ = srv.Stop(30 * time.Second)
		}
	}()
	if ingest {
		data = filepath.Join(tmp, "data")
		if cfg.Keep != "" {
			if _, err := os.Stat(cfg.Keep); err == nil {
				return fmt.Errorf("--keep %s: already exists; name a new directory", cfg.Keep)
			}
			data = cfg.Keep
		}
		if r.Ingest, err = runIngest(ctx, &cfg, r, subsetPath, data); err != nil {
			return err
		}
		cfg.logf("ingest: %.0f docs/s, peak RSS %.0f MiB, index %.0f MB", r.Ingest.DocsPerSec, r.Ingest.PeakRSSMiB, r.Ingest.IndexMB)
		if srv, err = StartServer(ctx, cfg.Bin, data, probe, nil, 2*time.Minute); err != nil {
			return err
		}
		r.Ingest.Served = srv.Articles
		if srv.Articles >= 0 && srv.Articles != int64(len(corpus.Docs)) {
			r.Notes = append(r.Notes, fmt.Sprintf("the server reports %d articles after importing %d", srv.Articles, len(corpus.Docs)))
		}
	}

	if phase == PhaseQuery || phase == PhaseAll {
		if srv == nil || cfg.Profile {
			if srv != nil {
				_ = srv.Stop(30 * time.Second)
			}
			var env []string
			if cfg.Profile {
				port, err := freePort()
				if err != nil {
					return err
				}
				env = []string{"ZHSEARCH_PPROF=127.0.0.1:" + strconv.Itoa(port)}
			}
			if srv, err = StartServer(ctx, cfg.Bin, data, probe, env, 2*time.Minute); err != nil {
				return err
			}
			srv.pprofEnv = env
		}
		if r.Query, err = runQuery(ctx, &cfg, r, srv, queries); err != nil {
			return err
		}
	}

	if phase == PhaseStartup || phase == PhaseAll {
		if srv != nil {
			if err := srv.Stop(30 * time.Second); err != nil {
				return err
			}
			srv = nil
		}
		if r.Startup, err = runStartup(ctx, &cfg, data, probe); err != nil {
			return err
		}
	}
	return nil
}

func writeJSONL[T any](path string, items []T) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			return err
		}
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// runIngest imports the corpus subset with `zhsearch import` into data.
func runIngest(ctx context.Context, cfg *Config, r *Report, subset, data string) (*IngestResult, error) {
	help := helpOf(cfg.Bin, "import")
	if !strings.Contains(help, "-data") {
		return nil, fmt.Errorf("%s has no `import --data`: build it from a tree with the bulk import (issue 3)", cfg.Bin)
	}
	args := []string{"import", "--data", data}
	if strings.Contains(help, "-progress") {
		args = append(args, "--progress", "never")
	}
	args = append(args, subset)
	var env []string
	var pprofAddr string
	if cfg.Profile {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		pprofAddr = "127.0.0.1:" + strconv.Itoa(port)
		env = []string{"ZHSEARCH_PPROF=" + pprofAddr}
	}
	cfg.logf("importing %d articles: %s %s", r.Articles, cfg.Bin, strings.Join(args, " "))
	p, err := startProc(cfg.Bin, args, env, nil)
	if err != nil {
		return nil, err
	}
	profDone := make(chan struct{})
	if pprofAddr != "" {
		go func() {
			defer close(profDone)
			select {
			case <-time.After(cfg.ProfileSkip):
			case <-p.Done():
			}
			if err := fetchProfiles(ctx, cfg, r, pprofAddr, "ingest", p.Done()); err != nil {
				r.Notes = append(r.Notes, "ingest profile: "+err.Error())
			}
		}()
	} else {
		close(profDone)
	}
	select {
	case <-p.Done():
	case <-ctx.Done():
		_ = p.Stop(10 * time.Second)
		<-profDone
		return nil, ctx.Err()
	}
	<-profDone
	if err := p.Wait(); err != nil {
		return nil, fmt.Errorf("import failed: %w", err)
	}
	secs := p.Elapsed().Seconds()
	size, err := measure.DirSize(data)
	if err != nil {
		return nil, err
	}
	return &IngestResult{
		Method:     "zhsearch import --data DIR (bulk path, one process, exits when durable)",
		Seconds:    secs,
		DocsPerSec: float64(r.Articles) / secs,
		MBPerSec:   r.TextMB / secs,
		PeakRSSMiB: float64(p.PeakRSS()) / mib,
		IndexMB:    float64(size) / mb,
		Served:     -1,
	}, nil
}

// fetchProfiles takes a CPU profile of cfg.ProfileSeconds from the child
// at addr, then its allocation profile, as <name>-cpu.pprof and
// <name>-allocs.pprof in cfg.Out. gone is closed when the child ends.
func fetchProfiles(ctx context.Context, cfg *Config, r *Report, addr, name string, gone <-chan struct{}) error {
	base := "http://" + addr + "/debug/pprof/"
	c := &http.Client{Timeout: time.Duration(cfg.ProfileSeconds)*time.Second + time.Minute}
	for i := 0; ; i++ { // wait for the child's pprof listener
		resp, err := c.Get(base + "cmdline")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case <-gone:
			return errors.New("the process ended before its pprof endpoint answered (is ZHSEARCH_PPROF supported?)")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	for _, p := range []struct{ path, file string }{
		{"profile?seconds=" + strconv.Itoa(cfg.ProfileSeconds), name + "-cpu.pprof"},
		{"allocs", name + "-allocs.pprof"},
	} {
		resp, err := c.Get(base + p.path)
		if err != nil {
			return fmt.Errorf("%s: %w (did the process end first? lower --profile-seconds)", p.path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s %v", p.path, resp.Status, err)
		}
		if err := os.WriteFile(filepath.Join(cfg.Out, p.file), b, 0o644); err != nil {
			return err
		}
		r.Profiles = append(r.Profiles, p.file)
	}
	return nil
}

// runQuery measures quality (which also warms the server up), then the
// concurrent and the one-client load.
func runQuery(ctx context.Context, cfg *Config, r *Report, srv *Server, queries []Query) (*QueryResult, error) {
	q := &QueryResult{Queries: len(queries), QueriesFile: "queries.jsonl"}
	cfg.logf("quality of %d queries", len(queries))
	var err error
	if q.Quality, err = MeasureQuality(ctx, srv, queries); err != nil {
		return nil, err
	}
	urls := make([]string, len(queries))
	for i, qu := range queries {
		urls[i] = srv.URL + "/v1/search?" + SearchParams(qu.Text).Encode()
	}
	profDone := make(chan error, 1)
	if srv.pprofEnv != nil {
		addr := strings.TrimPrefix(srv.pprofEnv[0], "ZHSEARCH_PPROF=")
		pc := *cfg
		pc.ProfileSeconds = max(1, min(cfg.ProfileSeconds, int(cfg.Duration.Seconds())-1))
		go func() { profDone <- fetchProfiles(ctx, &pc, r, addr, "query", srv.Done()) }()
	} else {
		profDone <- nil
	}
	cfg.logf("load: %d clients for %s", cfg.Clients, cfg.Duration)
	if q.Concurrent, err = RunLoad(ctx, urls, cfg.Clients, cfg.Duration); err != nil {
		return nil, err
	}
	if err := <-profDone; err != nil {
		r.Notes = append(r.Notes, "query profile: "+err.Error())
	}
	cfg.logf("load: 1 client for %s", cfg.SingleDuration)
	if q.Single, err = RunLoad(ctx, urls, 1, cfg.SingleDuration); err != nil {
		return nil, err
	}
	mem, err := srv.Memory()
	if err != nil {
		return nil, err
	}
	q.ServerPeakRSSMiB = float64(mem.Peak) / mib
	for _, l := range []LoadResult{q.Concurrent, q.Single} {
		if l.Errors > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("%d of %d requests with %d client(s) failed; first: %s", l.Errors, l.Errors+l.Requests, l.Clients, l.FirstError))
		}
	}
	return q, nil
}

// runStartup restarts the server on the index cfg.Restarts times.
func runStartup(ctx context.Context, cfg *Config, data, probe string) (*StartupResult, error) {
	s := &StartupResult{SettleS: cfg.Settle.Seconds()}
	for i := 0; i < cfg.Restarts; i++ {
		cfg.logf("restart %d of %d", i+1, cfg.Restarts)
		srv, err := StartServer(ctx, cfg.Bin, data, probe, nil, 2*time.Minute)
		if err != nil {
			return nil, err
		}
		run := StartupRun{FirstSearchS: srv.Ready.Seconds()}
		select {
		case <-time.After(cfg.Settle):
		case <-ctx.Done():
		}
		mem, err := srv.Memory()
		stopErr := srv.Stop(30 * time.Second)
		if err != nil {
			return nil, err
		}
		if stopErr != nil {
			return nil, stopErr
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		run.IdleRSSMiB = float64(mem.RSS) / mib
		s.Runs = append(s.Runs, run)
	}
	first := make([]float64, len(s.Runs))
	idle := make([]float64, len(s.Runs))
	for i, run := range s.Runs {
		first[i], idle[i] = run.FirstSearchS, run.IdleRSSMiB
	}
	s.FirstSearchS, s.IdleRSSMiB = measure.Median(first), measure.Median(idle)
	return s, nil
}
