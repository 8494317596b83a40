package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// readLines reads a UTF-8 text file into lines without their CR/LF.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, len(lines)+1, err)
	}
	return lines, nil
}

// evalSegment scores the analyzer's segmentation of a SIGHAN test file
// against its gold segmentation.
func evalSegment(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhsearch eval segment", flag.ContinueOnError)
	fs.SetOutput(stderr)
	gold := fs.String("gold", "", "gold segmentation: words separated by spaces, one sentence a line (required)")
	test := fs.String("test", "", "the same text unsegmented, line for line (required)")
	words := fs.String("words", "", "training word list, one word a line, for OOV recall (optional)")
	dict := fs.String("dict", envOr(getenv, "ZHSEARCH_DICT", ""), "newsroom dictionary to add, `word [freq [pos]]` a line (env ZHSEARCH_DICT)")
	base := fs.String("base", tokenizer.DictSimplified, "embedded gse dictionary: "+tokenizer.DictSimplified+" or "+tokenizer.DictBoth)
	noHMM := fs.Bool("no-hmm", false, "segment unknown runs without gse's HMM")
	raw := fs.Bool("raw", false, "segment the text as given, without folding (traditional to simplified, full-width, case)")
	shortest := fs.Bool("shortest-path", false, "segment with gse's Segment (shortest path, no HMM) instead of Cut")
	asJSON := fs.Bool("json", false, "print the scores as JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *gold == "" || *test == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "zhsearch eval segment: --gold FILE and --test FILE are required, and nothing else")
		fs.Usage()
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "zhsearch eval segment: %v\n", err)
		return 1
	}
	goldLines, err := readLines(*gold)
	if err != nil {
		return fail(err)
	}
	testLines, err := readLines(*test)
	if err != nil {
		return fail(err)
	}
	if len(goldLines) != len(testLines) {
		return fail(fmt.Errorf("%s has %d lines but %s has %d: they must match line for line", *gold, len(goldLines), *test, len(testLines)))
	}
	var known map[string]bool
	if *words != "" {
		wl, err := readLines(*words)
		if err != nil {
			return fail(err)
		}
		known = make(map[string]bool, len(wl))
		for _, w := range wl {
			if w = strings.TrimSpace(w); w != "" {
				known[w] = true
			}
		}
	}
	start := time.Now()
	seg, err := tokenizer.LoadSegmenter(*base)
	if err != nil {
		return fail(err)
	}
	loaded := time.Since(start)
	if *dict != "" {
		if _, err := seg.LoadWordsFile(*dict); err != nil {
			return fail(err)
		}
	}
	opt := tokenizer.SegmentOptions{NoHMM: *noHMM, Raw: *raw, ShortestPath: *shortest}
	var sc tokenizer.SegScore
	chars := 0
	segStart := time.Now()
	for i, line := range testLines {
		g := strings.FieldsFunc(goldLines[i], unicode.IsSpace)
		if len(g) == 0 && strings.TrimSpace(line) == "" {
			continue
		}
		chars += len(line)
		sc.Add(g, seg.Words(line, opt), known)
	}
	took := time.Since(segStart)
	if *asJSON {
		out := map[string]any{
			"gold": *gold, "test": *test, "base": *base, "hmm": !*noHMM && !*shortest, "folded": !*raw, "shortest_path": *shortest,
			"precision": sc.Precision(), "recall": sc.Recall(), "f1": sc.F1(),
			"score": sc, "load_seconds": loaded.Seconds(), "segment_mb_per_s": float64(chars) / 1e6 / took.Seconds(),
		}
		if known != nil {
			out["oov_rate"], out["oov_recall"], out["iv_recall"] = sc.OOVRate(), sc.OOVRecall(), sc.IVRecall()
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fail(err)
		}
		return 0
	}
	fmt.Fprintf(stdout, "gold       %s\ntest       %s\nsegmenter  %s, hmm=%v, folded=%v, shortest-path=%v (dictionary loaded in %s)\n",
		*gold, *test, *base, !*noHMM, !*raw, *shortest, loaded.Round(time.Millisecond))
	fmt.Fprintf(stdout, "lines      %d (%d spelled differently from gold)\n", sc.Lines, sc.Mismatched)
	fmt.Fprintf(stdout, "words      gold %d, test %d, correct %d\n", sc.GoldWords, sc.TestWords, sc.Correct)
	fmt.Fprintf(stdout, "precision  %.4f\nrecall     %.4f\nF1         %.4f\n", sc.Precision(), sc.Recall(), sc.F1())
	if known != nil {
		fmt.Fprintf(stdout, "OOV rate   %.4f\nOOV recall %.4f\nIV recall  %.4f\n", sc.OOVRate(), sc.OOVRecall(), sc.IVRecall())
	}
	fmt.Fprintf(stdout, "speed      %.2f MB/s\n", float64(chars)/1e6/took.Seconds())
	return 0
}
