package tokenizer

import (
	"fmt"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// Names under which the package registers itself in bleve's registry.
const (
	// IndexAnalyzer analyses text fields at index time: words and sub-words.
	IndexAnalyzer = "zhsearch_index"
	// QueryAnalyzer analyses query text: precise-mode words only.
	QueryAnalyzer = "zhsearch_query"
	// BigramAnalyzer analyses the recall fields: character bigrams and unigrams.
	BigramAnalyzer = "zhsearch_bigram"
)

// bleveTokenizer adapts the package's analysis to bleve's Tokenizer.
type bleveTokenizer struct {
	fn func([]byte) []Token
}

func (t bleveTokenizer) Tokenize(input []byte) analysis.TokenStream {
	return Stream(t.fn(input))
}

// bleveAnalyzer is a single-tokenizer analyzer: all normalisation happens
// inside the tokenizer, where the offsets are kept.
type bleveAnalyzer struct{ tok analysis.Tokenizer }

func (a bleveAnalyzer) Analyze(input []byte) analysis.TokenStream { return a.tok.Tokenize(input) }

// segmenterKey is the key, in the config of a custom analyzer of type
// IndexAnalyzer or QueryAnalyzer, of the *Segmenter it segments with
// (AnalyzerConfig).
const segmenterKey = "segmenter"

// AnalyzerConfig is the config of a custom bleve analyzer of type
// analyzer (IndexAnalyzer or QueryAnalyzer) that segments with seg rather
// than the shared segmenter: an index with a segmenter of its own defines
// one in its mapping (mapping.IndexMappingImpl.AddCustomAnalyzer), so that
// bleve's analysis of its text uses that index's dictionary too. The
// config holds seg itself and lives in memory only: a stored mapping names
// the registered analyzers.
func AnalyzerConfig(analyzer string, seg *Segmenter) map[string]interface{} {
	return map[string]interface{}{"type": analyzer, segmenterKey: seg}
}

// segmenterTokenizer builds the tokenizer of one mode: on the segmenter
// its config names (AnalyzerConfig), else on the shared segmenter, which
// is loaded at the first text to analyse rather than when bleve builds
// the tokenizer (it does for every mapping it opens or validates, and an
// index with its own segmenter never needs the shared one). Should the
// shared segmenter fail to load, that tokenizer yields no tokens; an
// index opened on it has already failed with the error.
func segmenterTokenizer(mode Mode, config map[string]interface{}) (analysis.Tokenizer, error) {
	if v, ok := config[segmenterKey]; ok {
		seg, ok := v.(*Segmenter)
		if !ok || seg == nil {
			return nil, fmt.Errorf("zhsearch tokenizer: %q is %T, not a segmenter", segmenterKey, v)
		}
		return bleveTokenizer{fn: func(b []byte) []Token { return seg.Analyze(b, mode) }}, nil
	}
	return bleveTokenizer{fn: func(b []byte) []Token {
		seg, err := Shared()
		if err != nil {
			return nil
		}
		return seg.Analyze(b, mode)
	}}, nil
}

func tokenizerOf(mode Mode) registry.TokenizerConstructor {
	return func(config map[string]interface{}, _ *registry.Cache) (analysis.Tokenizer, error) {
		return segmenterTokenizer(mode, config)
	}
}

func bigramTokenizer(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
	return bleveTokenizer{fn: recallTokens}, nil
}

// RecallStream is the recall fields' analysis as the index keeps it: the
// terms and positions of Bigrams without byte offsets. Phrases need only
// positions, marks come from the query's texts, and an offset costs one
// or two bytes per character of text in every recall field (5 % of the
// index); RecallOffsets gives them back from the text.
func RecallStream(text []byte) analysis.TokenStream {
	return Stream(recallTokens(text))
}

func recallTokens(text []byte) []Token {
	toks := Bigrams(text)
	for i := range toks {
		toks[i].Start, toks[i].End = 0, 0
	}
	return toks
}

// RecallOffsets returns the byte ranges in text of its recall terms:
// element pos-1 is that of the term at position pos (of a bleve location
// in a recall field, which keeps no offsets: RecallStream).
func RecallOffsets(text string) [][2]int {
	toks := Bigrams([]byte(text))
	out := make([][2]int, len(toks))
	for i, t := range toks { // Bigrams numbers its tokens 1, 2, 3 …
		out[i] = [2]int{t.Start, t.End}
	}
	return out
}

func analyzerOf(tokenizerName string) registry.AnalyzerConstructor {
	return func(_ map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
		tok, err := cache.TokenizerNamed(tokenizerName)
		if err != nil {
			return nil, err
		}
		return bleveAnalyzer{tok: tok}, nil
	}
}

// segmenterAnalyzer builds the analyzer of one mode: with the registered
// tokenizer, or one of its own on the segmenter its config names
// (AnalyzerConfig).
func segmenterAnalyzer(tokenizerName string, mode Mode) registry.AnalyzerConstructor {
	named := analyzerOf(tokenizerName)
	return func(config map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
		if _, ok := config[segmenterKey]; !ok {
			return named(config, cache)
		}
		tok, err := segmenterTokenizer(mode, config)
		if err != nil {
			return nil, err
		}
		return bleveAnalyzer{tok: tok}, nil
	}
}

func init() {
	registry.RegisterTokenizer(IndexAnalyzer, tokenizerOf(IndexMode))
	registry.RegisterTokenizer(QueryAnalyzer, tokenizerOf(QueryMode))
	registry.RegisterTokenizer(BigramAnalyzer, bigramTokenizer)
	registry.RegisterAnalyzer(IndexAnalyzer, segmenterAnalyzer(IndexAnalyzer, IndexMode))
	registry.RegisterAnalyzer(QueryAnalyzer, segmenterAnalyzer(QueryAnalyzer, QueryMode))
	registry.RegisterAnalyzer(BigramAnalyzer, analyzerOf(BigramAnalyzer))
}

// Stream converts tokens to a bleve token stream with few allocations: the
// tokens live in one slab and their terms in one byte buffer. Used by the
// bleve tokenizers and by callers that analyse text ahead of a write.
func Stream(toks []Token) analysis.TokenStream {
	if len(toks) == 0 {
		return analysis.TokenStream{}
	}
	n := 0
	for _, t := range toks {
		n += len(t.Term)
	}
	buf := make([]byte, 0, n)
	slab := make([]analysis.Token, len(toks))
	out := make(analysis.TokenStream, len(toks))
	for i, tok := range toks {
		typ := analysis.Ideographic
		if tok.Kind == KindWord && tok.Term != "" && tok.Term[0] < 0x80 {
			typ = analysis.AlphaNumeric
		}
		s := len(buf)
		buf = append(buf, tok.Term...)
		slab[i] = analysis.Token{
			Start: tok.Start, End: tok.End, Term: buf[s:len(buf):len(buf)],
			Position: tok.Position, Type: typ,
		}
		out[i] = &slab[i]
	}
	return out
}

// Analyzed is a bleve analyzer that returns a stream analysed beforehand,
// whatever its input: a write analyses each text once (a paragraph is in
// its article's document and in its own) and off the index's write lock,
// then hands bleve the result through a field built with it.
type Analyzed analysis.TokenStream

// Analyze returns the stream.
func (a Analyzed) Analyze([]byte) analysis.TokenStream { return analysis.TokenStream(a) }
