package index

import (
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2/document"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/zhsearch/zhsearch/query"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// Matching without an index, where the terms decide.
//
// Building the in-memory index of a batch (match.go) costs about as much
// CPU as writing the batch to the real index did: with a thousand saved
// searches that alone broke the budget of issue 20 (matching may cost at
// most a quarter of the indexing throughput). Most saved searches, and
// most pairs of a saved search and an article, are decided by the terms
// the article's analysis already produced:
//
//   - Every saved search has a plan, made once and kept until the
//     dictionary or the synonym list changes: clauses of terms an article
//     must hold to match (each clause: any of its terms, in the recall or
//     the word field), and, for a search of plain words (no scope, phrase,
//     negation, OR or synonym group), the exact condition: each word
//     occurs as its recall phrase, consecutive positions of one element
//     (as phrase.go and text.go match it), or, for a word that also
//     matches as a word (needsWord), in the word field.
//   - The batch's terms are read once into postings (term → articles).
//     A saved search's candidates are the articles that satisfy its
//     clauses; a plain one is then decided on its candidates' term
//     locations. The others run, as before, on an in-memory index, built
//     only of the articles some of them may match.
//
// An article a saved search matches always satisfies its clauses, so the
// in-memory index still holds every article a search may find there, and
// Match still finds exactly what Search would (match_test.go compares
// both on many generated queries).

// atom is a term in a field an article may hold.
type atom struct {
	words bool // the word field; else the recall field
	term  string
}

// wordCheck is the exact condition of one plain word: its recall phrase
// (no gap, no open end) at consecutive positions of one element, or soft
// (if not "") in the word field.
type wordCheck struct {
	recall []string
	soft   string
}

// plan is what a saved search's query requires of an article.
type plan struct {
	clauses [][]atom // each: any of its atoms; nil: no condition known
	checks  []wordCheck
	exact   bool // checks (all of them) are the whole condition
}

// planCache keeps the plans of saved searches; Match reads it.
type planCache struct {
	mu    sync.Mutex
	plans map[planKey]*planEntry
}

type planKey struct {
	query   string
	phrases bool
}

type planEntry struct {
	gen uint64   // ix.dictGen it was made with
	syn Expander // the synonyms it was made with
	p   *plan
}

// maxPlans bounds the cache (alert.MaxAlerts keeps 10,000 alerts): past
// it the cache starts again empty.
const maxPlans = 20000

// sameExpander reports whether two synonym lists are the same one
// (synonym.Set is immutable: a change makes a new one). A list of a type
// that cannot be compared is never the same.
func sameExpander(a, b Expander) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && a == b
}

// planOf returns the plan of r's query, from the cache when the
// dictionary and the synonyms are those it was made with.
func (ix *Index) planOf(r Request) (*plan, error) {
	key := planKey{r.Query, r.SynonymPhrases}
	gen := ix.dictGen.Load()
	c := &ix.plans
	c.mu.Lock()
	e := c.plans[key]
	c.mu.Unlock()
	if e != nil && e.gen == gen && sameExpander(e.syn, r.Synonyms) {
		return e.p, nil
	}
	p, err := ix.makePlan(r)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.plans == nil || len(c.plans) >= maxPlans {
		c.plans = map[planKey]*planEntry{}
	}
	c.plans[key] = &planEntry{gen: gen, syn: r.Synonyms, p: p}
	c.mu.Unlock()
	return p, nil
}

// makePlan analyses r's query as compile does. A query that does not
// parse is an error (as matchOne reports it); one that does not compile
// gets a plan with no condition, so that the in-memory index reports its
// error.
func (ix *Index) makePlan(r Request) (*plan, error) {
	tree, err := query.Parse(r.Query)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
	}
	tree, syn, _ := synonymGroups(tree, r.Synonyms, r.SynonymPhrases)
	c := compiler{typ: TypeArticle, seg: ix.seg, synonyms: syn}
	p, ok := c.plan(tree)
	if !ok {
		return &plan{}, nil
	}
	return p, nil
}

// plan derives the plan of a query tree; ok is false when some text has
// nothing to search for (the compiler's error).
func (c *compiler) plan(q query.Q) (p *plan, ok bool) {
	switch q := q.(type) {
	case *query.Text:
		return c.textPlan(q)
	case *query.And:
		p = &plan{exact: true}
		stop := c.stopOnlyClauses(q.Children)
		for i, ch := range q.Children {
			if stop[i] { // not required (compile makes it a should clause)
				continue
			}
			if _, neg := ch.(*query.Not); neg {
				p.exact = false
				continue
			}
			cp, ok := c.plan(ch)
			if !ok {
				return nil, false
			}
			p.clauses = append(p.clauses, cp.clauses...)
			p.checks = append(p.checks, cp.checks...)
			p.exact = p.exact && cp.exact
		}
		return p, true
	case *query.Or:
		// An article matching the OR matches one child, so it holds one
		// of the terms of a clause of each child: the union of one
		// clause of each is a clause, if every child has one.
		var union []atom
		for _, ch := range q.Children {
			cp, ok := c.plan(ch)
			if !ok {
				return nil, false
			}
			if len(cp.clauses) == 0 {
				return &plan{}, true
			}
			union = append(union, slices.MinFunc(cp.clauses, func(a, b []atom) int { return len(a) - len(b) })...)
		}
		return &plan{clauses: [][]atom{union}}, true
	}
	return &plan{}, true // NOT alone, or anything new: no condition known
}

