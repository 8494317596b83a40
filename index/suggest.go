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
	// suggestSample is how many titles holding the prefix a keystroke
	// reads: they are the title suggestions, the source of phrases, and
	// where a folded word finds the form the archive writes it in.
	suggestSample = 50
	// maxPhraseWords bounds a phrase suggestion, in words.
	maxPhraseWords = 4
	// minPhraseTitles is how many sampled titles must hold a phrase for
	// it to be suggested: a sequence seen once is not one that "often
	// follows".
	minPhraseTitles = 2
	// titleWeight is how much more a title occurrence counts than one in
	// the rest of an article.
	titleWeight = 3
)

// Suggest completes a prefix (Chinese or Latin, traditional folded to
// simplified) for a search box: completions first, then titles that hold
// the prefix (those starting with it first), then the rest of the
// completions. At most n (≤ MaxSuggestions) distinct suggestions.
//
// Completions are archive words starting with the prefix and phrases of
// words that start with it (复工 → 复工复产, 新冠 → 新冠肺炎), ranked by
// how many articles hold them, a title counting titleWeight times:
//   - a word's count is exact: its document frequency in the title words'
//     dictionary × titleWeight + in the article words' dictionary;
//   - a phrase is the shortest run of title words covering the prefix,
//     extended by the next word (two characters or more, not a stop
//     word) when the run is one word or ends where the prefix ends; it comes from the suggestSample best titles holding
//     the prefix, needs minPhraseTitles of them, and its count is its
//     share of that sample × all titles holding the prefix × titleWeight
//     (an estimate of its title frequency);
//   - when no sampled title gives a phrase, the bodySample best articles
//     holding the prefix in their text give them the same way, counted
//     without titleWeight (老旧 → 老旧小区 where no title says it).
//
// A completion is shown in its most frequent original form in the texts
// read (5G, COVID, 臺灣 when the archive writes them so), not the folded
// form the index keeps (5g, covid, 台湾).
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
	counts, err := ix.frequentTerms(p)
	if err != nil {
		return nil, err
	}
	s, err := ix.sampleTitles(ctx, p)
	if err != nil {
		return nil, err
	}
	if !s.hasPhrase() {
		if err := ix.sampleBodies(ctx, p, s); err != nil {
			return nil, err
		}
	}
	comps := s.completions(p, counts)
	if len(comps) > n {
		comps = comps[:n]
	}
	if err := ix.originalForms(ctx, comps, s); err != nil {
		return nil, err
	}

	out := make([]string, 0, n)
	seen := map[string]bool{} // folded forms shown
	add := func(show string) {
		key := tokenizer.Normalize(show)
		if len(out) < n && !seen[key] {
			seen[key] = true
			out = append(out, show)
		}
	}
	half := n / 2
	for _, c := range comps {
		if len(out) >= half {
			break
		}
		add(c.show)
	}
	for _, t := range s.titles {
		add(t)
	}
	for _, c := range comps {
		add(c.show)
	}
	return out, nil
}

// frequentTerms counts the indexed words of titles and bodies starting
// with p, longer than p, of two characters or more, neither stop words
// nor numbers: documents holding them, a title titleWeight times.
func (ix *Index) frequentTerms(p string) (map[string]uint64, error) {
	counts := map[string]uint64{}
	for _, f := range []struct {
		field  string
		weight uint64
	}{{fieldTitle, titleWeight}, {fieldWords, 1}} {
		d, err := ix.bi.FieldDictPrefix(f.field, []byte(p))
		if err != nil {
			return nil, fmt.Errorf("reading dictionary: %w", err)
		}
		for i := 0; i < maxDictScan; i++ {
			e, err := d.Next()
			if err != nil || e == nil {
				break
			}
			if e.Term == p || utf8.RuneCountInString(e.Term) < 2 || tokenizer.IsStopWord(e.Term) || isNumber(e.Term) {
				continue
			}
			counts[e.Term] += e.Count * f.weight
		}
		d.Close()
	}
	return counts, nil
}

// isNumber reports whether term is a number (50, 2020, 5.6): digits and
// decimal points only. A number completes a prefix without helping a
// search.
func isNumber(term string) bool {
	for i := 0; i < len(term); i++ {
		if (term[i] < '0' || term[i] > '9') && term[i] != '.' {
			return false
		}
	}
	return true
}

