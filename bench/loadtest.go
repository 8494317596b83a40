package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/internal/measure"
)

// LoadtestOptions is what `zhsearch loadtest` is told.
type LoadtestOptions struct {
	Bin                   string // the zhsearch binary to import with and serve
	Corpus                string // JSONL(.gz) news corpus
	Limit                 int    // the first Limit articles of the corpus (0: all)
	Data                  string // index directory, reused if it holds an index; "": a temporary one
	Duration              time.Duration
	SearchRate, WriteRate int // requests per second
	WriteIDs              int // distinct ids the writes cycle through
	RSSEvery              time.Duration
	Seed                  uint64 // of the queries
	Burst                 int    // searches sent at once halfway (0: none)
}

// Loadtest is `zhsearch loadtest`: it imports a news corpus into an index
// (or reuses one) with o.Bin, starts `zhsearch serve` on it at
// 127.0.0.1, and runs searches with highlighting and writes at the same
// time with vegeta, at fixed rates for a bounded time. It reports per
// kind the requests, QPS, latency percentiles and errors, and the
// server's RSS over time and at its peak, on stdout. It fails when a
// request failed or RSS kept growing.
//
// A run's plan is rate × duration requests of each kind (Planned), all
// sent at the rate: on a busy machine the run takes longer rather than
// sending fewer.
func Loadtest(ctx context.Context, o LoadtestOptions, stdout, stderr io.Writer) error {
	arts, err := ReadArticles(o.Corpus, o.Limit)
	if err != nil {
		return err
	}
	if len(arts) == 0 {
		return fmt.Errorf("%s holds no article", o.Corpus)
	}
	tmp, err := os.MkdirTemp("", "zhsearch-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := o.Data
	if dir == "" {
		dir = filepath.Join(tmp, "data")
	}
	if !holdsIndex(dir) {
		// Import through the real import command, of the subset if limited.
		src := o.Corpus
		if o.Limit > 0 {
			src = filepath.Join(tmp, "corpus.jsonl")
			if err := writeNDJSON(src, arts); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "importing %d articles of %s into %s\n", len(arts), o.Corpus, dir)
		start := time.Now()
		imp := exec.CommandContext(ctx, o.Bin, "import", "--progress", "never", "--data", dir, src)
		imp.Stdout, imp.Stderr = stdout, stderr
		if err := imp.Run(); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		fmt.Fprintf(stdout, "imported in %s\n", time.Since(start).Round(time.Second))
	}

	// The server, on a free loopback port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.Command(o.Bin, "serve", "--listen", addr, "--data", dir, "--seed=false")
	srvLog, err := os.Create(filepath.Join(tmp, "server.log"))
	if err != nil {
		return err
	}
	defer srvLog.Close()
	srv.Stdout, srv.Stderr = srvLog, srvLog
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { // never leave the server running
		_ = srv.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = srv.Process.Kill()
			<-done
		}
	}()
	base := "http://" + addr
	if err := waitHealthy(ctx, base, 3*time.Minute); err != nil {
		raw, _ := os.ReadFile(srvLog.Name())
		return fmt.Errorf("%w\nserver log:\n%s", err, raw)
	}

	// Queries: fragments of the corpus' text, as users paste them, and
	// two-word queries; article and paragraph searches, all highlighted.
	rng := rand.New(rand.NewPCG(o.Seed, 0))
	var queries []string
	for len(queries) < 2000 {
		a := arts[rng.IntN(len(arts))]
		text := a.Title
		if len(a.Paragraphs) > 0 && rng.IntN(2) == 0 {
			text = a.Paragraphs[rng.IntN(len(a.Paragraphs))].Text
		}
		if q := SampleSubstring(text, rng); q != "" {
			if rng.IntN(3) == 0 {
				if q2 := SampleSubstring(arts[rng.IntN(len(arts))].Title, rng); q2 != "" {
					q += " " + q2
				}
			}
			queries = append(queries, q)
		}
	}
	var nq atomic.Uint64
	searchTargets := func(t *vegeta.Target) error {
		i := nq.Add(1)
		q := url.Values{"q": {queries[i%uint64(len(queries))]}, "snippets": {"3"}}
		if i%4 == 0 {
			q.Set("type", "paragraph")
		}
		t.Method, t.URL = "GET", base+"/v1/search?"+q.Encode()
		return nil
	}
	var nw atomic.Uint64
	writeTargets := func(t *vegeta.Target) error {
		i := nw.Add(1)
		a := *arts[int(i)%len(arts)]
		a.ID = fmt.Sprintf("loadtest-%d", int(i)%o.WriteIDs)
		body, err := json.Marshal(&a)
		if err != nil {
			return err
		}
		t.Method, t.URL, t.Body = "PUT", base+"/v1/articles/"+a.ID, body
		t.Header = http.Header{"Content-Type": {"application/json"}}
		return nil
	}

	// RSS over time.
	var (
		rssMu   sync.Mutex
		samples []rssSample
	)
	start := time.Now()
	attacked := make(chan struct{}) // closed when both attacks are over
	rssDone := make(chan struct{})
	go func() {
		defer close(rssDone)
		tick := time.NewTicker(o.RSSEvery)
		defer tick.Stop()
		for {
			if mem, err := measure.ProcMemory(srv.Process.Pid); err == nil {
				rssMu.Lock()
				samples = append(samples, rssSample{time.Since(start), mem.RSS, mem.Anon})
				rssMu.Unlock()
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			case <-attacked:
				return
			}
		}
	}()

	fmt.Fprintf(stdout, "attacking %s for %s: %d searches/s and %d writes/s (plan: %d searches, %d writes)\n",
		base, o.Duration, o.SearchRate, o.WriteRate, Planned(o.SearchRate, o.Duration), Planned(o.WriteRate, o.Duration))
	attack := func(name string, tr vegeta.Targeter, rate int, m *vegeta.Metrics, wg *sync.WaitGroup) {
		defer wg.Done()
		atk := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true), vegeta.MaxWorkers(64))
		stopped := make(chan struct{})
		go func() {
			select {
			case <-ctx.Done():
				atk.Stop()
			case <-stopped:
			}
		}()
		pacer := plannedPacer{vegeta.Rate{Freq: rate, Per: time.Second}, Planned(rate, o.Duration)}
		for res := range atk.Attack(tr, pacer, 0, name) {
			m.Add(res)
		}
		close(stopped)
		m.Close()
	}
	var sm, wm vegeta.Metrics
	var wg sync.WaitGroup
	var bst burstResult
	if o.Burst > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select { // halfway through the plan
			case <-time.After(o.Duration / 2):
				bst = sendBurst(ctx, o.Burst, func(i int) string {
					return base + "/v1/search?" + url.Values{"q": {queries[i%len(queries)]}, "snippets": {"3"}}.Encode()
				})
			case <-ctx.Done():
			}
		}()
	}
	wg.Add(1)
	go attack("search", searchTargets, o.SearchRate, &sm, &wg)
	if o.WriteRate > 0 {
		wg.Add(1)
		go attack("write", writeTargets, o.WriteRate, &wm, &wg)
	}
	wg.Wait()
	close(attacked)
	<-rssDone
	mem, _ := measure.ProcMemory(srv.Process.Pid)

	fmt.Fprintf(stdout, "\n%d articles, %s, %d searches/s + %d writes/s asked\n", len(arts), o.Duration, o.SearchRate, o.WriteRate)
	errs := reportMetrics(stdout, "search", &sm)
	if o.WriteRate > 0 {
		errs += reportMetrics(stdout, "write", &wm)
	}
	if o.Burst > 0 {
		fmt.Fprintf(stdout, "burst  %d searches at once: %d answered 2xx, %d shed (503 with Retry-After), %d errors%s\n",
			o.Burst, bst.ok, bst.shed, len(bst.errs), strings.Join(append([]string{""}, bst.errs...), "; "))
		errs += len(bst.errs)
	}
	fmt.Fprintf(stdout, "server peak RSS %.0f MiB; RSS over time (MiB, of it anonymous):", float64(mem.Peak)/(1<<20))
	for _, s := range samples {
		fmt.Fprintf(stdout, " %s=%.0f/%.0f", s.at.Round(o.RSSEvery), float64(s.rss)/(1<<20), float64(s.anon)/(1<<20))
	}
	fmt.Fprintln(stdout)
	growth, ok := rssGrowth(samples)
	if ok {
		fmt.Fprintf(stdout, "anonymous RSS growth, mean of the last third over the middle third: %+.1f%%\n", growth*100)
		if o.Duration < minLevelRun {
			fmt.Fprintf(stdout, "(not judged: runs shorter than %s are still warming up)\n", minLevelRun)
		}
	}
	tail, tailOK := rssTailGrowth(samples, rssTail)
	if tailOK {
		fmt.Fprintf(stdout, "RSS over the last %s: %+.1f%% (largest sample against the first; the bar is +%.0f%%)\n", rssTail, tail*100, maxTailGrowth*100)
	}
	switch {
	case errs > 0:
		return fmt.Errorf("%d requests failed", errs)
	case tailOK && tail > maxTailGrowth:
		return fmt.Errorf("RSS grew %.0f%% over the last %s of the run: not flat", tail*100, rssTail)
	case ok && growth > 0.25 && o.Duration >= minLevelRun:
		return fmt.Errorf("anonymous RSS grew %.0f%% from the middle to the last third of the run: it does not level off", growth*100)
	}
	return nil
}

