package index

import (
	"context"
	"fmt"
	"sort"
	"unicode"
	"unicode/utf8"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// Limits of Examples.
const (
	DefaultExamples = 3
	MaxExamples     = 10
	// exampleTitles is how many of the newest articles' titles Examples
	// reads: enough for words that recur in the news of the day.
	exampleTitles = 50
)

// Examples returns up to n words to offer a reader as example queries
// (the web page's empty state): words of the newest articles' titles,
// those that stand in most of those titles first, then those that the most
// titles of the whole index hold, then the newer. A word is a word of the
// segmenter's precise mode that its dictionary holds (with the newsroom's
// words: not a guess of its hidden Markov model such as 批老旧 of
// 第1批老旧小区), as written in the title (not folded), of at least two
// characters with a Chinese one, and not a stop word; so every example
// finds at least the article it came from. An empty index has
// none. n of 0 is DefaultExamples; others out of 1..MaxExamples are
// ErrInvalidQuery.
func (ix *Index) Examples(ctx context.Context, n int) ([]string, error) {
	if n == 0 {
		n = DefaultExamples
	}
	if n < 1 || n > MaxExamples {
		return nil, fmt.Errorf("%w: size must be between 1 and %d", ErrInvalidQuery, MaxExamples)
	}
	l, err := ix.List(ctx, 1, exampleTitles)
	if err != nil {
		return nil, err
	}
	type cand struct {
		text   string // as written in the first title that has it
		recent int    // newest titles that hold it
		first  int    // the newest of them, 0 for the newest article
		titles uint64 // titles of the whole index that hold it
	}
	byTerm := map[string]*cand{}
	var order []*cand
	for i, a := range l.Articles {
		seen := map[string]bool{}
		for _, t := range ix.seg.Analyze([]byte(a.Title), tokenizer.QueryMode) {
			if t.Kind != tokenizer.KindWord || seen[t.Term] || !exampleWord(t.Term) || !ix.seg.Contains(t.Term) {
				continue
			}
			seen[t.Term] = true
			c, ok := byTerm[t.Term]
			if !ok {
				c = &cand{text: a.Title[t.Start:t.End], first: i}
				byTerm[t.Term] = c
				order = append(order, c)
			}
			c.recent++
		}
	}
	for term, c := range byTerm {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if c.titles, err = ix.titleCount(term); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		switch {
		case a.recent != b.recent:
			return a.recent > b.recent
		case a.titles != b.titles:
			return a.titles > b.titles
		}
		return a.first < b.first
	})
	out := []string{}
	for _, c := range order {
		if len(out) == n {
			break
		}
		out = append(out, c.text)
	}
	return out, nil
}

// exampleWord reports whether an analysed term makes a useful example: two
// characters or more, one of them Chinese, and not a stop word.
func exampleWord(term string) bool {
	if utf8.RuneCountInString(term) < 2 || tokenizer.IsStopWord(term) {
		return false
	}
	for _, r := range term {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// titleCount is the number of documents whose title field holds term.
func (ix *Index) titleCount(term string) (uint64, error) {
	d, err := ix.bi.FieldDictRange(fieldTitle, []byte(term), []byte(term))
	if err != nil {
		return 0, fmt.Errorf("reading the title terms: %w", err)
	}
	defer d.Close()
	var n uint64
	for {
		e, err := d.Next()
		if err != nil {
			return 0, fmt.Errorf("reading the title terms: %w", err)
		}
		if e == nil {
			return n, nil
		}
		if e.Term == term {
			n += e.Count
		}
	}
}
