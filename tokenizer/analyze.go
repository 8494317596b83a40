package tokenizer

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind says which path of the analysis produced a token.
type Kind uint8

// Token kinds.
const (
	KindWord    Kind = iota // a precise-mode word
	KindSubword             // a dictionary word inside a longer word, same position
	KindBigram              // two consecutive Han characters (recall field)
	KindUnigram             // one Han character (recall field)
)

// String names the kind as the analyze API shows it.
func (k Kind) String() string {
	switch k {
	case KindWord:
		return "word"
	case KindSubword:
		return "subword"
	case KindBigram:
		return "bigram"
	case KindUnigram:
		return "unigram"
	}
	return "unknown"
}

// MarshalText makes kinds appear by name in JSON.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Token is one analysed term. Start and End are a byte range of the
// original text; Position is 1-based, and tokens at the same position
// (a word and its sub-words) stand for the same stretch of text.
type Token struct {
	Term     string `json:"term"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
	Position int    `json:"position"`
	Kind     Kind   `json:"kind"`
}

// Mode selects index-time or query-time analysis.
type Mode int

const (
	// IndexMode yields words and, at the same position, their sub-words.
	IndexMode Mode = iota
	// QueryMode yields precise-mode words only.
	QueryMode
)

// isHan reports whether r is a Chinese character.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// searchable reports whether a segment holds anything worth indexing: a
// letter or a digit. Punctuation and spaces take no position.
func searchable(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}

// Analyze segments text into words (and, in IndexMode, sub-words) with
// offsets into the original text. Its cost is linear in the text
// (chunk.go); AnalyzeContext stops early when asked.
func (s *Segmenter) Analyze(text []byte, mode Mode) []Token {
	toks, _ := s.analyze(context.Background(), text, mode, nil)
	return toks
}

// AnalyzeContext is Analyze that gives up, with ctx's error, when ctx is
// done: it looks between chunks, so a cancelled request stops within one
// chunk's work (MaxChunkRunes runes) instead of analysing a whole text.
func (s *Segmenter) AnalyzeContext(ctx context.Context, text []byte, mode Mode) ([]Token, error) {
	return s.analyze(ctx, text, mode, nil)
}

// work counts what an analysis asked of gse, for the tests that check
// its cost is linear without timing it.
type work struct {
	cuts, maxCutRunes, cutRunes int // gse Cut calls, the longest input, the sum
	finds                       int // dictionary look-ups for sub-words
}

func (s *Segmenter) analyze(ctx context.Context, text []byte, mode Mode, w *work) ([]Token, error) {
	if len(text) == 0 {
		return nil, ctx.Err()
	}
	n := normalize(text)
	norm := string(n.norm)
	tokens := make([]Token, 0, len(norm)/4)
	pos := 0
	for _, c := range chunks(norm) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part := norm[c.start:c.end]
		if w != nil {
			r := utf8.RuneCountInString(part)
			w.cuts++
			w.cutRunes += r
			w.maxCutRunes = max(w.maxCutRunes, r)
		}
		s.mu.RLock()
		var pieces []string
		if s.cutsASCII(part) {
			pieces = asciiCut(part)
		} else {
			pieces = s.gse.Cut(part, true)
		}
		s.mu.RUnlock()
		cursor := 0
		for _, p := range pieces {
			if p == "" {
				continue
			}
			i := strings.Index(part[cursor:], p)
			if i < 0 { // gse changed the text: skip it rather than lie about offsets
				continue
			}
			start := c.start + cursor + i
			end := start + len(p)
			cursor = end - c.start
			for _, sp := range splitMixed(norm[start:end], start) {
				if !searchable(sp.term) {
					continue
				}
				pos++
				tokens = append(tokens, Token{Term: sp.term, Start: n.orig(sp.start), End: n.orig(sp.end), Position: pos, Kind: KindWord})
				if mode == IndexMode {
					tokens = s.appendSubwords(tokens, &n, norm, sp.start, sp.end, pos, w)
				}
			}
		}
	}
	return tokens, nil
}

type span struct {
	term       string
	start, end int
}

// splitMixed splits a gse piece where Han characters meet other letters or
// digits ("200亿" stays one piece in gse's HMM output for some inputs; as a
// search term it is better as 200 and 亿). Pieces of one script pass through.
func splitMixed(p string, base int) []span {
	var out []span
	start := 0
	prevHan := false
	for i, r := range p {
		h := isHan(r)
		if i > 0 && h != prevHan && (unicode.IsLetter(r) || unicode.IsNumber(r)) {
			out = append(out, span{p[start:i], base + start, base + i})
			start = i
		}
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			prevHan = h
		}
	}
	return append(out, span{p[start:], base + start, base + len(p)})
}

// appendSubwords adds the dictionary words found inside the word
// norm[start:end] (at least three characters long) at position pos. From
// each character it extends a candidate only while the dictionary holds a
// word starting with it (gse's Find reports a prefix with frequency 0),
// and never past maxSubwordRunes: the work is linear in the word, not
// quadratic (a 100,000-letter "word" took minutes).
func (s *Segmenter) appendSubwords(tokens []Token, n *normalized, norm string, start, end, pos int, w *work) []Token {
	word := norm[start:end]
	if utf8.RuneCountInString(word) < 3 {
		return tokens
	}
	var offs []int
	for i := range word {
		offs = append(offs, i)
	}
	offs = append(offs, len(word))
	runes := len(offs) - 1
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i := 0; i < runes; i++ {
		for j := i + 2; j <= runes && j-i < runes && j-i <= maxSubwordRunes; j++ {
			sub := word[offs[i]:offs[j]]
			if w != nil {
				w.finds++
			}
			freq, _, ok := s.gse.Find(sub)
			if !ok {
				break // no dictionary word starts with sub
			}
			if freq <= 0 {
				continue
			}
			tokens = append(tokens, Token{
				Term: sub, Start: n.orig(start + offs[i]), End: n.orig(start + offs[j]),
				Position: pos, Kind: KindSubword,
			})
		}
	}
	return tokens
}

// Bigrams yields the recall-path tokens of text: one token per Han
// character at its own position, the bigram of it and the next character
// of its run, or the character alone (unigram) when it ends its run; other
// letters and digits as whole lower-cased words. Punctuation and spaces
// take no position, and no bigram spans them. Every character of a run is
// thus the first character of exactly one term: a substring of two or more
// characters is the phrase of its bigrams (RecallPhrase), a single
// character is any term starting with it (OpenEnd).
func Bigrams(text []byte) []Token {
	n := normalize(text)
	runes := len(n.normStart) - 1
	tokens := make([]Token, 0, runes)
	pos := 0
	for i := 0; i < runes; {
		r, _ := utf8.DecodeRune(n.norm[n.normStart[i]:])
		switch {
		case isHan(r):
			j := i
			for j < runes {
				c, _ := utf8.DecodeRune(n.norm[n.normStart[j]:])
				if !isHan(c) {
					break
				}
				j++
			}
			for k := i; k < j; k++ {
				pos++
				if k+1 < j {
					tokens = append(tokens, Token{
						Term: string(n.norm[n.normStart[k]:n.normStart[k+2]]), Start: n.origStart[k], End: n.origStart[k+2],
						Position: pos, Kind: KindBigram,
					})
					continue
				}
				tokens = append(tokens, Token{
					Term: string(n.norm[n.normStart[k]:n.normStart[k+1]]), Start: n.origStart[k], End: n.origStart[k+1],
					Position: pos, Kind: KindUnigram,
				})
			}
			i = j
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			j := i
			for j < runes {
				c, _ := utf8.DecodeRune(n.norm[n.normStart[j]:])
				if isHan(c) || !(unicode.IsLetter(c) || unicode.IsNumber(c)) {
					break
				}
				j++
			}
			pos++
			tokens = append(tokens, Token{
				Term: string(n.norm[n.normStart[i]:n.normStart[j]]), Start: n.origStart[i], End: n.origStart[j],
				Position: pos, Kind: KindWord,
			})
			i = j
		default:
			i++
		}
	}
	return tokens
}

// RecallPhrase turns query text into the recall-field phrase that finds
// it as an exact substring: one term per position, the bigram starting
// there, a character standing alone, or a Latin word; "" marks a position
// already covered by the previous bigram (bleve's phrase search skips it).
// Punctuation and spaces are ignored, as at index time. When OpenEnd
// reports true for the result, its last term is a lone character that the
// index may hold as the first character of a bigram: it must be matched
// as a prefix.
func RecallPhrase(text string) []string {
	toks := Bigrams([]byte(text))
	var terms []string
	covered := false // the previous position's bigram covers this one
	for _, t := range toks {
		switch {
		case t.Kind == KindUnigram && covered:
			terms = append(terms, "")
		default:
			terms = append(terms, t.Term)
		}
		covered = t.Kind == KindBigram
	}
	for len(terms) > 0 && terms[len(terms)-1] == "" {
		terms = terms[:len(terms)-1]
	}
	return terms
}

// OpenEnd reports whether the last term of a recall phrase is a single Han
// character, which the index holds alone only where its run ends and as
// the start of a bigram elsewhere: search it as a prefix. Elsewhere in a
// phrase a lone character is followed, in the query, by something that is
// not a Han character, so the text must hold it alone too.
func OpenEnd(terms []string) bool {
	if len(terms) == 0 {
		return false
	}
	last := terms[len(terms)-1]
	r, size := utf8.DecodeRuneInString(last)
	return size == len(last) && isHan(r)
}

// String names the mode as the analyze API takes it.
func (m Mode) String() string {
	if m == QueryMode {
		return "query"
	}
	return "index"
}

// ParseMode reads a mode name: "index" (the default for "") or "query".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "index":
		return IndexMode, nil
	case "query":
		return QueryMode, nil
	}
	return IndexMode, fmt.Errorf("unknown analysis mode %q: use index or query", s)
}

// Explained is a token as the analyze tools show it, with the index field
// family it goes to ("words": the word fields, title and w; "recall": the
// bigram field, bg) and,
// in query mode, whether it is a stop word a plain query does not require.
type Explained struct {
	Token
	Field string `json:"field"`
	Stop  bool   `json:"stop,omitempty"`
}

// Explain is what the analyze tools show: in IndexMode every token the
// index stores for text (words and sub-words of the word fields, then the
// bigrams, unigrams and Latin words of the recall field, which keep their
// own positions); in QueryMode the words a query looks for.
func Explain(s *Segmenter, text []byte, mode Mode) []Explained {
	out := []Explained{}
	for _, t := range s.Analyze(text, mode) {
		out = append(out, Explained{Token: t, Field: "words", Stop: mode == QueryMode && IsStopWord(t.Term)})
	}
	if mode == IndexMode {
		for _, t := range Bigrams(text) {
			out = append(out, Explained{Token: t, Field: "recall"})
		}
	}
	return out
}
