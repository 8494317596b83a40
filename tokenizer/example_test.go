package tokenizer_test

import (
	"fmt"
	"strings"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// Analyze keeps every token's byte range in the original text, so the
// traditional 經濟 and the full-width ５Ｇ are found by 经济 and 5g while a
// highlight still lands on the characters the reader sees.
func ExampleSegmenter_Analyze() {
	seg, err := tokenizer.Shared()
	if err != nil {
		panic(err)
	}
	text := "經濟发展靠５Ｇ"
	for _, tok := range seg.Analyze([]byte(text), tokenizer.QueryMode) {
		fmt.Printf("%d %s [%d,%d) %q %s\n", tok.Position, tok.Term, tok.Start, tok.End, text[tok.Start:tok.End], tok.Kind)
	}
	// Output:
	// 1 经济 [0,6) "經濟" word
	// 2 发展 [6,12) "发展" word
	// 3 靠 [12,15) "靠" word
	// 4 5g [15,21) "５Ｇ" word
}

// RecallPhrase is what lets a query for part of a word (开区 of 经开区)
// find it: the query becomes a phrase of character bigrams.
func ExampleRecallPhrase() {
	fmt.Println(tokenizer.RecallPhrase("经开区"))
	// Output: [经开 开区]
}

// The recall fields keep each term's position and no byte offsets
// (RecallStream); RecallOffsets finds them again in the text: position 3
// (the term 经开) covers 經開 of the traditional text, position 6 (ab) the
// full-width ＡＢ.
func ExampleRecallOffsets() {
	text := "二七經開區，ＡＢ"
	var terms []string
	for _, tok := range tokenizer.RecallStream([]byte(text)) {
		terms = append(terms, fmt.Sprintf("%d %s [%d,%d)", tok.Position, tok.Term, tok.Start, tok.End))
	}
	fmt.Println(strings.Join(terms, " "))
	offs := tokenizer.RecallOffsets(text)
	fmt.Printf("%q %q\n", text[offs[2][0]:offs[2][1]], text[offs[5][0]:offs[5][1]])
	// Output:
	// 1 二七 [0,0) 2 七经 [0,0) 3 经开 [0,0) 4 开区 [0,0) 5 区 [0,0) 6 ab [0,0)
	// "經開" "ＡＢ"
}
