package index

import (
	"context"
	"fmt"
	"testing"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// benchWords makes n distinct four-character words, from the n-th on.
func benchWords(from, n int) []tokenizer.Word {
	words := make([]tokenizer.Word, n)
	for i := range words {
		k := from + i
		rs := []rune{'词', rune(0x4e00 + k%20000), rune(0x4e00 + (k/20000)%20000), '语'}
		words[i] = tokenizer.Word{Word: string(rs)}
	}
	return words
}

// BenchmarkAddWords adds 1,000 new words to an index on disk that already
// records held words: the time of a call should not grow with held
// (issue 18: 20 calls of 10,000 words each grew 13× slower, as every call
// decoded the whole stored list again).
func BenchmarkAddWords(b *testing.B) {
	for _, held := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("held=%d", held), func(b *testing.B) {
			ix, err := Open(Options{Path: b.TempDir() + "/idx", Segmenter: ownSegmenter(b)}) // the words stay out of the other benchmarks' segmenter
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			ix.SetMaxWords(held + (b.N+1)*1000)
			ctx := context.Background()
			for from := 0; from < held; from += MaxWordsPerRequest {
				if _, err := ix.AddWords(ctx, benchWords(from, MaxWordsPerRequest)...); err != nil {
					b.Fatal(err)
				}
			}
			if err := ix.WaitReindex(ctx); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := ix.AddWords(ctx, benchWords(held+i*1000, 1000)...); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			_ = ix.WaitReindex(ctx)
		})
	}
}
