package index

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/zhsearch/zhsearch/query"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// compiler turns a query tree into a bleve query for one document type,
// and notes in hl what the marking of its hits needs. Compiling reads
// nothing but the tree and the compiler's inputs (typ, seg, synonyms,
// tier, broadDocs): what depends on the index (the terms a recall phrase
// with an open end stands for, whether a text is broad) is decided by the
// query's own searchers against the reader of the search that runs it
// (recallq.go, broadq.go), in that search's snapshot. compileSearch is
// the whole compilation of a search.
type compiler struct {
	typ string
	seg *tokenizer.Segmenter

	// tier is whether the search has the words tier (tier.go)
	tier bool
	// broadDocs is where a text becomes broad (broadq.go); 0: never
	broadDocs int

	synonyms map[*query.Or]bool // the ORs synonymGroups made

	// The state of one compilation: hl collects the texts the query
	// looks for, for the marks (nil: not collected); negated is the depth
	// of NOT clauses around the clause being compiled; tierClauses is how
	// many of its text clauses carry the words tier.
	hl          *highlightPlan
	negated     int
	tierClauses int
}

// compileSearch compiles the query of a search of type typ: typed is its
// tree as typed (after pinyinTexts), tree the same tree with the synonym
// groups syn of synonymGroups. It returns the bleve query (without the
// request's filters) and the plan of its hits' marks, and is a function of
// its arguments alone.
func compileSearch(seg *tokenizer.Segmenter, typ string, typed, tree query.Q, syn map[*query.Or]bool) (bq.Query, *highlightPlan, error) {
	c := compiler{typ: typ, seg: seg, tier: true, broadDocs: broadDocs, synonyms: syn, hl: newHighlightPlan(wholeTexts(typed))}
	q, err := c.compile(tree)
	if err != nil {
		return nil, nil, err
	}
	c.hl.tierClauses = c.tierClauses
	if hasOr(typed) { // a hit holds one side of an OR: one clause in the tier says words
		c.hl.tierClauses = min(c.tierClauses, 1)
	}
	return q, c.hl, nil
}

// Boosts: whole words outrank bigram-only (substring) matches, and the
// query as written (a phrase of its words, or of its bigrams) outranks its
// words apart. A title is short, so its length norm already weighs a title
// match well above a body match: a boost of 3 on top made articles that
// name a query word in the title outrank the story that holds the query
// as written. On all of xwlb (bench query, seed 9), the source article of
// a query was in the top 10 for 0.61 of word-span and 0.41 of substring
// queries with title 3 / phrase 2, and 0.77 / 0.50 with title 0.5 /
// phrase 6 (title 0: 0.78 / 0.51).
const (
	boostTitleWord   = 0.5
	boostBodyWord    = 1.0
	boostTitleRecall = 0.1
	boostBodyRecall  = 1.0
	boostPhrase      = 6.0
)

func (c *compiler) compile(q query.Q) (bq.Query, error) {
	switch q := q.(type) {
	case *query.Text:
		return c.text(q)
	case *query.Not:
		c.negated++
		child, err := c.compile(q.Child)
		c.negated--
		if err != nil {
			return nil, err
		}
		if c.typ == TypeParagraph { // decided per paragraph from the child's locations (paragraphs.go)
			return bq.NewBooleanQuery([]bq.Query{bleve.NewMatchAllQuery()}, []bq.Query{child}, nil), nil
		}
		return bq.NewBooleanQuery([]bq.Query{bleve.NewMatchAllQuery()}, nil, []bq.Query{child}), nil
	case *query.And:
		var must, should, not []bq.Query
		onlyStop := c.stopOnlyClauses(q.Children)
		for i, ch := range q.Children {
			if onlyStop[i] { // a plain query does not require its stop words
				cq, err := c.compile(ch)
				if err != nil {
					return nil, err
				}
				should = append(should, cq)
				continue
			}
			if n, ok := ch.(*query.Not); ok {
				c.negated++
				cq, err := c.compile(n.Child)
				c.negated--
				if err != nil {
					return nil, err
				}
				if c.typ == TypeParagraph { // decided per paragraph from its locations (paragraphs.go)
					should = append(should, cq)
					continue
				}
				not = append(not, cq)
				continue
			}
			cq, err := c.compile(ch)
			if err != nil {
				return nil, err
			}
			must = append(must, cq)
		}
		if len(must) == 0 {
			must = []bq.Query{bleve.NewMatchAllQuery()}
		}
		if len(not) == 0 && len(should) == 0 {
			return bleve.NewConjunctionQuery(must...), nil
		}
		return bq.NewBooleanQuery(must, should, not), nil
	case *query.Or:
		if c.synonyms[q] {
			return c.synonymGroup(q)
		}
		var any []bq.Query
		for _, ch := range q.Children {
			cq, err := c.compile(ch)
			if err != nil {
				return nil, err
			}
			any = append(any, cq)
		}
		return bleve.NewDisjunctionQuery(any...), nil
	}
	return nil, fmt.Errorf("%w: unsupported query node %T", ErrInvalidQuery, q)
}

