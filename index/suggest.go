package index

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// Limits of Suggest.
const (
	MaxSuggestions   = 10
	maxSuggestPrefix = 64    // characters
	maxDictScan      = 20000 // dictionary entries read per field and keystroke
)

// Suggest completes a prefix (Chinese or Latin, traditional folded to
// simplified) for a search box: frequent indexed words that start with
// it, then titles that hold it (those starting with it first). At most n
// (≤ MaxSuggestions) distinct suggestions.
func (ix *Index) Suggest(ctx context.Context, prefix string, n int) ([]string, error) {
	if n <= 0 || n > MaxSuggestions {
		n = MaxSuggestions
	}
	raw := strings.TrimSpace(prefix)
	if !utf8.ValidString(raw) {
		return nil, fmt.Errorf("%w: q is not valid UTF-8", ErrInvalidQuery)
	}
	if c := utf8.RuneCountInString(raw); c > maxSuggestPrefix {
		return nil, fmt.Errorf("%w: q has %d characters; a prefix to complete has at most %d", ErrInvalidQuery, c, maxSuggestPrefix)
	}
	p := tokenizer.Normalize(raw)
	if p == "" {
		return nil, fmt.Errorf("%w: q is empty; pass the text typed so far", ErrInvalidQuery)
	}
	terms, err := ix.frequentTerms(p)
	if err != nil {
		return nil, err
	}
	titles, err := ix.titlesWith(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, n)
	seen := map[string]bool{}
	add := func(s string) {
		if len(out) < n && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	half := n / 2
	for _, t := range terms {
		if len(out) >= half {
			break
		}
		add(t)
	}
	for _, t := range titles {
		add(t)
	}
	for _, t := range terms {
		add(t)
	}
	return out, nil
}

// frequentTerms lists indexed words of titles and bodies starting with p,
// most documents first (title occurrences count three times).
func (ix *Index) frequentTerms(p string) ([]string, error) {
	counts := map[string]uint64{}
	for _, f := range []struct {
		field  string
		weight uint64
	}{{fieldTitle, 3}, {fieldWords, 1}} {
		d, err := ix.bi.FieldDictPrefix(f.field, []byte(p))
		if err != nil {
			return nil, fmt.Errorf("reading dictionary: %w", err)
		}
		for i := 0; i < maxDictScan; i++ {
			e, err := d.Next()
			if err != nil || e == nil {
				break
			}
			if e.Term == p || utf8.RuneCountInString(e.Term) < 2 || tokenizer.IsStopWord(e.Term) {
				continue
			}
			counts[e.Term] += e.Count * f.weight
		}
		d.Close()
	}
	terms := make([]string, 0, len(counts))
	for t := range counts {
		terms = append(terms, t)
	}
	sort.Slice(terms, func(i, j int) bool {
		if counts[terms[i]] != counts[terms[j]] {
			return counts[terms[i]] > counts[terms[j]]
		}
		return terms[i] < terms[j]
	})
	if len(terms) > MaxSuggestions {
		terms = terms[:MaxSuggestions]
	}
	return terms, nil
}

// titlesWith finds article titles holding p, those starting with it first.
func (ix *Index) titlesWith(ctx context.Context, p string) ([]string, error) {
	alts := []bq.Query{}
	if recall := tokenizer.RecallPhrase(p); len(recall) > 0 && recall[0] != "" {
		q, err := ix.recallQuery(recall, fieldRecall, inTitle, 1)
		if err != nil {
			return nil, err
		}
		alts = append(alts, q)
	}
	pq := bleve.NewPrefixQuery(p)
	pq.SetField(fieldTitle)
	alts = append(alts, pq)
	req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(alts...), 3*MaxSuggestions, 0, false)
	req.Fields = []string{fieldTitle}
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("suggesting titles: %w", err)
	}
	var starts, holds []string
	seen := map[string]bool{}
	for _, h := range res.Hits {
		t, _ := h.Fields[fieldTitle].(string)
		if t == "" { // an index made before titles were stored
			if a, err := ix.get(h.ID); err == nil {
				t = a.Title
			}
		}
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		nt := tokenizer.Normalize(t)
		switch {
		case strings.HasPrefix(nt, p):
			starts = append(starts, t)
		case strings.Contains(nt, p):
			holds = append(holds, t)
		}
	}
	return append(starts, holds...), nil
}
