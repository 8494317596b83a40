package index

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2"
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
	done  bool          // set by the leader under writeMu
	err   error         // the op's outcome, valid once done
	group *pendingGroup // the batch that holds it, until persisted
}

// pendingGroup is a batch applied to the in-memory index whose ops wait,
// without the write lock, for it to be persisted: the next group's
// segments are built meanwhile. Scorch persists roots in order, so when a
// group fails to persist, every group applied after it fails too: the
// first of them to learn it undoes them all, newest first (under
// writeMu), and each answers the error.
type pendingGroup struct {
	waits  []*persistWait
	undo   *undoLog
	ops    int
	failed error // set under writeMu when it was undone
}

// commit queues op and returns once it is applied, by this goroutine or by
// the leader whose batch included it.
func (ix *Index) commit(op *writeOp) error {
	defer ix.writing()()
	ix.queueMu.Lock()
	ix.queue = append(ix.queue, op)
	ix.queueMu.Unlock()

	ix.writeMu.Lock()
	if !op.done {
		ix.queueMu.Lock()
		ops := ix.queue
		ix.queue = nil
		ix.queueMu.Unlock()
		ix.groups++
		ix.grouped += uint64(len(ops))
		ix.applyGroup(ops)
	}
	ix.writeMu.Unlock()
	if op.err != nil || op.group == nil {
		return op.err
	}
	return ix.await(op.group)
}