// completion is a word or phrase suggested: its folded form, its count,
// and the form shown ("" until originalForms finds one).
type completion struct {
	key   string
	count uint64
	show  string
}

// titleSample is what the best titles holding a prefix tell.
type titleSample struct {
	titles  []string                  // distinct titles, those starting with p first
	phrases map[string]int            // folded phrase → sampled titles holding it
	forms   map[string]map[string]int // folded word or phrase → original form → occurrences
	first   map[string]string         // folded → the form seen first (ties)
	sampled int                       // titles read
	total   uint64                    // titles holding p in the whole index

	// phrases found in the texts of articles (sampleBodies), when the
	// titles gave none: folded phrase → sampled articles holding it
	bodyPhrases map[string]int
	bodySampled int    // articles read
	bodyTotal   uint64 // articles holding p in their text
}

// note records an original form of a folded term.
func (s *titleSample) note(key, orig string) {
	m := s.forms[key]
	if m == nil {
		m = map[string]int{}
		s.forms[key] = m
		s.first[key] = orig
	}
	m[orig]++
}

// completions merges the dictionary's words with the sample's phrases,
// best first (count, then the shorter, then byte order).
func (s *titleSample) completions(p string, counts map[string]uint64) []completion {
	all := make([]completion, 0, len(counts)+len(s.phrases))
	for t, c := range counts {
		all = append(all, completion{key: t, count: c})
	}
	for ph, k := range s.phrases {
		if k < minPhraseTitles || counts[ph] > 0 { // rare, or a word already
			continue
		}
		est := uint64(k) * s.total / uint64(s.sampled)
		all = append(all, completion{key: ph, count: max(est, uint64(k)) * titleWeight})
	}
	for ph, k := range s.bodyPhrases {
		if k < minPhraseTitles || counts[ph] > 0 || s.phrases[ph] >= minPhraseTitles {
			continue
		}
		est := uint64(k) * s.bodyTotal / uint64(max(s.bodySampled, 1))
		all = append(all, completion{key: ph, count: max(est, uint64(k))})
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.count != b.count {
			return a.count > b.count
		}
		if len(a.key) != len(b.key) {
			return len(a.key) < len(b.key)
		}
		return a.key < b.key
	})
	return all
}

// sampleTitles reads the suggestSample best article titles holding p,
// and the words and phrases in them.
func (ix *Index) sampleTitles(ctx context.Context, p string) (*titleSample, error) {
	alts := []bq.Query{}
	if recall := tokenizer.RecallPhrase(p); len(recall) > 0 && recall[0] != "" {
		alts = append(alts, recallQuery(recall, fieldRecall, inTitle, 1))
	}
	pq := bleve.NewPrefixQuery(p)
	pq.SetField(fieldTitle)
	alts = append(alts, pq)
	req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(alts...), suggestSample, 0, false)
	req.Fields = []string{fieldTitle}
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("suggesting titles: %w", err)
	}
	s := &titleSample{phrases: map[string]int{}, forms: map[string]map[string]int{}, first: map[string]string{}, total: res.Total}
	var starts, holds []string
	seen := map[string]bool{}
	for _, h := range res.Hits {
		t, _ := h.Fields[fieldTitle].(string)
		if t == "" { // an index made before titles were stored
			if a, err := ix.get(h.ID); err == nil {
				t = a.Title
			}
		}
		s.sampled++
		nt := tokenizer.Normalize(t)
		if !strings.Contains(nt, p) {
			continue
		}
		ix.readTitle(s, t, p)
		if seen[t] {
			continue
		}
		seen[t] = true
		if strings.HasPrefix(nt, p) {
			starts = append(starts, t)
		} else {
			holds = append(holds, t)
		}
	}
	s.titles = append(starts, holds...)
	if s.sampled == 0 {
		s.sampled = 1
	}
	return s, nil
}

// bodySample is how many articles holding the prefix in their text a
// keystroke reads for phrases, when the titles give none.
const bodySample = 20