// textFields is where a text clause looks: a word field (a word
// alternative, "" for none) and the recall field restricted to some of its
// elements ("" for none).
type textFields struct {
	word        string
	recall      string
	elems       elemFilter
	wordBoost   float64
	recallBoost float64
}

// fieldsFor lists where a clause of the given scope looks. A plain clause
// matches a word anywhere in the article (the word field, or its bigrams
// anywhere in the recall field), and a title word adds to the score;
// body: and paragraph search look at the paragraphs' bigrams alone (the
// word field does not tell elements apart, and a word of the text is
// always a run of its bigrams); title: looks at the title.
func (c *compiler) fieldsFor(scope string) []textFields {
	switch {
	case scope == "title":
		return []textFields{{fieldTitle, fieldRecall, inTitle, boostTitleWord, boostTitleRecall}}
	case scope == "body" || c.typ == TypeParagraph:
		return []textFields{{"", fieldRecall, inBody, boostBodyWord, boostBodyRecall}}
	}
	return []textFields{
		{fieldTitle, "", inAll, boostTitleWord, 0},
		{fieldWords, fieldRecall, inAll, boostBodyWord, boostBodyRecall},
	}
}

// positional reports whether a word field keeps its terms' positions, so
// that a phrase of words can match in it (newMapping).
func positional(field string) bool { return field == fieldTitle }

func keywordField(scope string) string {
	switch scope {
	case "author":
		return fieldAuthor
	case "section":
		return fieldSection
	case "tag":
		return fieldTag
	case "source":
		return fieldSource
	}
	return ""
}

