package index

import (
	"encoding/json"
	"fmt"
)

// Crash safety of dictionary changes.
//
// AddWords records the words (dictKey) and, in the same batch, the words
// whose re-index has not finished (reindexKey). A finished run, with no
// words waiting, removes reindexKey. Opening an index re-applies its words
// and, if reindexKey holds words, runs their re-index again: so a change
// interrupted by a crash (or a Close) anywhere resumes at the next start.
// Running again from the beginning is safe: re-indexing an article is one
// batch that analyses its stored version again, which is idempotent, and
// each article is either wholly in the old segmentation or wholly in the
// new one at any moment.
const reindexKey = "zhsearch/reindex-pending"

// unfinishedReindex reads the words whose re-index has not finished.
func (ix *Index) unfinishedReindex() ([]string, error) {
	raw, err := ix.bi.GetInternal([]byte(reindexKey))
	if err != nil {
		return nil, fmt.Errorf("reading the pending re-index: %w", err)
	}
	if raw == nil {
		return nil, nil
	}
	var words []string
	if err := json.Unmarshal(raw, &words); err != nil {
		return nil, fmt.Errorf("decoding the pending re-index: %w", err)
	}
	return words, nil
}

// recordWords stores the dictionary and adds words to the unfinished
// re-index, in one batch; dictMu is held.
func (ix *Index) recordWords(dict []byte, words []string) error {
	pending, err := ix.unfinishedReindex()
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(pending)+len(words))
	for _, w := range pending {
		seen[w] = true
	}
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			pending = append(pending, w)
		}
	}
	raw, err := json.Marshal(pending)
	if err != nil {
		return err
	}
	b := ix.bi.NewBatch()
	b.SetInternal([]byte(dictKey), dict)
	b.SetInternal([]byte(reindexKey), raw)
	return ix.persistBatch(b)
}

// finishReindex removes the record of the unfinished re-index once a run
// succeeded and no words wait for another; otherwise the record stays and
// the next start runs it again.
func (ix *Index) finishReindex(runErr error) error {
	if runErr != nil || ix.reidx.ctx.Err() != nil {
		return nil
	}
	ix.dictMu.Lock() // AddWords records and queues words under dictMu
	defer ix.dictMu.Unlock()
	ix.reidx.mu.Lock()
	waiting := len(ix.reidx.pending)
	ix.reidx.mu.Unlock()
	if waiting > 0 {
		return nil
	}
	b := ix.bi.NewBatch()
	b.DeleteInternal([]byte(reindexKey))
	return ix.persistBatch(b)
}

// resumeReindex starts, at open, the re-index a crash interrupted.
func (ix *Index) resumeReindex() error {
	words, err := ix.unfinishedReindex()
	if err != nil || len(words) == 0 {
		return err
	}
	ix.startReindex(words)
	return nil
}