// hasPhrase reports whether the titles sampled gave a phrase to suggest.
func (s *titleSample) hasPhrase() bool {
	for _, k := range s.phrases {
		if k >= minPhraseTitles {
			return true
		}
	}
	return false
}

// sampleBodies reads the bodySample best articles holding p in their
// text (not their title) and counts the phrases starting with p in their
// paragraphs, once an article: 复工 → 复工复产 where no title says it.
// Only the paragraphs holding p are segmented.
func (ix *Index) sampleBodies(ctx context.Context, p string, s *titleSample) error {
	recall := tokenizer.RecallPhrase(p)
	if len(recall) == 0 || recall[0] == "" || tokenizer.OpenEnd(recall) {
		return nil
	}
	q := recallQuery(recall, fieldRecall, inBody, 1)
	res, err := ix.bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, bodySample, 0, false))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("suggesting phrases: %w", err)
	}
	if err := ix.loadStored(res.Hits); err != nil {
		return err
	}
	s.bodyPhrases, s.bodyTotal = map[string]int{}, res.Total
	for _, h := range res.Hits {
		raw, _ := h.Fields[fieldStored].(string)
		if raw == "" {
			continue
		}
		a, err := decodeStored(h.ID, []byte(raw))
		if err != nil {
			return err
		}
		s.bodySampled++
		counted := map[string]bool{}
		for _, para := range a.Paragraphs {
			text := phraseWindow(para.Text, p)
			if text == "" {
				continue
			}
			words := ix.seg.Analyze([]byte(text), tokenizer.QueryMode)
			for i := range words {
				if !strings.HasPrefix(p, firstRunes(words[i].Term, p)) {
					continue
				}
				orig, key, ok := phraseAt(text, words[i:], p)
				if !ok {
					continue
				}
				s.note(key, orig)
				if !counted[key] {
					counted[key] = true
					s.bodyPhrases[key]++
				}
			}
		}
	}
	return nil
}

// phraseWindow is the part of a paragraph a phrase starting with p can
// come from: where the text writes p as it is, from there on for
// phraseWindowRunes characters (segmenting the whole paragraph for every
// article cost three times the keystroke); the whole paragraph when it
// holds p only folded; "" when it does not hold p.
func phraseWindow(text, p string) string {
	i := strings.Index(text, p)
	if i < 0 {
		if strings.Contains(tokenizer.Normalize(text), p) {
			return text
		}
		return ""
	}
	w := text[i:]
	n := 0
	for j := range w {
		if n == phraseWindowRunes {
			return w[:j]
		}
		n++
	}
	return w
}

// phraseWindowRunes bounds phraseWindow: maxPhraseWords words of a few
// characters each.
const phraseWindowRunes = 24

// readTitle notes the original forms of the title's words and phrases
// that start with p, and counts the phrases (once per title).
func (ix *Index) readTitle(s *titleSample, title, p string) {
	// Query mode: words without the sub-words inside them, which cost a
	// dictionary look-up each; a sub-word completion finds its form in
	// the titles by originalForms.
	words := ix.seg.Analyze([]byte(title), tokenizer.QueryMode)
	for _, tk := range words {
		if strings.HasPrefix(tk.Term, p) {
			s.note(tk.Term, title[tk.Start:tk.End])
		}
	}
	counted := map[string]bool{}
	for i := range words {
		if !strings.HasPrefix(p, firstRunes(words[i].Term, p)) {
			continue // the word does not start the prefix
		}
		orig, key, ok := phraseAt(title, words[i:], p)
		if !ok {
			continue
		}
		s.note(key, orig)
		if !counted[key] {
			counted[key] = true
			s.phrases[key]++
		}
	}
}

// firstRunes is the start of w as long as p (all of w when shorter).
func firstRunes(w, p string) string {
	if len(w) <= len(p) {
		return w
	}
	return w[:len(p)]
}