// Planned is the number of requests a load test sends at rate per second
// for d: its plan, whatever the clock allows on a busy machine.
func Planned(rate int, d time.Duration) uint64 {
	return uint64(int64(rate) * int64(d) / int64(time.Second))
}

// plannedPacer paces like its inner pacer and stops after n hits. vegeta's
// own duration bound stops at a time instead, so a busy machine sends
// fewer requests than asked; this sends the plan, late if need be.
type plannedPacer struct {
	vegeta.Pacer
	n uint64
}

// Pace implements vegeta.Pacer.
func (p plannedPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.n {
		return 0, true
	}
	return p.Pacer.Pace(elapsed, hits)
}

// minLevelRun is the shortest run whose RSS is judged: in a shorter one
// the server is still warming up (caches, the heap after start-up's
// FreeOSMemory) and its RSS rises by design.
const minLevelRun = time.Minute

type rssSample struct {
	at        time.Duration
	rss, anon int64 // anon: RssAnon, the heap and stacks, without mapped index files
}

// rssTail is the end of a run whose RSS must be flat, within
// maxTailGrowth (issue 18: no growth beyond 10 % over the last 3 minutes).
const (
	rssTail       = 3 * time.Minute
	maxTailGrowth = 0.10
)

// rssTailGrowth is the growth of RSS over the last d of the samples: the
// largest sample in that window against the first one in it. It needs a
// run longer than d with at least 3 samples in the window.
func rssTailGrowth(s []rssSample, d time.Duration) (float64, bool) {
	if len(s) == 0 || s[len(s)-1].at <= d {
		return 0, false
	}
	from := s[len(s)-1].at - d
	i := sort.Search(len(s), func(i int) bool { return s[i].at >= from })
	if len(s)-i < 3 || s[i].rss == 0 {
		return 0, false
	}
	peak := s[i].rss
	for _, x := range s[i:] {
		peak = max(peak, x.rss)
	}
	return float64(peak)/float64(s[i].rss) - 1, true
}

