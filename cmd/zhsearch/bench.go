package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/zhsearch/zhsearch/bench"
	"github.com/zhsearch/zhsearch/tokenizer"
)

const benchUsage = `usage: zhsearch bench ingest|query|startup|all --corpus FILE [flags]
       zhsearch bench growth --corpus FILE [--sizes 20000,74545,298180] [flags]
       zhsearch bench publish --corpus FILE [--data DIR] [--writers 4 --clients 8 --writes 500] [flags]

Runs the benchmark protocol of issue 9 against real zhsearch processes on
127.0.0.1 and writes report.json, report.md and queries.jsonl into --out:

  ingest   zhsearch import of the first --n articles into an empty index:
           docs/s, MB/s, peak RSS (VmHWM), index size on disk
  query    250 word-span and 250 substring queries (fixed --seed): source
           in top 10 / among all hits, then --clients concurrent clients
           for --duration (QPS, p99) and one client (p50), with vegeta
  startup  restarts on the index: time to the first answered search, idle RSS
  all      all three on one index
  growth   for each of --sizes: import the first N articles into a fresh
           index (the corpus repeated with ids -r2, -r3… and dates shifted
           whole years back when N exceeds it; the file is temporary), then
           docs/s, index MB, a warm-up pass and the same queries (drawn from
           the smallest size) with --clients (QPS, p99) and one client
           (p50); the p99 ratio per 4× of data against the bar of 1.5×
  publish  serve a copy of --data (or a fresh import of --n articles) and
           have --writers writers POST --writes corpus articles under new
           ids, each answered when durable and searchable, while --clients
           clients search: write p50/p95/p99/max, errors, searches' QPS and
           p50/p99 meanwhile; stops at --max-duration at the latest

query and startup import first unless --data names an index built from the
same --corpus and --n (publish too: its --n must match the index). Servers
and imports are child processes of this binary (or --bin); none outlives
the run.

flags:
`