// phraseAt is the phrase starting at words[0]: the shortest run of
// adjacent words covering p, and the next word too when the run is one
// word or ends where p ends. It returns the phrase as the title writes
// it and folded; ok is false when the words do not start with p, are
// not adjacent (only nothing or a hyphen may stand between two words of
// a phrase), or would make more than maxPhraseWords.
func phraseAt(title string, words []tokenizer.Token, p string) (orig, key string, ok bool) {
	end := 0 // words[:end] cover p
	for end < len(words) && end < maxPhraseWords {
		if end > 0 && !adjacent(title, words[end-1], words[end]) {
			return "", "", false
		}
		end++
		if key = tokenizer.Normalize(title[words[0].Start:words[end-1].End]); len(key) >= len(p) {
			break
		}
	}
	if !strings.HasPrefix(key, p) {
		return "", "", false
	}
	if end == 1 || key == p {
		if end >= len(words) || end >= maxPhraseWords || !adjacent(title, words[end-1], words[end]) {
			return "", "", false
		}
		// A function word or a single character does not make a phrase
		// (习近平同…, 中国驻…, 疫苗的…): the next word must be a word a
		// search would use, or a character that makes a noun of the word
		// before it (复工率, 安全性, 经开区: suffixChars).
		if next := words[end].Term; (utf8.RuneCountInString(next) < 2 && !strings.Contains(suffixChars, next)) || tokenizer.IsStopWord(next) {
			return "", "", false
		}
		end++
	}
	orig = title[words[0].Start:words[end-1].End]
	return orig, tokenizer.Normalize(orig), true
}

// suffixChars are the single characters that, following a word, make a
// new noun of it (复工率, 安全性, 地铁站, 经开区): gse leaves them apart
// when the whole is not in its dictionary, and a phrase suggestion may end
// with one.
const suffixChars = "率性化者员业型度量区站线局费价额点界感式制法家论学馆厂院所处队组办委部厅"

// adjacent reports whether word b follows word a with nothing or a hyphen
// (COVID-19) between them.
func adjacent(title string, a, b tokenizer.Token) bool {
	gap := tokenizer.Normalize(title[a.End:b.Start])
	return gap == "" || gap == "-"
}

// originalForms sets the form shown of each completion: its most frequent
// original form among the words of the sampled titles, else anywhere in
// them, else in an article holding it (one small search for each word
// found in no sampled title), else the folded form.
func (ix *Index) originalForms(ctx context.Context, comps []completion, s *titleSample) error {
	for i := range comps {
		c := &comps[i]
		if f := bestForm(s.forms[c.key]); f != "" {
			c.show = f
			continue
		}
		inTitles := map[string]int{}
		for _, t := range s.titles {
			for _, r := range tokenizer.FindAll(t, []string{c.key}) {
				inTitles[t[r[0]:r[1]]]++
			}
		}
		if f := bestForm(inTitles); f != "" {
			c.show = f
			continue
		}
		f, err := ix.formInArticle(ctx, c.key)
		if err != nil {
			return err
		}
		c.show = f
		if f == "" {
			c.show = c.key
		}
	}
	return nil
}

// bestForm is the most frequent form, ties to the byte-smaller one.
func bestForm(m map[string]int) string {
	best, bestN := "", 0
	for f, k := range m {
		if k > bestN || k == bestN && f < best {
			best, bestN = f, k
		}
	}
	return best
}

// formInArticle finds the word term in the article that holds it best
// and returns it as the article writes it (its most frequent form
// there); "" when none does.
func (ix *Index) formInArticle(ctx context.Context, term string) (string, error) {
	tq := bleve.NewTermQuery(term)
	tq.SetField(fieldWords)
	req := bleve.NewSearchRequestOptions(tq, 1, 0, false)
	req.Fields = []string{fieldStored}
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("suggesting words: %w", err)
	}
	for _, h := range res.Hits {
		raw, _ := h.Fields[fieldStored].(string)
		if raw == "" {
			continue
		}
		a, err := decodeStored(h.ID, []byte(raw))
		if err != nil {
			return "", err
		}
		texts := []string{a.Title, a.Kicker}
		for _, pa := range a.Paragraphs {
			texts = append(texts, pa.Subhead, pa.Text)
		}
		seen := map[string]int{}
		for _, t := range texts {
			for _, r := range tokenizer.FindAll(t, []string{term}) {
				seen[t[r[0]:r[1]]]++
			}
		}
		if f := bestForm(seen); f != "" {
			return f, nil
		}
	}
	return "", nil
}
