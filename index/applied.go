package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/sync/errgroup"

	"github.com/zhsearch/zhsearch/article"
)

// Writes fed by a log (package replica).
//
// A replica applies the messages of a replicated log in order and must
// resume after a restart exactly after the last one it applied. So the
// log's sequence number of the last applied message is written in the
// same bleve batch as the articles it carried (an internal value, which
// scorch persists with the batch's segment): after a crash the index
// holds both or neither, and the replica never applies a message twice or
// skips one. Backups (backup.go) copy it too, so a node restored from a
// peer's snapshot resumes from the snapshot's sequence.

// appliedKey is the internal-store key of the last applied log sequence.
const appliedKey = "zhsearch/applied-seq"

// ErrUnavailable means a write cannot be taken now (its replication log
// has no quorum, or cannot be reached); reads go on. The API answers 503.
var ErrUnavailable = errors.New("writes are unavailable")

// Op is one write of a log: Put stores an article (replacing its earlier
// version), or, when Put is nil, Delete removes the article with that id.
type Op struct {
	Put    *article.Article
	Delete string
}

// AppliedSeq is the log sequence stored by the last ApplyAt (0 if none).
func (ix *Index) AppliedSeq() (uint64, error) {
	raw, err := ix.bi.GetInternal([]byte(appliedKey))
	if err != nil {
		return 0, fmt.Errorf("reading the applied sequence: %w", err)
	}
	if raw == nil {
		return 0, nil
	}
	if len(raw) != 8 {
		return 0, fmt.Errorf("the applied sequence is %d bytes, want 8", len(raw))
	}
	return binary.BigEndian.Uint64(raw), nil
}

// ApplyAt applies ops in order and records seq as the applied sequence,
// all in one batch: the articles are searchable, persisted (on disk) and
// the sequence stored when it returns nil. An op that fails on its own
// (an article that is not valid, a delete of an id the index does not
// hold) is left out and its error returned in errs at its position; the
// others are applied. err is set only when the batch could not be
// written: then nothing, the sequence included, was applied.
//
// Concurrent Put and Delete calls are not grouped with ApplyAt's batch;
// a replica sends every write through its log and calls only ApplyAt.
func (ix *Index) ApplyAt(ctx context.Context, seq uint64, ops ...Op) (errs []error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var applied []*prepared // told to the write hook once the lock is let go (written.go)
	defer func() { _ = ix.wrote(err, applied) }()
	errs = make([]error, len(ops))
	// Analyse outside the lock and in parallel, as Put does (prepare.go):
	// a replica applies every node's writes in one goroutine.
	preps := make([]*prepared, len(ops))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, o := range ops {
		if o.Put != nil {
			g.Go(func() error {
				preps[i], errs[i] = ix.prepare(o.Put)
				return nil
			})
		}
	}
	_ = g.Wait()
	wops := make([]*writeOp, 0, len(ops))
	at := make([]int, 0, len(ops)) // wops[i] is ops[at[i]]
	for i, o := range ops {
		switch {
		case o.Put == nil:
			wops = append(wops, &writeOp{del: o.Delete})
		case errs[i] != nil:
			continue
		default:
			wops = append(wops, &writeOp{preps: []*prepared{preps[i]}})
		}
		at = append(at, i)
	}

	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if ix.closed {
		return nil, ErrClosed
	}
	b := ix.buildOne(wops) // the sequence in the same batch as the articles
	var val [8]byte
	binary.BigEndian.PutUint64(val[:], seq)
	b.SetInternal([]byte(appliedKey), val[:])
	if err := ix.batch(parts{b}); err != nil {
		return nil, fmt.Errorf("writing batch at sequence %d: %w", seq, err)
	}
	ix.groups++
	ix.grouped += uint64(len(wops))
	for i, op := range wops {
		errs[at[i]] = op.err
		if op.err == nil {
			applied = append(applied, op.preps...)
		}
	}
	return errs, nil
}
