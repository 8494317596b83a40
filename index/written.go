package index

import (
	"context"
	"errors"
	"fmt"

	"github.com/zhsearch/zhsearch/article"
)

// Articles written: the hook.
//
// Saved searches (package alert) match every article written after them.
// The index tells its hook of each write once the write has succeeded
// (for a served index: once its articles are searchable and on disk),
// before the write returns to its caller, with the articles as analysed
// for the write: matching them needs no second segmentation. Every path
// that writes new articles calls it: Put and Write (the API's JSON, NDJSON
// and page writes, the seed page), WriteBulk (zhsearch import) and
// ApplyAt (a replica's writes). Re-indexing after a dictionary change does
// not: it writes no new article.

// Written is one successful write's articles, analysed (the last version
// of each id in the write).
type Written struct {
	preps []*prepared
}

// Len is the number of articles.
func (w *Written) Len() int { return len(w.preps) }

// Articles are the articles written, in the order of the write.
func (w *Written) Articles() []*article.Article {
	out := make([]*article.Article, len(w.preps))
	for i, p := range w.preps {
		out[i] = p.a
	}
	return out
}

// IDs are the ids of the articles written.
func (w *Written) IDs() []string {
	out := make([]string, len(w.preps))
	for i, p := range w.preps {
		out[i] = p.a.ID
	}
	return out
}

// WriteHook is told of every successful write. It runs on the writer's
// goroutine before the write returns, so it must be quick (record what it
// needs and hand the rest to a goroutine of its own); it may block to
// hold writers back when its own work falls behind. It must not change
// the articles.
type WriteHook func(w *Written)

// SetWriteHook sets the hook every later write calls; nil removes it.
func (ix *Index) SetWriteHook(h WriteHook) {
	if h == nil {
		ix.hook.Store(nil)
		return
	}
	ix.hook.Store(&h)
}

// wrote calls the hook with a write's articles when the write succeeded
// (err is nil), and returns err: the one call each write path makes.
func (ix *Index) wrote(err error, preps []*prepared) error {
	if err != nil || len(preps) == 0 {
		return err
	}
	if h := ix.hook.Load(); h != nil {
		(*h)(&Written{preps: preps})
	}
	return nil
}

// WrittenOf analyses the stored articles with these ids again, as a
// write would: for a hook that must redo the work of writes it was told
// of before a crash. Ids the index no longer holds are left out.
func (ix *Index) WrittenOf(ctx context.Context, ids []string) (*Written, error) {
	w := &Written{}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a, err := ix.get(id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		p, err := ix.prepare(a)
		if err != nil {
			return nil, fmt.Errorf("analysing %q again: %w", id, err)
		}
		w.preps = append(w.preps, p)
	}
	return w, nil
}
