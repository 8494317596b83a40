package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/zhsearch/zhsearch/bench/dupeval"
)

// evalDuplicates is `zhsearch eval duplicates` (dupeval.Run): the
// duplicate decision scored on labelled pairs of articles.
func evalDuplicates(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhsearch eval duplicates", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", filepath.Join("..", "shared", "data"), "evaluation data: the corpora are news/*.jsonl.gz")
	pairsFile := fs.String("pairs", filepath.Join("testdata", "duplicates.tsv"), "labelled pairs: a, b, label (1, 0 or ?), kind; tab-separated")
	verbose := fs.Bool("v", false, "list every wrong decision")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zhsearch eval duplicates: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "zhsearch eval duplicates: %v\n", err)
		return 1
	}
	pairs, err := dupeval.ReadPairs(*pairsFile)
	if err != nil {
		return fail(err)
	}
	corpora, err := filepath.Glob(filepath.Join(*dataDir, "news", "*.jsonl.gz"))
	if err != nil || len(corpora) == 0 {
		return fail(fmt.Errorf("no corpus in %s (the evaluation data live in ../shared/data; pass --data-dir)", filepath.Join(*dataDir, "news")))
	}
	rep, err := dupeval.Run(ctx, pairs, corpora)
	if err != nil {
		return fail(err)
	}
	rep.WriteText(stdout, *verbose)
	return 0
}
