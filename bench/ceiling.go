package bench

import (
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// KindCeiling is the best "source in top 10" any ranking can reach for
// one kind of query, given how the queries are drawn.
//
// The corpus repeats itself: 新闻联播 transcripts share whole sentences,
// so many queries are held verbatim by dozens or thousands of articles,
// and nothing in the text says which of them the generator cut the query
// from. What can be known is the probability of each: the generator picks
// an article uniformly, then a paragraph uniformly, then a span uniformly
// among the paragraph's spans of that length (drawSpan, drawSubstring),
// so an article's chance to be the source of query text q is proportional
// to
//
//	1/paragraphs(a) × Σ over its paragraphs p of spans(p, q) / spans(p)
//
// where spans(p, q) counts the spans of p the generator could draw that
// read q, and spans(p) those of that length. A ranking that orders the
// articles holding q by this weight puts the source in its top 10 with
// the top 10's share of the total weight, and no ranking does better in
// expectation: InTop10 is that share, averaged over the queries.
type KindCeiling struct {
	InTop10 float64 `json:"in_top10"`
	// Ambiguous counts queries held verbatim by more than 10 articles:
	// where even a perfect ranking can miss the source.
	Ambiguous int `json:"ambiguous"`
}

// Ceiling computes the KindCeiling of each query kind in queries, on the
// corpus they were drawn from (docs) with the generator's segmentation
// (words). It reads every paragraph once per query, on all cores: about
// 35 s for 500 queries on all of xwlb (106 MB) on 2 cores.
func Ceiling(docs []Doc, words WordsFunc, queries []Query) map[string]KindCeiling {
	shares := make([]float64, len(queries))
	holders := make([]int, len(queries))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				shares[i], holders[i] = queryCeiling(docs, words, queries[i])
			}
		}()
	}
	for i := range queries {
		next <- i
	}
	close(next)
	wg.Wait()
	out := map[string]KindCeiling{}
	n := map[string]int{}
	for i, q := range queries {
		k := out[q.Kind]
		k.InTop10 += shares[i]
		if holders[i] > 10 {
			k.Ambiguous++
		}
		out[q.Kind] = k
		n[q.Kind]++
	}
	for kind, k := range out {
		k.InTop10 /= float64(n[kind])
		out[kind] = k
	}
	return out
}

// queryCeiling is the top 10's share of the source weight of q's holders,
// and the number of holders (articles with a span that reads q).
func queryCeiling(docs []Doc, words WordsFunc, q Query) (float64, int) {
	var weights []float64
	for _, w := range sourceWeights(docs, words, q) {
		if w > 0 {
			weights = append(weights, w)
		}
	}
	if len(weights) == 0 {
		return 0, 0
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(weights)))
	total, top := 0.0, 0.0
	for i, w := range weights {
		total += w
		if i < 10 {
			top += w
		}
	}
	return top / total, len(weights)
}

// sourceWeights are, for each article of docs, a weight proportional to
// the chance that it is the source of q's text (0: it cannot be).
func sourceWeights(docs []Doc, words WordsFunc, q Query) []float64 {
	out := make([]float64, len(docs))
	for i := range docs {
		d := &docs[i]
		w := 0.0
		for _, p := range d.Paragraphs {
			if strings.Contains(p, q.Text) {
				w += paragraphWeight(p, q, words)
			}
		}
		out[i] = w / float64(len(d.Paragraphs))
	}
	return out
}

// paragraphWeight is spans(p, q) / spans(p), summed over the span lengths
// that can read q: the chance that the generator, having picked p, draws
// q from it (up to a factor common to all paragraphs).
func paragraphWeight(p string, q Query, words WordsFunc) float64 {
	if q.Kind == KindSubstring {
		l := utf8.RuneCountInString(q.Text)
		rs := utf8.RuneCountInString(p)
		if rs < l {
			return 0
		}
		return float64(countOverlapping(p, q.Text)) / float64(rs-l+1)
	}
	ws := words(p)
	w := 0.0
	for k := 2; k <= 4; k++ {
		if len(ws) < k {
			continue
		}
		hits := 0
		for i := 0; i+k <= len(ws); i++ {
			if p[ws[i].Start:ws[i+k-1].End] == q.Text && validSpan(p, ws[i:i+k]) {
				hits++
			}
		}
		w += float64(hits) / float64(len(ws)-k+1)
	}
	return w
}

// validSpan is the test a drawn word span passes (drawSpan; Ceiling
// counts the spans it could have drawn with it): Han words, each right
// after the other, 4 characters or more in all.
func validSpan(p string, ws []Span) bool {
	for j, s := range ws {
		if !allHan(p[s.Start:s.End]) || (j > 0 && s.Start != ws[j-1].End) {
			return false
		}
	}
	return utf8.RuneCountInString(p[ws[0].Start:ws[len(ws)-1].End]) >= 4
}

// countOverlapping counts the occurrences of sub in s, overlapping ones
// too (哈哈 twice in 哈哈哈), as the substring generator can draw each.
func countOverlapping(s, sub string) int {
	n := 0
	for {
		i := strings.Index(s, sub)
		if i < 0 {
			return n
		}
		n++
		_, size := utf8.DecodeRuneInString(s[i:])
		s = s[i+size:]
	}
}
