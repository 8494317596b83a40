// Command zhsearch is the Chinese news search service: it loads the gse
// dictionary compiled into the binary, indexes articles, and serves the
// JSON API. It is the only package that reads flags and the environment or
// exits; everything else is passed in through constructors.
//
// Usage:
//
//	zhsearch [serve] [--listen ADDR] [--data DIR] [--seed=false] [--dict FILE]
//	zhsearch import --data DIR [flags] PATH...
//	zhsearch analyze [--mode index|query] [--dict FILE] [--json] TEXT
//	zhsearch eval search [--corpus FILE.jsonl.gz] [--n N] [--seed S] [--limit N]
//	zhsearch eval segment --gold FILE --test FILE [--words FILE]
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stderr)
	case "import":
		return importCmd(ctx, args, getenv, stderr)
	case "analyze":
		return analyzeCmd(args, getenv, stdout, stderr)
	case "eval":
		if len(args) > 0 && args[0] == "search" {
			return evalSearch(ctx, args[1:], stdout, stderr)
		}
		if len(args) > 0 && args[0] == "segment" {
			return evalSegment(args[1:], getenv, stdout, stderr)
		}
		fmt.Fprintln(stderr, "zhsearch eval: name an evaluation; evaluations: search, segment")
		return 2
	default:
		fmt.Fprintf(stderr, "zhsearch: unknown command %q; commands: serve, import, analyze, eval\n", cmd)
		return 2
	}
}
