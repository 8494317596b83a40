package index

import (
	"errors"
	"fmt"

	"github.com/blevesearch/bleve/v2"

	"github.com/zhsearch/zhsearch/article"
)

// Group commit.
//
// Every write with an index on disk costs scorch a new segment and two
// fsyncs, so one article per batch would hold many concurrent writers to
// one disk sync each. Instead a write is queued as an op; the writer that
// next takes writeMu (the leader) takes every op queued so far, applies
// them as one bleve batch and records each op's outcome before it lets go
// of writeMu. A writer that finds its op already done by another leader
// returns that op's outcome: its write shared someone else's sync. No
// timer or window is needed: ops queue up while the previous batch syncs,
// which is exactly when waiting is free.
//
// Order: ops are applied in the order they were queued (the queue is
// filled under queueMu), so of two writes to one id the later one wins,
// whole: a bleve batch keeps the last operation per document id, and every
// write first deletes all paragraphs of the version before it (stored, or
// earlier in the same batch), so versions never mix.
//
// Failure: an op that is invalid on its own (a delete of an unknown id, an
// article whose documents cannot be built) fails alone and is left out of
// the batch. When bleve rejects the whole batch, the ops are retried one
// batch each, so a write fails only if it fails by itself; none of them is
// acknowledged before its own batch is written.
//
// A batch that reaches the in-memory index but cannot be persisted (a
// full disk: durable.go) is undone: a second batch gives every id it
// touched back what it held before (its stored version, or nothing), so
// searches and reads no longer see it and, once scorch persists again,
// neither does the disk. Every op of it fails with the persist error
// (ErrDiskFull): retrying them one by one would only fail again.

// writeOp is one queued Put (arts) or Delete (del).
type writeOp struct {
	preps []*prepared // analysed articles (prepare.go)
	del   string
	done  bool  // set by the leader under writeMu
	err   error // the op's outcome, valid once done
}

// commit queues op and returns once it is applied, by this goroutine or by
// the leader whose batch included it.
func (ix *Index) commit(op *writeOp) error {
	ix.queueMu.Lock()
	ix.queue = append(ix.queue, op)
	ix.queueMu.Unlock()

	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if op.done {
		return op.err
	}
	ix.queueMu.Lock()
	ops := ix.queue
	ix.queue = nil
	ix.queueMu.Unlock()
	ix.groups++
	ix.grouped += uint64(len(ops))
	ix.applyGroup(ops)
	return op.err
}

// applyGroup writes ops (writeMu held), as one batch if it can.
func (ix *Index) applyGroup(ops []*writeOp) {
	defer func() {
		for _, op := range ops {
			op.done = true
		}
	}()
	if ix.closed {
		for _, op := range ops {
			op.err = ErrClosed
		}
		return
	}
	b, in, before := ix.buildBatchUndo(ops)
	if len(in) == 0 {
		return
	}
	err := ix.batch(b)
	if err == nil {
		return
	}
	if notPersisted(err) || len(in) == 1 {
		err = ix.undoIfApplied(err, before, len(in))
		for _, op := range in {
			op.err = fmt.Errorf("writing batch: %w", err)
		}
		return
	}
	// Find the op(s) bleve rejects: each on its own.
	for _, op := range in {
		op.err = nil
		b, one, before := ix.buildBatchUndo([]*writeOp{op})
		if len(one) == 0 {
			continue
		}
		if err := ix.batch(b); err != nil {
			op.err = fmt.Errorf("writing batch: %w", ix.undoIfApplied(err, before, 1))
		}
	}
}

// notPersisted reports whether a batch error means the batch reached the
// in-memory index but not the disk.
func notPersisted(err error) bool {
	return errors.Is(err, ErrDiskFull) || errors.Is(err, ErrPersist)
}

// undoIfApplied undoes a batch that failed to persist and returns the
// error its ops answer; other errors (bleve refused the batch before
// applying it) are returned as they are.
func (ix *Index) undoIfApplied(err error, before *undoLog, ops int) error {
	if !notPersisted(err) {
		return err
	}
	if uerr := ix.undo(before); uerr != nil {
		return fmt.Errorf("%w; undoing it failed too, so it may be stored after all: %v", err, uerr)
	}
	if ps := ix.persist(); ps != nil {
		ps.undone.Add(uint64(ops))
	}
	return err
}

// undoLog is what a batch's ids held before it: their stored version, or
// nil for none, and the most paragraphs any version in the batch gave
// them (the documents to delete).
type undoLog struct {
	order  []string
	before map[string]*article.Article
	paras  map[string]int
}

func (u *undoLog) touch(id string, stored *article.Article) {
	if _, ok := u.before[id]; ok {
		return
	}
	u.order = append(u.order, id)
	u.before[id] = stored
}

func (u *undoLog) wrote(a *article.Article) {
	u.paras[a.ID] = max(u.paras[a.ID], len(a.Paragraphs))
}

