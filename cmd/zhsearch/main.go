// Command zhsearch is the Chinese news search service: it loads the gse
// dictionary compiled into the binary, indexes articles, and serves the
// JSON API. It is the only package that reads flags and the environment or
// exits; everything else is passed in through constructors.
//
// Usage:
//
//	zhsearch [serve] [flags]        serve the API (zhsearch serve --help lists every setting)
//	zhsearch import --data DIR [flags] PATH...
//	zhsearch analyze [--mode index|query] [--dict FILE] [--json] TEXT
//	zhsearch backup --data DIR OUT
//	zhsearch restore --data DIR BACKUP
//	zhsearch verify --data DIR
//	zhsearch loadtest [--corpus FILE] [--limit N] [--data DIR] [--duration 5m] [--search-rate N] [--write-rate N]
//	zhsearch eval search [--corpus FILE.jsonl.gz] [--n N] [--seed S] [--limit N]
//	zhsearch eval segment --gold FILE --test FILE [--words FILE]
//	zhsearch eval duplicates [--data-dir DIR] [--pairs FILE] [-v]
//	zhsearch healthcheck [--listen ADDR]
//	zhsearch search [flags] QUERY   print hits with snippets
//	zhsearch bench ingest|query|startup|all|growth|publish --corpus FILE [flags]
//	zhsearch version
//	zhsearch help | --help
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

// version is stamped at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one kills at once.
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `zhsearch: Chinese full-text search for newsrooms.

Commands:
  serve         serve the HTTP API (the default); zhsearch serve --help lists every setting
  import        import articles (page files, JSON, NDJSON) into the index at --data
  analyze       show how a text is segmented and indexed
  backup        copy a stopped server's index (--data DIR OUT); a running one: POST /v1/admin/snapshot
  restore       make a backup or snapshot the index of a new data directory (--data DIR BACKUP)
  verify        check an index, backup or snapshot for damage, as start-up does (--data DIR); exit 1 if damaged
  loadtest      searches and writes at once against a server on a corpus, with QPS, latency, RSS
  eval search   measure search quality on a corpus (docs/evaluation.md)
  eval segment  score segmentation against a gold standard (SIGHAN format)
  eval duplicates  score the near-duplicate decision on labelled pairs (docs/duplicates.md)
  healthcheck   exit 0 if the server named by --listen / ZHSEARCH_LISTEN is ready, else 1
  search        print the hits of a query: from --data DIR, --server URL, or the server at --listen
  bench         run the benchmark protocol, growth and publishing latency against real processes (docs/performance.md)
  version       print the version and the commit
  help          print this list (also zhsearch --help)

zhsearch COMMAND --help describes a command's flags.
`

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		cmd, args = "help", nil // the commands; zhsearch serve --help lists the settings
	} else if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "import":
		return importCmd(ctx, args, getenv, stderr)
	case "analyze":
		return analyzeCmd(args, getenv, stdout, stderr)
	case "backup":
		return backupCmd(ctx, args, getenv, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, args, getenv, stdout, stderr)
	case "verify":
		return verifyCmd(args, getenv, stdout, stderr)
	case "loadtest":
		return loadtestCmd(ctx, args, stdout, stderr)
	case "eval":
		if len(args) > 0 && args[0] == "search" {
			return evalSearch(ctx, args[1:], stdout, stderr)
		}
		if len(args) > 0 && args[0] == "segment" {
			return evalSegment(args[1:], getenv, stdout, stderr)
		}
		if len(args) > 0 && args[0] == "duplicates" {
			return evalDuplicates(ctx, args[1:], stdout, stderr)
		}
		fmt.Fprintln(stderr, "zhsearch eval: name an evaluation; evaluations: search, segment, duplicates")
		return 2
	case "healthcheck":
		return healthcheck(ctx, args, getenv, stdout, stderr)
	case "search":
		return searchCmd(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "bench":
		return benchCmd(ctx, args, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "zhsearch: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}