func termQuery(term, field string, boost float64) bq.Query {
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

// phraseQuery matches terms at consecutive positions of one element of
// field, in the elements elems admits.
func phraseQuery(terms []string, field string, elems elemFilter, boost float64) bq.Query {
	if len(terms) == 1 && elems == inAll {
		return termQuery(terms[0], field, boost)
	}
	multi := make([][]string, len(terms))
	for i, t := range terms {
		multi[i] = []string{t}
	}
	return newPhrase(multi, field, elems, boost)
}

// recallQuery matches a recall phrase (tokenizer.RecallPhrase) in the
// elements of a recall field that elems admits. A lone final character
// (tokenizer.OpenEnd) is held by the index as the first character of
// whatever bigram starts there: it matches any term starting with it
// (openPhrase, which reads those terms from the search's reader).
func recallQuery(terms []string, field string, elems elemFilter, boost float64) bq.Query {
	if !tokenizer.OpenEnd(terms) {
		return phraseQuery(terms, field, elems, boost)
	}
	last := terms[len(terms)-1]
	if len(terms) == 1 && elems == inAll {
		q := bleve.NewPrefixQuery(last)
		q.SetField(field)
		q.SetBoost(boost)
		return q
	}
	return &openPhrase{terms: terms, field: field, elems: elems, boost: boost}
}

// text compiles a word or phrase. A word is segmented; each of its words
// must match, either as an indexed word or, for full recall, as an exact
// run of character bigrams. A phrase must match as an exact substring.
func (c *compiler) text(t *query.Text) (bq.Query, error) {
	if t.Field == query.FieldPinyin { // spelled nothing known (pinyinq.go)
		return bleve.NewMatchNoneQuery(), nil
	}
	if f := keywordField(t.Field); f != "" {
		return termQuery(strings.TrimSpace(t.Text), f, 1), nil
	}
	if c.negated == 0 {
		c.hl.mark(t.Field, strings.TrimSpace(t.Text))
	}
	fields := c.fieldsFor(t.Field)
	if t.Phrase {
		recall := tokenizer.RecallPhrase(t.Text)
		if len(recall) == 0 {
			return nil, fmt.Errorf("%w: phrase %q has nothing to search for", ErrInvalidQuery, t.Text)
		}
		var must []bq.Query
		var boost []bq.Query
		words := c.termsOf(t.Text)
		if c.negated == 0 {
			c.hl.words(t.Field, words...)
		}
		for _, f := range fields {
			if f.recall != "" {
				must = append(must, recallQuery(recall, f.recall, f.elems, f.recallBoost))
			}
			switch {
			case len(words) == 0 || f.word == "" || f.word == fieldWords:
			case positional(f.word):
				boost = append(boost, phraseQuery(words, f.word, inAll, f.wordBoost*boostPhrase))
			default: // the recall phrase holds the order: here, all the words
				boost = append(boost, allTermsQuery(words, f.word, f.wordBoost*boostPhrase))
			}
		}
		var tier bq.Query
		if t.Field != "title" && len(words) > 0 { // the phrase holds: are its words words?
			tier = &constScore{q: allTermsQuery(words, fieldWords, 1), score: tierScore}
		}
		return c.withTier(bq.NewBooleanQuery([]bq.Query{bleve.NewDisjunctionQuery(must...)}, boost, nil), tier), nil
	}
	words, all := c.tokensOf(t.Text)
	if len(words) == 0 {
		return nil, fmt.Errorf("%w: %q has nothing to search for", ErrInvalidQuery, t.Text)
	}
	if c.negated == 0 {
		for _, tok := range words {
			c.hl.mark(t.Field, t.Text[tok.Start:tok.End])
			c.hl.words(t.Field, tok.Term)
		}
	}
	tier := t.Field != "title" && c.tier && c.negated == 0
	if tier {
		c.tierClauses++
	}
	narrow, ok := c.fastText(t, words, all, fields, tier)
	matters := ok // whether a broad text compiles otherwise
	if !ok {
		narrow, matters = wordsText(t, words, all, fields, tier, false)
	}
	if !matters || c.broadDocs <= 0 {
		return narrow, nil
	}
	return &broadText{narrow: narrow, text: t, words: words, all: all, fields: fields, tier: tier, docs: uint64(c.broadDocs)}, nil
}

// wordsText compiles a plain text word by word, for a search where it is
// broad (broadq.go) or not: a broad text finds a word of three or more
// characters through its bigrams without their positions, and ranks
// without the phrase of the whole text in bodies. tier says whether the
// text gets the words tier. matters reports whether broad changes what it
// compiles to.
func wordsText(t *query.Text, words []tokenizer.Token, all []string, fields []textFields, tier, broad bool) (q bq.Query, matters bool) {
	var must []bq.Query
	for _, tok := range words {
		w := tok.Term
		var alts []bq.Query
		recall := tokenizer.RecallPhrase(wordContext(t.Text, tok))
		for _, f := range fields {
			// a Han word matches through its bigrams (the word field
			// holds nothing they miss), but some words also as words
			// (needsWord). The word field keeps no frequencies: such a
			// match scores its boost.
			switch {
			case (f.word == fieldWords || f.word == "") && f.recall != "" && needsWord(w):
				alts = append(alts, &constScore{q: termQuery(w, fieldWords, 1), score: f.wordBoost})
			case f.word != "" && f.word != fieldWords:
				alts = append(alts, termQuery(w, f.word, f.wordBoost))
			}
			switch {
			case f.recall == "" || len(recall) == 0:
			case len(recall) > 1 && !tokenizer.OpenEnd(recall) && f.elems == inAll:
				matters = true
				if broad {
					alts = append(alts, allTermsQuery(recall, f.recall, f.recallBoost))
					break
				}
				alts = append(alts, recallQuery(recall, f.recall, f.elems, f.recallBoost))
			default:
				alts = append(alts, recallQuery(recall, f.recall, f.elems, f.recallBoost))
			}
		}
		must = append(must, bleve.NewDisjunctionQuery(alts...))
	}
	var should []bq.Query
	var tierQ bq.Query // tier.go
	if t.Field != "title" {
		tierQ = &constScore{q: allTermsQuery(all, fieldWords, 1), score: tierScore}
	}
	if len(all) > 1 {
		// the whole text, in order: as a substring (a phrase of bigrams,
		// which also holds where segmentation differs: 二七经开区位居
		// segments apart), and as words in titles.
		// (for ranking only: a lone final character is left out rather
		// than expanded to every term starting with it)
		recall := tokenizer.RecallPhrase(t.Text)
		if tokenizer.OpenEnd(recall) {
			recall = recall[:len(recall)-1]
			for len(recall) > 0 && recall[len(recall)-1] == "" {
				recall = recall[:len(recall)-1]
			}
		}
		for _, f := range fields {
			if positional(f.word) {
				should = append(should, phraseQuery(all, f.word, inAll, f.wordBoost*boostPhrase))
			}
			if f.recall != "" && len(recall) > 0 {
				matters = true
				if broad {
					continue
				}
				rq := recallQuery(recall, f.recall, f.elems, f.wordBoost*boostPhrase)
				if tierQ != nil { // the phrase ranks; with the words as words, it is the tier
					tierQ = &tiered{q: rq, words: allTermsQuery(all, fieldWords, 0), bonus: tierScore}
					continue
				}
				should = append(should, rq)
			}
		}
	}
	var text bq.Query = bleve.NewConjunctionQuery(must...)
	if len(should) > 0 {
		text = bq.NewBooleanQuery([]bq.Query{text}, should, nil)
	}
	if tier && tierQ != nil { // counted by text
		text = bq.NewBooleanQuery([]bq.Query{text}, []bq.Query{tierQ}, nil)
	}
	return text, matters
}

// fastText compiles a plain text to one textQuery (text.go) when it can:
// every word a recall phrase without an open end. Titles are elements of
// the recall field like the rest: a title clause of words as well (a boost
// for the query's words in titles) ranked the protocol's source articles
// lower (top 10 of 500 queries on 20,000 xwlb articles: 0.904 / 0.636
// with it, 0.912 / 0.644 without) and cost 10 % of the search time. tier
// says whether the text gets the words tier.
func (c *compiler) fastText(t *query.Text, words []tokenizer.Token, all []string, fields []textFields, tier bool) (bq.Query, bool) {
	tq := &textQuery{wholeBoost: boostPhrase}
	for _, f := range fields {
		switch {
		case f.recall != "" && tq.field != "":
			return nil, false
		case f.recall != "":
			tq.field, tq.elems, tq.boost = f.recall, f.elems, f.recallBoost
		}
	}
	hard := 0
	for _, tok := range words {
		recall := tokenizer.RecallPhrase(wordContext(t.Text, tok))
		if len(recall) == 0 || tokenizer.OpenEnd(recall) {
			return nil, false
		}
		tq.words = append(tq.words, recall)
		soft := ""
		if needsWord(tok.Term) {
			soft = tok.Term
		} else {
			hard++
		}
		tq.soft = append(tq.soft, soft)
	}
	if tq.field == "" || hard == 0 || (hard < len(words) && c.typ == TypeParagraph) {
		// (paragraph search derives its hits from every word's phrase
		// locations: soft words go through the general path there)
		return nil, false
	}
	if len(all) > 1 {
		// the whole text, in order, ranks (a lone final character is left
		// out rather than expanded to every term starting with it)
		whole := tokenizer.RecallPhrase(t.Text)
		if tokenizer.OpenEnd(whole) {
			whole = whole[:len(whole)-1]
			for len(whole) > 0 && whole[len(whole)-1] == "" {
				whole = whole[:len(whole)-1]
			}
		}
		if len(whole) > 0 {
			tq.whole = whole
		}
	}
	if tier {
		tq.tier = allTermsQuery(all, fieldWords, 1)
	}
	return tq, true
}

// needsWord reports whether a query word can be in a text that its recall
// phrase misses, so that it must also match as a word: a word with
// letters or digits (the recall field keeps a run of them whole: 3.5 of
// 3.5ghz is no recall term), and a single character (its recall phrase is
// the bigram with its neighbour in the query, 日郑 of 日郑州, which a text
// breaks with punctuation: 28日，郑州).
func needsWord(w string) bool {
	n := 0
	for _, r := range w {
		if !unicode.Is(unicode.Han, r) {
			return true
		}
		n++
	}
	return n == 1
}

// allTermsQuery requires every term (of a recall phrase, or words), at any
// position; "" entries are skipped.
func allTermsQuery(terms []string, field string, boost float64) bq.Query {
	var qs []bq.Query
	for _, t := range terms {
		if t != "" {
			qs = append(qs, termQuery(t, field, boost))
		}
	}
	return bleve.NewConjunctionQuery(qs...)
}

// tokensOf analyses query text once: words are its precise-mode words
// with their offsets, stop words left out unless the text holds nothing
// else; all are the terms of every word, stop words included.
func (c *compiler) tokensOf(text string) (words []tokenizer.Token, all []string) {
	toks := c.seg.Analyze([]byte(text), tokenizer.QueryMode)
	for _, t := range toks {
		all = append(all, t.Term)
		if !tokenizer.IsStopWord(t.Term) {
			words = append(words, t)
		}
	}
	if len(words) == 0 {
		words = toks
	}
	return words, all
}

// wordContext is the text whose recall phrase a query word must match. It
// is the word itself, except for a word of one Han character: alone it
// would have to match every recall term starting with it (the index holds
// a character as the start of a bigram, tokenizer.Bigrams), thousands of
// terms for a common one. Joined to the Han character next to it in the
// query it is one bigram, which every text holding the query's words as
// written holds too.
func wordContext(text string, tok tokenizer.Token) string {
	w := text[tok.Start:tok.End]
	r, size := utf8.DecodeRuneInString(w)
	if size != len(w) || !unicode.Is(unicode.Han, r) {
		return w
	}
	if next, n := utf8.DecodeRuneInString(text[tok.End:]); n > 0 && unicode.Is(unicode.Han, next) {
		return text[tok.Start : tok.End+n]
	}
	if prev, n := utf8.DecodeLastRuneInString(text[:tok.Start]); n > 0 && unicode.Is(unicode.Han, prev) {
		return text[tok.Start-n : tok.End]
	}
	return w
}

// termsOf analyses query text into word terms (query mode), stop words
// included.
func (c *compiler) termsOf(text string) []string {
	toks := c.seg.Analyze([]byte(text), tokenizer.QueryMode)
	all := make([]string, len(toks))
	for i, t := range toks {
		all[i] = t.Term
	}
	return all
}

// stopOnlyClauses marks the children of an AND that are plain words made
// only of stop words (的, 是 …), when some other child is not: those are
// not required to match. A query of stop words alone still requires them.
func (c *compiler) stopOnlyClauses(children []query.Q) []bool {
	marks := make([]bool, len(children))
	other := false
	for i, ch := range children {
		t, ok := ch.(*query.Text)
		if ok && !t.Phrase && t.Field == "" && c.onlyStopWords(t.Text) {
			marks[i] = true
			continue
		}
		if _, neg := ch.(*query.Not); !neg {
			other = true
		}
	}
	if !other {
		return make([]bool, len(children))
	}
	return marks
}

// onlyStopWords reports whether text analyses to stop words only.
func (c *compiler) onlyStopWords(text string) bool {
	toks := c.seg.Analyze([]byte(text), tokenizer.QueryMode)
	for _, t := range toks {
		if !tokenizer.IsStopWord(t.Term) {
			return false
		}
	}
	return len(toks) > 0
}
