package bench

import (
	"fmt"
	"math/rand/v2"
	"unicode"
)

// Query kinds of the protocol.
const (
	KindWordSpan  = "word_span" // 2–4 consecutive precise-mode words
	KindSubstring = "substring" // 2–5 consecutive Han characters
)

// Query is one generated query and the article it was taken from.
type Query struct {
	Kind      string `json:"kind"`
	Text      string `json:"text"`
	Source    string `json:"source"`    // id of the article it was cut from
	Paragraph int    `json:"paragraph"` // index of the paragraph
}

// Span is a word of a text as a byte range.
type Span struct{ Start, End int }

// WordsFunc segments text into precise-mode words (gse with HMM), leaving
// out punctuation and spaces, with byte offsets into text.
type WordsFunc func(text string) []Span

// maxTries bounds the draws for one query, so that a corpus without a
// usable paragraph fails instead of looping.
const maxTries = 100000

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

func allHan(s string) bool {
	for _, r := range s {
		if !isHan(r) {
			return false
		}
	}
	return s != ""
}

// GenerateQueries draws the protocol's queries with a fixed seed: spans
// word-span queries (2–4 consecutive words of a random paragraph of a
// random article, Han characters only, at least 4 characters) and subs
// substring queries (2–5 consecutive Han characters of a random
// paragraph, which may cut across words). The same corpus, seed and
// segmentation give the same queries; the two kinds draw from separate
// streams so that each is stable on its own.
func GenerateQueries(docs []Doc, words WordsFunc, seed uint64, spans, subs int) ([]Query, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("no articles to draw queries from")
	}
	out := make([]Query, 0, spans+subs)
	rng := rand.New(rand.NewPCG(seed, 1))
	for len(out) < spans {
		q, ok := drawSpan(rng, docs, words)
		if !ok {
			return nil, fmt.Errorf("no word-span query found in %d draws: the corpus has too little Chinese text", maxTries)
		}
		out = append(out, q)
	}
	rng = rand.New(rand.NewPCG(seed, 2))
	for len(out) < spans+subs {
		q, ok := drawSubstring(rng, docs)
		if !ok {
			return nil, fmt.Errorf("no substring query found in %d draws: the corpus has too little Chinese text", maxTries)
		}
		out = append(out, q)
	}
	return out, nil
}

func drawSpan(rng *rand.Rand, docs []Doc, words WordsFunc) (Query, bool) {
	for try := 0; try < maxTries; try++ {
		d := &docs[rng.IntN(len(docs))]
		pi := rng.IntN(len(d.Paragraphs))
		p := d.Paragraphs[pi]
		ws := words(p)
		k := 2 + rng.IntN(3)
		if len(ws) < k {
			continue
		}
		i := rng.IntN(len(ws) - k + 1)
		if !validSpan(p, ws[i:i+k]) {
			continue
		}
		return Query{Kind: KindWordSpan, Text: p[ws[i].Start:ws[i+k-1].End], Source: d.ID, Paragraph: pi}, true
	}
	return Query{}, false
}

func drawSubstring(rng *rand.Rand, docs []Doc) (Query, bool) {
	for try := 0; try < maxTries; try++ {
		d := &docs[rng.IntN(len(docs))]
		pi := rng.IntN(len(d.Paragraphs))
		if text := SampleSubstring(d.Paragraphs[pi], rng); text != "" {
			return Query{Kind: KindSubstring, Text: text, Source: d.ID, Paragraph: pi}, true
		}
	}
	return Query{}, false
}

// SampleSubstring draws a run of 2–5 Han characters of text (no
// punctuation, spaces, Latin or digits), as a user pasting a fragment
// would, or "" when the draw falls on a shorter text or on other
// characters; the caller draws again. Latin and numbers are searched as
// whole words, not substrings. The substring queries of the protocol,
// of zhsearch eval search and of zhsearch loadtest are all drawn with it.
func SampleSubstring(text string, rng *rand.Rand) string {
	rs := []rune(text)
	l := 2 + rng.IntN(4)
	if len(rs) < l {
		return ""
	}
	i := rng.IntN(len(rs) - l + 1)
	sub := string(rs[i : i+l])
	if !allHan(sub) {
		return ""
	}
	return sub
}
