package index

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/blevesearch/bleve/v2"

	"github.com/zhsearch/zhsearch/article"
)

// layoutKey is the internal key holding the version of the index layout
// (mapping and analysis) that wrote the index; layoutVersion is this
// build's. Version 3: one document an article, its text as words (w) and
// as bigrams whose elements are the title, kicker, subheads and paragraphs
// (bg); paragraphs have no documents of their own. Version 4 adds the
// month-day field (on=MM-DD, onthisday.go); version 5 the names of people,
// places and organisations (person, place, org; entities.go); version 6 a
// fingerprint for near-duplicates (duplicates.go: fields dup and fp).
const (
	layoutKey     = "zhsearch_layout"
	layoutVersion = "6"
)

// ErrOldLayout means the index was written by a zhsearch whose mapping or
// analysis differs from this one's: searches would miss documents.
var ErrOldLayout = errors.New("the index was built by another version of zhsearch; re-import the articles into a new --data directory (zhsearch import)")

// checkLayout records the layout version in a new index, and refuses an
// index of another version.
func checkLayout(bi bleve.Index, created bool) error {
	if created {
		return bi.SetInternal([]byte(layoutKey), []byte(layoutVersion))
	}
	v, err := bi.GetInternal([]byte(layoutKey))
	if err != nil {
		return err
	}
	if string(v) != layoutVersion {
		if len(v) == 0 {
			v = []byte("1")
		}
		return fmt.Errorf("%w (index layout %s, this build reads %s)", ErrOldLayout, v, layoutVersion)
	}
	return nil
}

// ErrLocked means another process holds the index directory.
var ErrLocked = errors.New("index is in use by another process")

// lockTimeout bounds the wait for the index's lock (bolt's flock), so a
// second process on the same directory fails fast instead of hanging.
const lockTimeout = "2s"

// openDisk opens the scorch index at path, or creates it when the path is
// missing or an empty directory.
//
// It always opens with scorch's unsafe batches (Batch returns once the
// batch is searchable) and a persist-failure callback: a write waits for
// its own persisted callback (durable.go, persistBatch), which is what
// makes a 2xx answer to a write mean "on disk", and learns of a failed
// persist without the damage scorch's safe batches do then. Both are
// run-time settings, never written into the index's metadata.
//
// With bulk, writes do not wait for their persist one by one: Index
// tracks it itself and lets a few batches wait for the disk (bulk.go).
func openDisk(path string, bulk bool) (bi bleve.Index, created bool, err error) {
	cfg := map[string]any{"bolt_timeout": lockTimeout}
	openCfg := map[string]any{
		"bolt_timeout":           lockTimeout,
		"unsafe_batch":           true,
		"asyncErrorCallbackName": asyncErrorCallback,
	}
	store := filepath.Join(path, "store")
	if _, statErr := os.Stat(filepath.Join(path, "index_meta.json")); statErr == nil {
		// Bleve trusts its files: a damaged one is served (and panics in
		// searches) or crashes the process. Check them first (verify.go).
		if err := Verify(path); err != nil {
			return nil, false, err
		}
		watchPersist(store)
		bi, err = bleve.OpenUsing(path, openCfg)
		return bi, false, lockError(err)
	}
	entries, rdErr := os.ReadDir(path)
	switch {
	case errors.Is(rdErr, fs.ErrNotExist):
	case rdErr != nil:
		return nil, false, rdErr
	case len(entries) > 0:
		return nil, false, fmt.Errorf("%s is neither an index nor empty: refusing to create an index in it", path)
	}
	// An empty directory is used in place, never removed and made again: it
	// may be a mount point (a container's volume) or sit in a folder the
	// process may not write, and its owner and mode are the operator's.
	// bleve.New accepts an existing directory.
	bi, err = bleve.NewUsing(path, newMapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, cfg)
	if err != nil {
		return nil, false, lockError(err)
	}
	if err := checkLayout(bi, true); err != nil { // a safe batch: on disk now
		_ = bi.Close()
		return nil, false, err
	}
	// NewUsing stores its config in index_meta.json: create the index with
	// safe batches, then open it again with the run-time settings.
	if err := bi.Close(); err != nil {
		return nil, false, err
	}
	watchPersist(store)
	bi, err = bleve.OpenUsing(path, openCfg)
	return bi, true, lockError(err)
}

func lockError(err error) error {
	if err != nil && strings.Contains(err.Error(), "timeout") {
		return fmt.Errorf("%w (%v)", ErrLocked, err)
	}
	return err
}

// lastOfEachID keeps, of articles with the same id, only the last one, in
// the order of their last occurrence: a batch that names one id twice must
// end with the later version alone, not the earlier version's extra
// paragraphs under the later one.
func lastOfEachID(arts []*article.Article) []*article.Article {
	last := make(map[string]int, len(arts))
	for i, a := range arts {
		last[a.ID] = i
	}
	if len(last) == len(arts) {
		return arts
	}
	out := make([]*article.Article, 0, len(last))
	for i, a := range arts {
		if last[a.ID] == i {
			out = append(out, a)
		}
	}
	return out
}

// openScratch makes the index that Options{Path: ""} asks for: scorch in a
// fresh temporary directory, removed by Close. Bleve's own memory-only index
// (upsidedown on a gtreap) is far slower to fill: it did not reach 1,000
// chinanews articles in 13 minutes. Batches skip fsync: nothing here has
// to survive the process.
func openScratch() (bleve.Index, string, error) {
	dir, err := os.MkdirTemp("", "zhsearch-index-*")
	if err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, "index")
	bi, err := bleve.NewUsing(path, newMapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore,
		map[string]any{"unsafe_batch": true})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, "", err
	}
	return bi, dir, nil
}
