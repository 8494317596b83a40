package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// analyzeCmd prints the tokens the analyzers make of TEXT: what the index
// stores (mode index: words, sub-words and the recall bigrams) or what a
// query looks for (mode query).
func analyzeCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhsearch analyze", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modeName := fs.String("mode", "index", "index or query")
	dict := fs.String("dict", envOr(getenv, "ZHSEARCH_DICT", ""), "newsroom dictionary to add, `word [freq [pos]]` a line (env ZHSEARCH_DICT)")
	asJSON := fs.Bool("json", false, "print the tokens as JSON, as GET /v1/analyze does")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zhsearch analyze [--mode index|query] [--dict FILE] [--json] TEXT")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	text := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(text) == "" {
		fmt.Fprintln(stderr, "zhsearch analyze: give the TEXT to analyze")
		fs.Usage()
		return 2
	}
	mode, err := tokenizer.ParseMode(*modeName)
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch analyze: --mode: %v\n", err)
		return 2
	}
	seg, err := tokenizer.Shared()
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch analyze: %v\n", err)
		return 1
	}
	if *dict != "" {
		if _, err := seg.LoadWordsFile(*dict); err != nil {
			fmt.Fprintf(stderr, "zhsearch analyze: %v\n", err)
			return 1
		}
	}
	toks := tokenizer.Explain(seg, []byte(text), mode)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(map[string]any{"text": text, "mode": mode.String(), "tokens": toks}); err != nil {
			fmt.Fprintf(stderr, "zhsearch analyze: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stdout, "%-7s %-4s %-8s %-6s %-6s %s\n", "field", "pos", "kind", "start", "end", "term")
	for _, t := range toks {
		stop := ""
		if t.Stop {
			stop = "  (stop word: not required by a plain query)"
		}
		fmt.Fprintf(stdout, "%-7s %-4d %-8s %-6d %-6d %s%s\n", t.Field, t.Position, t.Kind, t.Start, t.End, t.Term, stop)
	}
	return 0
}
