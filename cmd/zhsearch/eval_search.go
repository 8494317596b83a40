package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/zhsearch/zhsearch/bench"
	"github.com/zhsearch/zhsearch/bench/searcheval"
)

// evalSearch is `zhsearch eval search` (searcheval.Run): known-item
// retrieval on a news corpus with queries sampled from the corpus itself,
// with a fixed random seed so that runs compare.
func evalSearch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhsearch eval search", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpus := fs.String("corpus", filepath.Join("..", "shared", "data", "news", "chinanews.jsonl.gz"), "JSONL(.gz) corpus, one article a line")
	n := fs.Int("n", 200, "queries of each kind")
	seed := fs.Uint64("seed", 1, "random seed")
	limit := fs.Int("limit", 0, "index at most this many articles (0: all)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *n < 1 {
		fmt.Fprintln(stderr, "zhsearch eval search: --n must be 1 or more")
		return 2
	}
	arts, err := bench.ReadArticles(*corpus, *limit)
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch eval search: %v\n", err)
		return 1
	}
	if len(arts) == 0 {
		fmt.Fprintf(stderr, "zhsearch eval search: %s holds no articles\n", *corpus)
		return 1
	}
	rep, err := searcheval.Run(ctx, arts, *n, *seed, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch eval search: %v\n", err)
		return 1
	}
	rep.WriteText(stdout, filepath.Base(*corpus), len(arts), *seed)
	return 0
}
