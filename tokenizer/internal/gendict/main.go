// Command gendict writes tokenizer/dict/zh_s.txt.gz: gse's simplified
// Chinese dictionary (data/dict/zh/s_1.txt of github.com/go-ego/gse, the
// version go.mod requires, Apache-2.0), gzipped, for the tokenizer to embed
// itself. Embedding our own copy lets the binary be built with gse's `ne`
// tag (no gse dictionaries embedded: 30 MB less, among them a Japanese
// dictionary zhsearch never loads) and lets the tokenizer load the words
// without gse's CalcToken pass, which the jieba-style Cut does not use.
// Run it with `go generate ./tokenizer`.
package main

import (
	"bytes"
	"compress/gzip"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	out := "dict/zh_s.txt.gz"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/go-ego/gse").Output()
	if err != nil {
		log.Fatalf("gendict: locating gse: %v (run `go mod download github.com/go-ego/gse`)", err)
	}
	src := filepath.Join(strings.TrimSpace(string(dir)), "data", "dict", "zh", "s_1.txt")
	text, err := os.ReadFile(src)
	if err != nil {
		log.Fatalf("gendict: %v", err)
	}
	text = sortLines(text)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := zw.Write(text); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("gendict: %s (%d bytes) → %s (%d bytes)", src, len(text), out, buf.Len())
}

// sortLines orders the dictionary's lines by their word's bytes, stably
// (of a word listed twice, the first line still counts: gse keeps the
// first). cedar, gse's double-array trie, then inserts each word beside
// its neighbours instead of relocating nodes to make room: loading the
// 352,279 words took 285 ms instead of 550-820 ms (2026-12-03,
// BenchmarkLoadDictionary). Empty lines are dropped.
func sortLines(text []byte) []byte {
	var lines [][]byte
	for _, l := range bytes.Split(text, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, l)
		}
	}
	word := func(l []byte) []byte {
		l = bytes.TrimSpace(l)
		if i := bytes.IndexByte(l, ' '); i >= 0 {
			return l[:i]
		}
		return l
	}
	slices.SortStableFunc(lines, func(a, b []byte) int { return bytes.Compare(word(a), word(b)) })
	return append(bytes.Join(lines, []byte("\n")), '\n')
}