// burstResult is what a burst of searches got.
type burstResult struct {
	ok, shed int
	errs     []string
}

// sendBurst sends n searches at once (urlOf(i) for the i-th) and sorts
// the answers: 2xx, shed (503 with Retry-After, the server's answer to
// more searches than it runs at once) and errors.
func sendBurst(ctx context.Context, n int, urlOf func(int) string) burstResult {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	defer client.CloseIdleConnections()
	var (
		mu  sync.Mutex
		out burstResult
		wg  sync.WaitGroup
	)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, err := http.NewRequestWithContext(ctx, "GET", urlOf(i), nil)
			var resp *http.Response
			if err == nil {
				resp, err = client.Do(req)
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				out.errs = append(out.errs, err.Error())
			default:
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				switch {
				case resp.StatusCode/100 == 2:
					out.ok++
				case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
					out.shed++
				default:
					out.errs = append(out.errs, fmt.Sprintf("HTTP %d", resp.StatusCode))
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// rssGrowth compares the mean anonymous RSS (the heap: what a leak grows)
// of the last third of the samples with that of the middle third (the
// first third is warm-up). Mapped index files are left out: scorch maps
// its segments, and a merge maps the old and the new ones at once for a
// while, which the kernel can drop at any time.
func rssGrowth(s []rssSample) (float64, bool) {
	if len(s) < 6 {
		return 0, false
	}
	mean := func(xs []rssSample) float64 {
		var sum float64
		for _, x := range xs {
			sum += float64(x.anon)
		}
		return sum / float64(len(xs))
	}
	n := len(s) / 3
	mid, last := mean(s[n:2*n]), mean(s[len(s)-n:])
	return last/mid - 1, true
}

func reportMetrics(w io.Writer, name string, m *vegeta.Metrics) int {
	failed := int(m.Requests) - int(float64(m.Requests)*m.Success+0.5)
	fmt.Fprintf(w, "%-6s %6d requests, %.1f/s; latency p50 %s, p95 %s, p99 %s, max %s; errors %d",
		name, m.Requests, m.Throughput, m.Latencies.P50.Round(time.Microsecond*100), m.Latencies.P95.Round(time.Microsecond*100),
		m.Latencies.P99.Round(time.Microsecond*100), m.Latencies.Max.Round(time.Millisecond), failed)
	if failed > 0 {
		var codes []string
		for c, n := range m.StatusCodes {
			codes = append(codes, fmt.Sprintf("%s×%d", c, n))
		}
		sort.Strings(codes)
		fmt.Fprintf(w, " (status %s; %s)", strings.Join(codes, " "), strings.Join(m.Errors, "; "))
	}
	fmt.Fprintln(w)
	return failed
}

func waitHealthy(ctx context.Context, base string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("the server at %s did not answer within %s", base, within)
}

func writeNDJSON(path string, arts []*article.Article) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, a := range arts {
		if err := enc.Encode(a); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// holdsIndex reports whether the data directory dir holds an index (the
// layout import and serve use: DIR/index), which loadtest then reuses
// rather than import the corpus into it again.
func holdsIndex(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "index", "index_meta.json"))
	return err == nil
}
