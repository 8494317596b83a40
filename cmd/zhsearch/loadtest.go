package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/zhsearch/zhsearch/bench"
)

// loadtestCmd is `zhsearch loadtest` (bench.Loadtest): it exits 1 when
// a request failed or RSS kept growing.
func loadtestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhsearch loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpus := fs.String("corpus", "../shared/data/news/xwlb.jsonl.gz", "news corpus (JSONL, optionally gzipped) to serve and to draw queries and writes from")
	limit := fs.Int("limit", 0, "use only the first N articles of the corpus (0: all)")
	data := fs.String("data", "", "index directory: reused if it holds an index, else the corpus is imported into it and it is kept; empty: a temporary directory")
	dur := fs.Duration("duration", 5*time.Minute, "how long to attack at the rates (at most 1h): the plan is rate × duration requests of each kind")
	searchRate := fs.Int("search-rate", 20, "searches per second")
	writeRate := fs.Int("write-rate", 4, "writes (PUT of an article, replacing one of --write-ids) per second")
	writeIDs := fs.Int("write-ids", 500, "distinct ids the writes cycle through, so the index stays the corpus' size")
	rssEvery := fs.Duration("rss-every", 10*time.Second, "how often to sample the server's RSS")
	seed := fs.Uint64("seed", 1, "random seed of the queries")
	burst := fs.Int("burst", 64, "searches sent all at once halfway through the run, on top of the rates (0: none); each must answer 2xx or 503 with Retry-After")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dur <= 0 || *dur > time.Hour || *searchRate < 1 || *writeRate < 0 || *writeIDs < 1 || *rssEvery <= 0 || *burst < 0 || *burst > 1024 {
		fmt.Fprintln(stderr, "zhsearch loadtest: --duration must be in (0, 1h], --search-rate ≥ 1, --write-rate ≥ 0, --write-ids ≥ 1, --burst in [0, 1024]")
		return 2
	}
	if bench.Planned(*searchRate, *dur) == 0 {
		fmt.Fprintln(stderr, "zhsearch loadtest: --search-rate × --duration plans no search")
		return 2
	}
	self, err := os.Executable()
	if err == nil {
		err = bench.Loadtest(ctx, bench.LoadtestOptions{Bin: self, Corpus: *corpus, Limit: *limit, Data: *data, Duration: *dur,
			SearchRate: *searchRate, WriteRate: *writeRate, WriteIDs: *writeIDs, RSSEvery: *rssEvery, Seed: *seed, Burst: *burst}, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch loadtest: %v\n", err)
		return 1
	}
	return 0
}
