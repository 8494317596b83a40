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
// so an index re-applies its words to the segmenter when it is opened.
const dictKey = "zhsearch/dictionary"

// ErrBadWord is wrapped by errors about words that cannot be added.
var ErrBadWord = tokenizer.ErrBadWord

// MaxWordsPerRequest bounds the words one AddWords call accepts.
const MaxWordsPerRequest = 10000

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
// segmenter beyond gse's own dictionary, and the re-index progress.
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
	words, err := ix.storedWords()
	if err != nil || len(words) == 0 {
		return err
	}
	return ix.seg.AddWords(words...)
}

// AddWords adds newsroom words to the segmenter, where they take effect at
// once for queries and for documents written from now on; records them in
// the index, so they are re-applied when it is opened again; and starts a
// background re-index of the stored articles that contain them (found
// through the bigram recall field). Words already known to the index with
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
	stored, err := ix.storedWords()
	if err != nil {
		return AddResult{}, err
	}
	at := make(map[string]int, len(stored))
	for i, w := range stored {
		at[w.Word] = i
	}
	var fresh []tokenizer.Word
	seen := map[string]bool{}
	for _, w := range clean {
		if i, ok := at[w.Word]; ok && stored[i] == w {
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
		fresh = append(fresh, w)
	}
	res := AddResult{Words: []string{}}
	if len(fresh) == 0 {
		res.Reindex = ix.reidx.snapshot()
		return res, nil
	}
	for _, w := range fresh {
		if i, ok := at[w.Word]; ok {
			stored[i] = w
		} else {
			at[w.Word] = len(stored)
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

// Dictionary lists the words added to the segmenter (from a --dict file
// or at run time) and the re-index progress.
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
		q, err := ix.recallQuery(recall, fieldRecall, inAll, 1)
		if err != nil {
			return err
		}
		alts = append(alts, q)
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
