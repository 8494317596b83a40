package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// dictKey is the internal-store key of the newsroom words the index was
// built with. They are kept inside the index, not beside it, because the
// documents were segmented with them: a query must segment the same way,
// so an index re-applies its words to its segmenter when it is opened.
const dictKey = "zhsearch/dictionary"

// ErrBadWord is wrapped by errors about words that cannot be added.
var ErrBadWord = tokenizer.ErrBadWord

// MaxWordsPerRequest bounds the words one AddWords call accepts.
const MaxWordsPerRequest = 10000

// DefaultMaxWords bounds the newsroom dictionary (the words an index
// records, see SetMaxWords) when no other bound is set. Every word costs
// memory in the segmenter for as long as the process runs, and is written
// with the index's internal values: docs/operations.md has the figure.
const DefaultMaxWords = 100000

// ErrDictionaryFull is wrapped by AddWords's error when the words would
// take the newsroom dictionary past its bound. Nothing is added then.
var ErrDictionaryFull = errors.New("the newsroom dictionary is full")

// Reindex states.
const (
	ReindexIdle    = "idle"
	ReindexRunning = "running"
	ReindexDone    = "done"
	ReindexFailed  = "failed"
)

// ReindexStatus is the progress of the background re-index that runs after
// words are added: the articles that contain a new word are analysed again
// so that the word is found whole in them too.
type ReindexStatus struct {
	State      string     `json:"state"`           // idle, running, done or failed
	Words      []string   `json:"words,omitempty"` // the words of the current or last run
	Total      int        `json:"total"`           // articles that contain them
	Done       int        `json:"done"`            // articles re-indexed so far
	Pending    int        `json:"pending"`         // words waiting for the next run
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// Dictionary is what GET /v1/dictionary shows: the words added to the
// index's segmenter beyond gse's own dictionary, and the re-index progress.
type Dictionary struct {
	Count   int              `json:"count"`
	Words   []tokenizer.Word `json:"words"`
	Reindex ReindexStatus    `json:"reindex"`
}

// AddResult says what AddWords did.
type AddResult struct {
	Added   int           `json:"added"`   // words new to the dictionary or changed
	Words   []string      `json:"words"`   // the words, normalised
	Reindex ReindexStatus `json:"reindex"` // the re-index they started
}

// reindexer runs re-indexes one after the other in one goroutine.
type reindexer struct {
	// dict is the index's newsroom dictionary as decoded at open and
	// kept up to date by AddWords, under the Index's dictMu. It lives
	// here, beside the re-index AddWords starts, because AddWords would
	// otherwise decode the whole stored list on every call.
	dict storedDict

	mu      sync.Mutex
	status  ReindexStatus
	pending []string
	running bool
	ctx     context.Context // cancelled by Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func (r *reindexer) snapshot() ReindexStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.status
	s.Words = append([]string(nil), s.Words...)
	s.Pending = len(r.pending)
	if s.State == "" {
		s.State = ReindexIdle
	}
	return s
}

// storedDict is the decoded newsroom dictionary of an index: the words
// in the order they were first recorded, the position of each, and the
// bound on their number.
type storedDict struct {
	loaded bool
	words  []tokenizer.Word
	at     map[string]int
	max    int // 0 is DefaultMaxWords
}

// load fills the dictionary from the index once; dictMu is held.
func (ix *Index) loadDict() (*storedDict, error) {
	d := &ix.reidx.dict
	if d.loaded {
		return d, nil
	}
	words, err := ix.storedWords()
	if err != nil {
		return nil, err
	}
	d.words = words
	d.at = make(map[string]int, len(words))
	for i, w := range words {
		d.at[w.Word] = i
	}
	d.loaded = true
	return d, nil
}

// SetMaxWords bounds the newsroom dictionary at n words (n <= 0 restores
// DefaultMaxWords). An AddWords that would add new words past the bound
// fails with ErrDictionaryFull; words already recorded stay, even past a
// lowered bound, and changing a known word's frequency is always allowed.
func (ix *Index) SetMaxWords(n int) {
	ix.dictMu.Lock()
	defer ix.dictMu.Unlock()
	ix.reidx.dict.max = n
}

// MaxWords is the bound SetMaxWords set.
func (ix *Index) MaxWords() int {
	ix.dictMu.Lock()
	defer ix.dictMu.Unlock()
	return ix.reidx.dict.bound()
}

func (d *storedDict) bound() int {
	if d.max <= 0 {
		return DefaultMaxWords
	}
	return d.max
}

// storedWords reads the words persisted in the index.
func (ix *Index) storedWords() ([]tokenizer.Word, error) {
	raw, err := ix.bi.GetInternal([]byte(dictKey))
	if err != nil {
		return nil, fmt.Errorf("reading the index's dictionary: %w", err)
	}
	if raw == nil {
		return nil, nil
	}
	var words []tokenizer.Word
	if err := json.Unmarshal(raw, &words); err != nil {
		return nil, fmt.Errorf("decoding the index's dictionary: %w", err)
	}
	return words, nil
}

// applyStoredWords re-applies the persisted words at open.
func (ix *Index) applyStoredWords() error {
	ix.dictMu.Lock()
	defer ix.dictMu.Unlock()
	d, err := ix.loadDict()
	if err != nil || len(d.words) == 0 {
		return err
	}
	return ix.seg.AddWords(d.words...)
}

// AddWords adds newsroom words to the index's segmenter, where they take
// effect at once for queries and for documents written from now on;
// records them in the index, so they are re-applied when it is opened
// again; and starts a background re-index of the stored articles that
// contain them (found through the bigram recall field). Words already known to the index with
// the same frequency and part of speech are left alone. An invalid word
// rejects the whole call (ErrBadWord) and changes nothing.
func (ix *Index) AddWords(ctx context.Context, words ...tokenizer.Word) (AddResult, error) {
	if err := ctx.Err(); err != nil {
		return AddResult{}, err
	}
	if len(words) == 0 {
		return AddResult{}, fmt.Errorf("%w: no words given", ErrBadWord)
	}
	if len(words) > MaxWordsPerRequest {
		return AddResult{}, fmt.Errorf("%w: %d words at once; send at most %d", ErrBadWord, len(words), MaxWordsPerRequest)
	}
	clean := make([]tokenizer.Word, len(words))
	for i, w := range words {
		c, err := tokenizer.CleanWord(w)
		if err != nil {
			return AddResult{}, fmt.Errorf("word %d: %w", i+1, err)
		}
		clean[i] = c
	}

	ix.dictMu.Lock()
	defer ix.dictMu.Unlock()
	d, err := ix.loadDict()
	if err != nil {
		return AddResult{}, err
	}
	var fresh []tokenizer.Word
	seen := map[string]bool{}
	newWords := 0
	for _, w := range clean {
		if i, ok := d.at[w.Word]; ok && d.words[i] == w {
			continue
		}
		if seen[w.Word] { // the last entry of a word in one call wins
			for j := range fresh {
				if fresh[j].Word == w.Word {
					fresh[j] = w
				}
			}
			continue
		}
		seen[w.Word] = true
		if _, ok := d.at[w.Word]; !ok {
			newWords++
		}
		fresh = append(fresh, w)
	}
	res := AddResult{Words: []string{}}
	if len(fresh) == 0 {
		res.Reindex = ix.reidx.snapshot()
		return res, nil
	}
	if max := d.bound(); newWords > 0 && len(d.words)+newWords > max {
		return AddResult{}, fmt.Errorf("%w: it holds %d words, and these %d new ones would take it past its bound of %d words; nothing was added",
			ErrDictionaryFull, len(d.words), newWords, max)
	}
	// The new list is built aside and takes d's place only once stored.
	stored := d.words
	var changed map[int]tokenizer.Word
	for _, w := range fresh {
		if i, ok := d.at[w.Word]; ok {
			if changed == nil {
				changed = map[int]tokenizer.Word{}
			}
			changed[i] = w
		}
	}
	if changed != nil {
		stored = append([]tokenizer.Word(nil), d.words...)
		for i, w := range changed {
			stored[i] = w
		}
	}
	base := len(stored)
	for _, w := range fresh {
		if _, ok := d.at[w.Word]; !ok {
			stored = append(stored, w)
		}
	}
	raw, err := json.Marshal(stored)
	if err != nil {
		return AddResult{}, fmt.Errorf("encoding the dictionary: %w", err)
	}
	// Record first, then apply: a word the index does not remember would be
	// lost at the next start while documents were segmented with it.
	freshWords := make([]string, len(fresh))
	for i, w := range fresh {
		freshWords[i] = w.Word
	}
	// With the words, the re-index they need (reindexresume.go): a crash
	// before it finishes resumes it at the next start.
	if err := ix.recordWords(raw, freshWords); err != nil {
		return AddResult{}, fmt.Errorf("storing the dictionary: %w", err)
	}
	for i := base; i < len(stored); i++ {
		d.at[stored[i].Word] = i
	}
	d.words = stored
	if err := ix.seg.AddWords(fresh...); err != nil {
		return AddResult{}, err
	}
	// Writes analysed before this point are analysed again when their
	// batch is built (groupcommit.go); taking writeMu once waits for the
	// batch being written, if any, to land before the re-index looks for
	// the articles holding the words.
	ix.dictGen.Add(1)
	ix.writeMu.Lock()
	ix.writeMu.Unlock() //nolint:staticcheck // a barrier, see above
	res.Added = len(fresh)
	for _, w := range fresh {
		res.Words = append(res.Words, w.Word)
	}
	ix.startReindex(res.Words)
	res.Reindex = ix.reidx.snapshot()
	return res, nil
}

// Dictionary lists the words added to the index's segmenter (from a --dict
// file or at run time; on the shared segmenter, through any index of the
// process) and the re-index progress.
func (ix *Index) Dictionary(ctx context.Context) (Dictionary, error) {
	if err := ctx.Err(); err != nil {
		return Dictionary{}, err
	}
	words := ix.seg.Added()
	latest := make(map[string]int, len(words))
	var out []tokenizer.Word
	for _, w := range words { // a word added twice is shown once, as last added
		if i, ok := latest[w.Word]; ok {
			out[i] = w
			continue
		}
		latest[w.Word] = len(out)
		out = append(out, w)
	}
	if out == nil {
		out = []tokenizer.Word{}
	}
	return Dictionary{Count: len(out), Words: out, Reindex: ix.reidx.snapshot()}, nil
}

// ReindexStatus reports the progress of the background re-index.
func (ix *Index) ReindexStatus() ReindexStatus { return ix.reidx.snapshot() }

// WaitReindex blocks until no re-index is running or pending, or ctx ends.
func (ix *Index) WaitReindex(ctx context.Context) error {
	for {
		s := ix.reidx.snapshot()
		if s.State != ReindexRunning && s.Pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Analyze shows how text is analysed for the index (mode index) or for a
// query (mode query).
func (ix *Index) Analyze(text string, mode tokenizer.Mode) []tokenizer.Explained {
	return tokenizer.Explain(ix.seg, []byte(text), mode)
}

// startReindex queues words for the background re-index: a run starts
// at once when none is running, else they wait for the next run.
func (ix *Index) startReindex(words []string) {
	r := &ix.reidx
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx.Err() != nil {
		return
	}
	if r.running {
		r.pending = append(r.pending, words...)
		return
	}
	r.running = true
	r.begin(words) // the answer to the POST already shows the run
	r.wg.Add(1)
	go ix.reindexLoop(words)
}

// begin records the start of a run; r.mu is held.
func (r *reindexer) begin(words []string) {
	now := time.Now().UTC()
	r.status = ReindexStatus{State: ReindexRunning, Words: append([]string(nil), words...), StartedAt: &now}
}

func (ix *Index) reindexLoop(words []string) {
	r := &ix.reidx
	defer r.wg.Done()
	for {
		err := ix.reindexWords(r.ctx, words)
		if ferr := ix.finishReindex(err); ferr != nil && err == nil {
			err = ferr
		}

		r.mu.Lock()
		end := time.Now().UTC()
		r.status.FinishedAt = &end
		r.status.State = ReindexDone
		if err != nil {
			r.status.State, r.status.Error = ReindexFailed, err.Error()
		}
		if len(r.pending) == 0 || r.ctx.Err() != nil {
			r.running = false
			r.mu.Unlock()
			return
		}
		words = r.pending
		r.pending = nil
		r.begin(words)
		r.mu.Unlock()
	}
}

// reindexWords re-indexes every article whose title, kicker, subheads or body contains one
// of words, found as an exact substring through the recall fields.
func (ix *Index) reindexWords(ctx context.Context, words []string) error {
	var alts []bq.Query
	for _, w := range words {
		recall := tokenizer.RecallPhrase(w)
		if len(recall) == 0 {
			continue
		}
		alts = append(alts, recallQuery(recall, fieldRecall, inAll, 1))
	}
	if len(alts) == 0 {
		return nil
	}
	q := bleve.NewDisjunctionQuery(alts...)
	var ids []string
	const page = 1000
	for from := 0; ; from += page {
		req := bleve.NewSearchRequestOptions(q, page, from, false)
		req.SortBy([]string{"_id"})
		res, err := ix.bi.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("finding the articles to re-index: %w", err)
		}
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		if len(res.Hits) < page {
			break
		}
	}
	sort.Strings(ids)
	ix.reidx.mu.Lock()
	ix.reidx.status.Total = len(ids)
	ix.reidx.mu.Unlock()
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := ix.reindexArticle(ctx, id); err != nil {
			return err
		}
		ix.reidx.mu.Lock()
		ix.reidx.status.Done++
		ix.reidx.mu.Unlock()
	}
	return nil
}

// reindexArticle analyses a stored article again, under the write lock so
// that it never overwrites a newer version written meanwhile. Its documents
// keep their ids, so indexing them again replaces the old ones.
func (ix *Index) reindexArticle(ctx context.Context, id string) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	a, err := ix.get(id)
	if errors.Is(err, ErrNotFound) { // deleted since it was found
		return nil
	}
	if err != nil {
		return err
	}
	p, err := ix.prepare(a)
	if err != nil {
		return err
	}
	b := ix.bi.NewBatch()
	if err := b.IndexAdvanced(p.doc); err != nil {
		return fmt.Errorf("indexing %q: %w", id, err)
	}
	if err := ix.persistBatch(b); err != nil {
		return fmt.Errorf("re-indexing %q: %w", id, err)
	}
	return nil
}