func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	command := "zhsearch bench " + strings.Join(args, " ")
	phase := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		phase, args = args[0], args[1:]
	}
	cfg := bench.Config{Log: stderr, Command: command}
	fs := flag.NewFlagSet("zhsearch bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	fs.StringVar(&cfg.Corpus, "corpus", "", "corpus, one JSON article a line (.jsonl or .jsonl.gz)")
	fs.IntVar(&cfg.N, "n", 0, "use the first N articles (0: all)")
	fs.Uint64Var(&cfg.Seed, "seed", 9, "seed of the query generator")
	fs.StringVar(&cfg.Out, "out", "bench-out", "directory for the report and profiles")
	fs.StringVar(&cfg.Bin, "bin", "", "zhsearch binary to measure (default: this one)")
	fs.StringVar(&cfg.Data, "data", "", "existing index for query/startup (default: import into a temporary one)")
	fs.StringVar(&cfg.Keep, "keep", "", "import into this new directory and keep it, for later runs with --data")
	fs.IntVar(&cfg.Spans, "spans", 250, "word-span queries")
	fs.IntVar(&cfg.Subs, "substrings", 250, "substring queries")
	fs.BoolVar(&cfg.Ceiling, "ceiling", true, "compute the best top 10 any ranking can reach on the queries (about 35 s for all of xwlb on 2 cores)")
	fs.IntVar(&cfg.Clients, "clients", 8, "concurrent clients of the load")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "length of the concurrent load")
	fs.DurationVar(&cfg.SingleDuration, "single-duration", 10*time.Second, "length of the one-client load")
	fs.IntVar(&cfg.Restarts, "restarts", 3, "restarts to measure (the median is reported)")
	fs.DurationVar(&cfg.Settle, "settle", 5*time.Second, "wait after the first answer before reading idle RSS")
	fs.BoolVar(&cfg.Profile, "profile", false, "write pprof CPU and allocation profiles of the import and of the server under load into --out")
	fs.IntVar(&cfg.ProfileSeconds, "profile-seconds", 20, "length of the import's CPU profile (the query profile spans the load)")
	fs.DurationVar(&cfg.ProfileSkip, "profile-skip", 0, "start the import's CPU profile this long after the import starts (past the dictionary load)")
	sizes := fs.String("sizes", "20000,74545,298180", "growth: numbers of articles, comma-separated")
	fs.IntVar(&cfg.Writers, "writers", 4, "publish: concurrent writers")
	fs.IntVar(&cfg.Writes, "writes", 500, "publish: writes in all")
	fs.DurationVar(&cfg.MaxDuration, "max-duration", 10*time.Minute, "publish: stop starting writes after this long, whatever is left")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "zhsearch bench: "+format+"\n", a...)
		return 2
	}
	var sizesErr error
	if phase == bench.PhaseGrowth {
		cfg.Sizes, sizesErr = parseSizes(*sizes)
	}
	switch {
	case phase == "":
		return fail("name a phase: ingest, query, startup, all, growth or publish; see zhsearch bench --help")
	case phase != bench.PhaseIngest && phase != bench.PhaseQuery && phase != bench.PhaseStartup && phase != bench.PhaseAll &&
		phase != bench.PhaseGrowth && phase != bench.PhasePublish:
		return fail("unknown phase %q: use ingest, query, startup, all, growth or publish", phase)
	case sizesErr != nil:
		return fail("--sizes: %v", sizesErr)
	case phase == bench.PhaseGrowth && (cfg.Data != "" || cfg.Keep != "" || cfg.N != 0):
		return fail("growth imports each of --sizes into a fresh index: leave out --data, --keep and --n")
	case phase == bench.PhasePublish && cfg.Keep != "":
		return fail("publish serves a copy of --data or a temporary import: --keep does not apply")
	case cfg.Writers < 1 || cfg.Writes < 1:
		return fail("--writers and --writes must be at least 1")
	case cfg.MaxDuration <= 0 || cfg.MaxDuration > time.Hour:
		return fail("--max-duration must be between 0 and 1h: a run is bounded")
	case fs.NArg() > 0:
		return fail("unexpected arguments %q", fs.Args())
	case cfg.Corpus == "":
		return fail("--corpus FILE is required (e.g. ../shared/data/news/xwlb.jsonl.gz)")
	case cfg.N < 0 || cfg.Spans < 0 || cfg.Subs < 0 || cfg.Spans+cfg.Subs == 0 && phase != bench.PhaseIngest:
		return fail("--n, --spans and --substrings must not be negative, and there must be queries")
	case cfg.Clients < 1:
		return fail("--clients must be at least 1")
	case cfg.Duration <= 0 || cfg.Duration > 10*time.Minute || cfg.SingleDuration <= 0 || cfg.SingleDuration > 10*time.Minute:
		return fail("--duration and --single-duration must be between 0 and 10m: load is bounded")
	case cfg.Restarts < 1:
		return fail("--restarts must be at least 1")
	case cfg.ProfileSeconds < 1:
		return fail("--profile-seconds must be at least 1")
	}
	if _, err := os.Stat(cfg.Corpus); err != nil {
		return fail("%v", err)
	}
	if cfg.Bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return fail("finding this binary: %v", err)
		}
		cfg.Bin = exe
	}
	if phase != bench.PhaseIngest {
		seg, err := tokenizer.Shared()
		if err != nil {
			fmt.Fprintf(stderr, "zhsearch bench: %v\n", err)
			return 1
		}
		cfg.Words = func(text string) []bench.Span {
			toks := seg.Analyze([]byte(text), tokenizer.QueryMode)
			out := make([]bench.Span, len(toks))
			for i, t := range toks {
				out[i] = bench.Span{Start: t.Start, End: t.End}
			}
			return out
		}
	}
	var md interface{ WriteMarkdown(io.Writer) }
	var err error
	switch phase {
	case bench.PhaseGrowth:
		md, err = bench.RunGrowth(ctx, cfg)
	case bench.PhasePublish:
		md, err = bench.RunPublish(ctx, cfg)
	default:
		md, err = bench.Run(ctx, cfg, phase)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch bench: %v\n", err)
		return 1
	}
	md.WriteMarkdown(stdout)
	fmt.Fprintf(stderr, "zhsearch bench: report in %s/report.json and report.md\n", cfg.Out)
	return 0
}

// parseSizes reads --sizes: positive numbers of articles, comma-separated.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number of articles", f)
		}
		out = append(out, n)
	}
	return out, nil
}