// textPlan is the plan of one text clause: the terms its words need, as
// text compiles them.
func (c *compiler) textPlan(t *query.Text) (*plan, bool) {
	scoped := t.Field != ""
	if scoped && t.Field != "title" && t.Field != "body" {
		return &plan{}, true // keywords, pinyin: no text condition
	}
	p := &plan{exact: !scoped && !t.Phrase}
	if t.Phrase {
		recall := tokenizer.RecallPhrase(t.Text)
		if len(recall) == 0 {
			return nil, false
		}
		if tokenizer.OpenEnd(recall) {
			recall = recall[:len(recall)-1]
		}
		for _, r := range recall {
			if r != "" {
				p.clauses = append(p.clauses, []atom{{term: r}})
			}
		}
		return p, true
	}
	words, _ := c.tokensOf(t.Text)
	if len(words) == 0 {
		return nil, false
	}
	for _, tok := range words {
		w := tok.Term
		soft := ""
		if needsWord(w) || t.Field == "title" { // title: every word also as a title word
			soft = w
		}
		recall := tokenizer.RecallPhrase(wordContext(t.Text, tok))
		exact, open := true, tokenizer.OpenEnd(recall)
		if open { // its last term is a prefix: no condition on it
			recall, exact = recall[:len(recall)-1], false
		}
		if len(recall) == 0 || slices.Contains(recall, "") {
			exact = false
		}
		if exact {
			p.checks = append(p.checks, wordCheck{recall: recall, soft: soft})
		}
		p.exact = p.exact && exact
		for _, r := range recall {
			if r == "" {
				continue
			}
			cl := []atom{{term: r}}
			if soft != "" {
				cl = append(cl, atom{words: true, term: soft})
			}
			p.clauses = append(p.clauses, cl)
		}
		if len(recall) == 0 && soft != "" && !open {
			p.clauses = append(p.clauses, []atom{{words: true, term: soft}})
		}
	}
	return p, true
}

// hasFilters reports whether a standing request filters by more than its
// query (filters are applied by the in-memory index).
func hasFilters(r Request) bool {
	return r.Since != "" || r.Until != "" || len(r.Sections) > 0 || len(r.Authors) > 0 ||
		len(r.Tags) > 0 || len(r.Sources) > 0
}

// batchTerms are the terms of a batch's articles: for each term of the
// recall and the word field, the articles (indexes into docs) holding it,
// increasing.
type batchTerms struct {
	docs   []*document.Document
	recall map[string][]int32
	words  map[string][]int32
}

// textFreqs returns a text field's analysis, analysing it if the write
// did not (WrittenOf's documents).
func textFreqs(f document.Field) bleveindex.TokenFrequencies {
	tf := f.AnalyzedTokenFrequencies()
	if tf == nil {
		f.Analyze()
		tf = f.AnalyzedTokenFrequencies()
	}
	return tf
}

func newBatchTerms(docs []*document.Document) *batchTerms {
	bt := &batchTerms{docs: docs, recall: map[string][]int32{}, words: map[string][]int32{}}
	add := func(m map[string][]int32, term string, d int32) {
		l := m[term]
		if n := len(l); n == 0 || l[n-1] != d {
			m[term] = append(l, d)
		}
	}
	for i, doc := range docs {
		d := int32(i)
		for _, f := range doc.Fields {
			var m map[string][]int32
			switch f.Name() {
			case fieldRecall:
				m = bt.recall
			case fieldWords:
				m = bt.words
			default:
				continue
			}
			for term := range textFreqs(f) {
				add(m, term, d)
			}
		}
	}
	return bt
}

// candidates are the articles that satisfy every clause, increasing; all
// articles when there is no clause.
func (bt *batchTerms) candidates(clauses [][]atom) []int32 {
	var cur []int32
	for i, cl := range clauses {
		var any []int32
		for _, a := range cl {
			m := bt.recall
			if a.words {
				m = bt.words
			}
			any = unionSorted(any, m[a.term])
		}
		if i == 0 {
			cur = any
		} else {
			cur = intersectSorted(cur, any)
		}
		if len(cur) == 0 {
			return nil
		}
	}
	if len(clauses) == 0 {
		cur = make([]int32, len(bt.docs))
		for i := range cur {
			cur[i] = int32(i)
		}
	}
	return cur
}

// holds reports whether article d satisfies every check: each word's
// recall phrase at consecutive positions of one element, or its soft
// word in the word field.
func (bt *batchTerms) holds(d int32, checks []wordCheck) bool {
	doc := bt.docs[d]
	for _, ch := range checks {
		if ch.soft != "" {
			if _, ok := slices.BinarySearch(bt.words[ch.soft], d); ok {
				continue
			}
		}
		found := false
		for _, f := range doc.Fields {
			if f.Name() == fieldRecall && phraseIn(textFreqs(f), ch.recall) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// phraseIn reports whether terms occur at consecutive positions of one
// element's analysis.
func phraseIn(tf bleveindex.TokenFrequencies, terms []string) bool {
	first := tf[terms[0]]
	if first == nil {
		return false
	}
	if len(terms) == 1 {
		return true
	}
	rest := make([]*bleveindex.TokenFreq, len(terms)-1)
	for i, t := range terms[1:] {
		if rest[i] = tf[t]; rest[i] == nil {
			return false
		}
	}
next:
	for _, l := range first.Locations {
		for i, r := range rest {
			if !slices.ContainsFunc(r.Locations, func(m *bleveindex.TokenLocation) bool { return m.Position == l.Position+i+1 }) {
				continue next
			}
		}
		return true
	}
	return false
}

func unionSorted(a, b []int32) []int32 {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

func intersectSorted(a, b []int32) []int32 {
	var out []int32
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}
