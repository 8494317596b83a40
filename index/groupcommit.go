package index

import (
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

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
	preps   []*prepared // analysed articles (prepare.go)
	del     string
	done    bool           // set by the leader under writeMu
	err     error          // the op's outcome, valid once done
	persist []*persistWait // the op's batch reaching the disk; nil when nothing was written
}

// persistWait is a batch's persisted callback, for every op it holds.
type persistWait struct {
	done chan struct{}
	err  error
}

// commit queues op and returns once it is applied, by this goroutine or by
// the leader whose batch included it.
func (ix *Index) commit(op *writeOp) error {
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
	if op.err != nil || op.persist == nil {
		return op.err
	}
	// searchable now; acknowledged once on disk, while the next batch is
	// built
	return ix.awaitPersisted(op.persist)
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
	pw, err := ix.batch(b)
	if err == nil {
		for _, op := range in {
			op.persist = pw
		}
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
		pw, err := ix.batch(b)
		if err != nil {
			op.err = fmt.Errorf("writing batch: %w", err)
			continue
		}
		op.persist = pw
	}
}

// parts is one group's batch, split by id into bleve batches that are
// written at once: scorch builds a batch's segment on the calling
// goroutine, one core each. An id always falls in the same part, so the
// last operation on it in the group wins, as in one batch. A reader may
// see one part before the other, never half an article.
type parts []*bleve.Batch

// splitDocs is how many documents a group needs to be split in two.
const splitDocs = 128

// batch writes the parts of a group (writeMu held), each on a goroutine
// of its own: searchable when it returns, on disk when the returned waits
// are done (none for a bulk index, which tracks its batches itself and
// first waits while too many wait for the disk).
func (ix *Index) batch(ps parts) ([]*persistWait, error) {
	if ix.bulk {
		if err := ix.drain(maxUnpersisted - 1); err != nil {
			return nil, err
		}
	}
	waits := make([]*persistWait, len(ps))
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
		pw := &persistWait{done: make(chan struct{})}
		b.SetPersistedCallback(func(err error) {
			pw.err = err
			close(pw.done)
		})
		waits[i] = pw
		wg.Go(func() { errs[i] = ix.bi.Batch(b) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if ix.bulk {
		return nil, nil
	}
	return waits, nil
}

// awaitPersisted waits for a group's batches to reach the disk. It fails
// when scorch's persister reports errors meanwhile: the persister retries
// forever, so waiting for the callback alone could hang.
func (ix *Index) awaitPersisted(pws []*persistWait) error {
	errsBefore := ix.persistErrors()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for _, pw := range pws {
	wait:
		for {
			select {
			case <-pw.done:
				if pw.err != nil {
					return fmt.Errorf("%w: %w", ErrPersist, pw.err)
				}
				break wait
			case <-tick.C:
				if n := ix.persistErrors(); n > errsBefore {
					return fmt.Errorf("%w: %d failed attempts", ErrPersist, n-errsBefore)
				}
			}
		}
	}
	return nil
}

// buildBatch turns ops into one batch, in parts; it sets err on the ops
// that fail on their own and returns the ops the batch holds.
func (ix *Index) buildBatch(ops []*writeOp) (parts, []*writeOp) {
	n := 0
	for _, op := range ops {
		n += max(len(op.preps), 1)
	}
	ps := parts{ix.bi.NewBatch()}
	if n >= splitDocs {
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
	var in []*writeOp
	for _, op := range ops {
		if op.preps == nil {
			if _, err := current(op.del); err != nil {
				op.err = err
				continue
			}
			part(op.del).Delete(op.del)
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
		for _, x := range all { // one document an article: indexing it replaces the old one
			if err := part(x.doc.ID()).IndexAdvanced(x.doc); err != nil {
				op.err = fmt.Errorf("indexing %q: %w", x.doc.ID(), err)
				break
			}
			state[x.a.ID] = x.a
		}
		if op.err != nil {
			// the op went into the batch in part: start over without it
			// rather than leave half an article in. The ops before it
			// that failed keep their errors; the ones after it have not
			// been looked at yet.
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
	return ps, in
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
