package index

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Bulk writes (Options.Bulk).
//
// With scorch's safe batches every Batch call waits for its segment to be
// written and fsynced, and the CPU idles meanwhile. A bulk index opens with
// unsafe batches: Batch returns once the segment is searchable, and
// scorch's persister writes it in the background, merging the segments
// that queued up while it wrote the previous ones. The index keeps each
// batch's persisted callback and lets at most maxUnpersisted batches wait
// for the disk, so memory stays bounded; Close waits for all of them.

// maxUnpersisted is how many written batches may wait to be persisted.
const maxUnpersisted = 2

// ErrPersist means the index could not write its data to disk.
var ErrPersist = errors.New("the index could not persist its data (is the disk full?)")

// track arranges for b's persistence to be waited for (writeMu held);
// done must be called with Batch's outcome.
func (ix *Index) track(b *bleve.Batch) (done func(batchErr error)) {
	ch := make(chan error, 1)
	b.SetPersistedCallback(func(err error) { ch <- err })
	return func(batchErr error) {
		if batchErr == nil {
			ix.unpersisted = append(ix.unpersisted, ch)
		}
	}
}

// drain waits until at most keep batches wait to be persisted (writeMu
// held). It fails when scorch's persister reports errors meanwhile: the
// persister retries forever, so waiting for the callback would hang.
func (ix *Index) drain(keep int) error {
	for len(ix.unpersisted) > keep {
		errsBefore := ix.persistErrors()
		tick := time.NewTicker(time.Second)
		var err error
	wait:
		for {
			select {
			case err = <-ix.unpersisted[0]:
				break wait
			case <-tick.C:
				if n := ix.persistErrors(); n > errsBefore {
					err = fmt.Errorf("%w: %d failed attempts", ErrPersist, n-errsBefore)
					break wait
				}
			}
		}
		tick.Stop()
		if err != nil {
			return err
		}
		ix.unpersisted = ix.unpersisted[1:]
	}
	return nil
}

// persistErrors counts scorch's failed attempts to persist a snapshot.
func (ix *Index) persistErrors() uint64 {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return 0
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return 0
	}
	st, ok := sc.Stats().(*scorch.Stats)
	if !ok {
		return 0
	}
	return atomic.LoadUint64(&st.TotPersistLoopErr)
}
