package index_test

import (
	"context"
	"fmt"
	"log"

	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// Two indexes in one process, each with a segmenter of its own: a word
// added to one is whole in that one only.
func ExampleOptions_segmenter() {
	open := func() *index.Index {
		seg, err := tokenizer.NewSegmenter()
		if err != nil {
			log.Fatal(err)
		}
		ix, err := index.Open(index.Options{Segmenter: seg}) // in memory
		if err != nil {
			log.Fatal(err)
		}
		return ix
	}
	a, b := open(), open()
	defer a.Close()
	defer b.Close()
	if _, err := a.AddWords(context.Background(), tokenizer.Word{Word: "中原数谷"}); err != nil {
		log.Fatal(err)
	}
	words := func(ix *index.Index) []string {
		var out []string
		for _, t := range ix.Analyze("中原数谷", tokenizer.QueryMode) {
			out = append(out, t.Term)
		}
		return out
	}
	fmt.Println(words(a), words(b))
	// Output: [中原数谷] [中原 数谷]
}
