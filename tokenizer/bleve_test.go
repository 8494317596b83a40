package tokenizer

import (
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/registry"
)

// TestAnalyzerConfig: a custom analyzer defined with AnalyzerConfig
// segments with the segmenter it names, not the shared one; a config
// whose segmenter is not one is refused.
func TestAnalyzerConfig(t *testing.T) {
	seg, err := NewSegmenter()
	if err != nil {
		t.Fatal(err)
	}
	const word = "郑开科创走廊" // gse: 郑开/科创/走廊
	if err := seg.AddWords(Word{Word: word}); err != nil {
		t.Fatal(err)
	}
	terms := func(analyzer, text string) string {
		cache := registry.NewCache()
		an, err := cache.DefineAnalyzer("own", AnalyzerConfig(analyzer, seg))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tok := range an.Analyze([]byte(text)) {
			out = append(out, string(tok.Term))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		analyzer, want string
	}{
		{QueryAnalyzer, word + " 开幕"},
		{IndexAnalyzer, word + " 走廊 开幕"}, // with a sub-word at the word's position
	} {
		t.Run(tc.analyzer, func(t *testing.T) {
			if got := terms(tc.analyzer, word+"开幕"); got != tc.want {
				t.Errorf("%s on its segmenter: %q, want %q", tc.analyzer, got, tc.want)
			}
		})
	}
	// the registered analyzer, by its name alone, on the shared segmenter
	shared, err := registry.NewCache().AnalyzerNamed(QueryAnalyzer)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tok := range shared.Analyze([]byte(word)) {
		got = append(got, string(tok.Term))
	}
	if len(got) < 2 {
		t.Errorf("the shared segmenter learnt %s: %q", word, got)
	}
	bad := AnalyzerConfig(QueryAnalyzer, seg)
	bad[segmenterKey] = "zh_s"
	if _, err := registry.NewCache().DefineAnalyzer("bad", bad); err == nil {
		t.Error("a config whose segmenter is a string was accepted")
	}
}
