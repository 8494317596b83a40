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
	b, in := ix.buildBatch(ops)
	if len(in) == 0 {
		return
	}
	err := ix.batch(b)
	if err == nil {
		return
	}
	if len(in) == 1 {
		in[0].err = fmt.Errorf("writing batch: %w", err)
		return
	}
	// Find the op(s) bleve rejects: each on its own.
	for _, op := range in {
		op.err = nil
		b, one := ix.buildBatch([]*writeOp{op})
		if len(one) == 0 {
			continue
		}
		if err := ix.batch(b); err != nil {
			op.err = fmt.Errorf("writing batch: %w", err)
		}
	}
}

// batch writes b (writeMu held). On a bulk index it first waits while
// too many batches wait for the disk.
func (ix *Index) batch(b *bleve.Batch) error {
	if !ix.bulk {
		return ix.bi.Batch(b)
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
	b := ix.bi.NewBatch()
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
		return ix.get(id)
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
			return ix.buildBatch(rest)
		}
		in = append(in, op)
	}
	return b, in
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
