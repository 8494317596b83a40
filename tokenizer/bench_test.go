package tokenizer

import (
	"strings"
	"testing"
)

// seedText is the embedded seed page as one text, the benchmarks' input.
func seedText(b *testing.B) []byte {
	return []byte(strings.Join(seedLines(b), "\n"))
}

// BenchmarkAnalyzeIndex measures index-time analysis (words and sub-words)
// in MB/s of input text.
func BenchmarkAnalyzeIndex(b *testing.B) {
	seg, text := shared(b), seedText(b)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		seg.Analyze(text, IndexMode)
	}
}

// BenchmarkAnalyzeQuery measures query-time analysis of short queries.
func BenchmarkAnalyzeQuery(b *testing.B) {
	seg := shared(b)
	queries := []string{"二七经开区", "先进制造业开发区", "杉杉奥特莱斯", "不动产权证", "经济", "2023年度全省开发区"}
	n := 0
	for _, q := range queries {
		n += len(q)
	}
	b.SetBytes(int64(n))
	b.ResetTimer()
	for b.Loop() {
		for _, q := range queries {
			seg.Analyze([]byte(q), QueryMode)
		}
	}
}

// BenchmarkBigrams measures the recall path (character bigrams).
func BenchmarkBigrams(b *testing.B) {
	text := seedText(b)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		Bigrams(text)
	}
}

// BenchmarkFindAll marks a query's texts in the seed page, line by line,
// as highlighting does for each paragraph of a hit.
func BenchmarkFindAll(b *testing.B) {
	lines := seedLines(b)
	needles := []string{"二七经开区", "企业", "发展"}
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			FindAll(l, needles)
		}
	}
}