// await waits for a group to be persisted; if it fails, it undoes it and
// every group applied after it.
func (ix *Index) await(g *pendingGroup) error {
	var err error
	for _, w := range g.waits {
		if err = w.wait(); err != nil {
			break
		}
	}
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if g.failed != nil { // undone with a group before it
		return fmt.Errorf("writing batch: %w", g.failed)
	}
	at := slices.Index(ix.pending, g)
	if err == nil {
		if at >= 0 {
			ix.pending = slices.Delete(ix.pending, at, at+1)
		}
		return nil
	}
	if at < 0 {
		at = 0
	}
	for i := len(ix.pending) - 1; i >= at; i-- { // newest first
		p := ix.pending[i]
		p.failed = ix.undoIfApplied(err, p.undo, p.ops)
	}
	ix.pending = ix.pending[:at]
	return fmt.Errorf("writing batch: %w", g.failed)
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
	if !ix.bulk {
		waits, err := ix.applyParts(b)
		if err == nil {
			g := &pendingGroup{waits: waits, undo: before, ops: len(in)}
			ix.pending = append(ix.pending, g)
			for _, op := range in {
				op.group = g
			}
			return
		}
		if len(in) == 1 {
			in[0].err = fmt.Errorf("writing batch: %w", err)
			return
		}
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
	before map[string][]byte // the stored article's JSON, decoded only to undo
}

func (u *undoLog) touch(id string, stored []byte) {
	if _, ok := u.before[id]; ok {
		return
	}
	u.order = append(u.order, id)
	u.before[id] = stored
}

// undo writes the batch that gives each id in u what it held before. It
// does not wait for the batch to be persisted: it is in the in-memory
// index when Batch returns, and scorch persists it with the failed batch
// it cancels once it can persist at all.
func (ix *Index) undo(u *undoLog) error {
	b := ix.bi.NewBatch()
	for _, id := range u.order {
		raw := u.before[id]
		if raw == nil {
			b.Delete(id)
			continue
		}
		old, err := decodeStored(id, raw)
		if err != nil {
			return err
		}
		p, err := ix.prepare(old)
		if err != nil {
			return err
		}
		if err := b.IndexAdvanced(p.doc); err != nil {
			return fmt.Errorf("indexing %q: %w", id, err)
		}
	}
	return ix.bi.Batch(b)
}

// parts is one group's batch, split by id into bleve batches that are
// written at once: scorch builds a batch's segment on the calling
// goroutine, one core each. An id always falls in the same part, so the
// last operation on it in the group wins, as in one batch. A reader may
// see one part before the other, never half an article.
type parts []*bleve.Batch

// splitDocs is how many documents a group needs to be split in two.
const splitDocs = 128

// applyParts applies the parts of a group to the in-memory index (writeMu
// held), each on a goroutine of its own, and returns what waits for them
// to be persisted. On an error, none of the parts was applied (bleve
// refuses a batch before it changes anything) or an applied part's error
// is reported with them.
func (ix *Index) applyParts(ps parts) ([]*persistWait, error) {
	waits := make([]*persistWait, len(ps))
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, b := range ps {
		wg.Go(func() { waits[i], errs[i] = ix.applyBatch(b) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return waits, nil
}

// batch writes the parts of a group (writeMu held), each on a goroutine of
// its own, and returns once they are persisted (durable.go). On a bulk
// index it first waits while too many batches wait for the disk, and
// returns once the parts are searchable.
func (ix *Index) batch(ps parts) error {
	if ix.bulk {
		if err := ix.drain(maxUnpersisted - 1); err != nil {
			return err
		}
	}
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, b := range ps {
		if ix.bulk {
			done := ix.track(b)
			wg.Go(func() {
				errs[i] = ix.bi.Batch(b)
				done(errs[i])
			})
			continue
		}
		wg.Go(func() { errs[i] = ix.persistBatch(b) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// buildBatch turns ops into one batch; it sets err on the ops that fail on
// their own and returns the ops the batch holds.
func (ix *Index) buildBatch(ops []*writeOp) (parts, []*writeOp) {
	ps, in, _ := ix.buildBatchUndo(ops)
	return ps, in
}

// buildBatchUndo is buildBatch that also returns what the batch's ids held
// before it, to undo it.
func (ix *Index) buildBatchUndo(ops []*writeOp) (parts, []*writeOp, *undoLog) {
	return ix.buildParts(ops, splitDocs)
}

// buildOne builds ops into one bleve batch, never split: a caller that
// adds to it (ApplyAt, applied.go) needs its writes in one batch.
func (ix *Index) buildOne(ops []*writeOp) *bleve.Batch {
	ps, _, _ := ix.buildParts(ops, 0)
	if len(ps) == 0 {
		return ix.bi.NewBatch()
	}
	return ps[0]
}

// buildParts builds ops into parts, in two when they hold split documents
// or more (never when split is 0).
func (ix *Index) buildParts(ops []*writeOp, split int) (parts, []*writeOp, *undoLog) {
	n := 0
	for _, op := range ops {
		n += max(len(op.preps), 1)
	}
	ps := parts{ix.bi.NewBatch()}
	if split > 0 && n >= split {
		ps = append(ps, ix.bi.NewBatch())
	}
	part := func(id string) *bleve.Batch {
		if len(ps) == 1 {
			return ps[0]
		}
		h := fnv.New32a()
		_, _ = h.Write([]byte(id))
		return ps[h.Sum32()%uint32(len(ps))]
	}
	u := &undoLog{before: map[string][]byte{}}
	// state is each id's version as of the ops so far: an article, or nil
	// once deleted; ids not in it are as stored.
	state := make(map[string]bool) // id -> exists, as of the ops so far
	current := func(id string) error {
		if exists, ok := state[id]; ok {
			if !exists {
				return fmt.Errorf("article %q: %w", id, ErrNotFound)
			}
			return nil
		}
		raw, err := ix.getRaw(id)
		switch {
		case err == nil:
			u.touch(id, raw)
		case errors.Is(err, ErrNotFound):
			u.touch(id, nil)
		}
		return err
	}
	var in []*writeOp
	for _, op := range ops {
		if op.preps == nil {
			if err := current(op.del); err != nil {
				op.err = err
				continue
			}
			part(op.del).Delete(op.del)
			state[op.del] = false
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
		for _, x := range all { // one document an article: indexing it replaces the old one
			if err := current(x.a.ID); err != nil && !errors.Is(err, ErrNotFound) {
				op.err = err
				break
			}
			if err := part(x.doc.ID()).IndexAdvanced(x.doc); err != nil {
				op.err = fmt.Errorf("indexing %q: %w", x.doc.ID(), err)
				break
			}
			state[x.a.ID] = true
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
			return ix.buildParts(rest, split)
		}
		in = append(in, op)
	}
	// a part that got no operation would never be persisted (bleve
	// applies nothing, and calls no callback)
	ps = slices.DeleteFunc(ps, func(b *bleve.Batch) bool { return b.Size() == 0 })
	return ps, in, u
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