// undo writes the batch that gives each id in u what it held before. It
// does not wait for the batch to be persisted: it is in the in-memory
// index when Batch returns, and scorch persists it with the failed batch
// it cancels once it can persist at all.
func (ix *Index) undo(u *undoLog) error {
	b := ix.bi.NewBatch()
	for _, id := range u.order {
		paras := u.paras[id]
		if old := u.before[id]; old != nil {
			paras = max(paras, len(old.Paragraphs))
		}
		b.Delete(id)
		for i := range paras {
			b.Delete(paragraphDocID(id, i))
		}
	}
	for _, id := range u.order {
		old := u.before[id]
		if old == nil {
			continue
		}
		p, err := ix.prepare(old)
		if err != nil {
			return err
		}
		for _, d := range p.docs {
			if err := b.IndexAdvanced(d); err != nil {
				return fmt.Errorf("indexing %q: %w", d.ID(), err)
			}
		}
	}
	return ix.bi.Batch(b)
}

// batch writes b (writeMu held) and returns once it is persisted
// (durable.go). On a bulk index it first waits while too many batches
// wait for the disk, and returns once b is searchable.
func (ix *Index) batch(b *bleve.Batch) error {
	if !ix.bulk {
		return ix.persistBatch(b)
	}
	if err := ix.drain(maxUnpersisted - 1); err != nil {
		return err
	}
	done := ix.track(b)
	err := ix.bi.Batch(b)
	done(err)
	return err
}

// buildBatch turns ops into one batch; it sets err on the ops that fail on
// their own and returns the ops the batch holds.
func (ix *Index) buildBatch(ops []*writeOp) (*bleve.Batch, []*writeOp) {
	b, in, _ := ix.buildBatchUndo(ops)
	return b, in
}

// buildBatchUndo is buildBatch that also returns what the batch's ids held
// before it, to undo it.
func (ix *Index) buildBatchUndo(ops []*writeOp) (*bleve.Batch, []*writeOp, *undoLog) {
	b := ix.bi.NewBatch()
	u := &undoLog{before: map[string]*article.Article{}, paras: map[string]int{}}
	// state is each id's version as of the ops so far: an article, or nil
	// once deleted; ids not in it are as stored.
	state := make(map[string]*article.Article)
	current := func(id string) (*article.Article, error) {
		if a, ok := state[id]; ok {
			if a == nil {
				return nil, fmt.Errorf("article %q: %w", id, ErrNotFound)
			}
			return a, nil
		}
		a, err := ix.get(id)
		switch {
		case err == nil:
			u.touch(id, a)
		case errors.Is(err, ErrNotFound):
			u.touch(id, nil)
		}
		return a, err
	}
	removeOld := func(id string) error {
		old, err := current(id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		b.Delete(id)
		for i := range old.Paragraphs {
			b.Delete(paragraphDocID(id, i))
		}
		return nil
	}
	var in []*writeOp
	for _, op := range ops {
		if op.preps == nil {
			if _, err := current(op.del); err != nil {
				op.err = err
				continue
			}
			if err := removeOld(op.del); err != nil {
				op.err = err
				continue
			}
			state[op.del] = nil
			in = append(in, op)
			continue
		}
		// Every document of the op was built and analysed before it was
		// queued (prepare.go); one analysed with a dictionary older than
		// the current one is analysed again, here, with the current one.
		all := op.preps
		for i, x := range all {
			if x.gen == ix.dictGen.Load() {
				continue
			}
			fresh, err := ix.prepare(x.a)
			if err != nil {
				op.err = err
				break
			}
			all[i] = fresh
		}
		if op.err != nil {
			continue
		}
		for _, x := range all {
			if err := removeOld(x.a.ID); err != nil {
				op.err = err
				break
			}
			for _, d := range x.docs {
				if err := b.IndexAdvanced(d); err != nil {
					op.err = fmt.Errorf("indexing %q: %w", d.ID(), err)
					break
				}
			}
			if op.err != nil {
				break
			}
			state[x.a.ID] = x.a
			u.wrote(x.a)
		}
		if op.err != nil {
			// b.Index analysed part of this op into the batch: start
			// over without it rather than leave half an article in. The
			// ops before it that failed keep their errors; the ones after
			// it have not been looked at yet.
			rest := make([]*writeOp, 0, len(ops))
			for _, o := range ops {
				if o != op && o.err == nil {
					rest = append(rest, o)
				}
			}
			return ix.buildBatchUndo(rest)
		}
		in = append(in, op)
	}
	return b, in, u
}

// GroupStats says how writes were grouped: batches written and ops (Put or
// Delete calls) they held, since Open.
type GroupStats struct {
	Batches uint64 `json:"batches"`
	Writes  uint64 `json:"writes"`
}

// GroupStats reports write grouping since Open.
func (ix *Index) GroupStats() GroupStats {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	return GroupStats{Batches: ix.groups, Writes: ix.grouped}
}
