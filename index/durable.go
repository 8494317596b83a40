package index

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Durable writes, and what happens when the disk is full.
//
// Scorch's safe batches (Batch returns once the batch is persisted) cannot
// survive a failed persist: the batch's segment is already in the index's
// in-memory root, searchable, when the persist fails; Batch then closes
// that segment (scorch.go, Batch: newSegment.Close() on any error) while
// the root still holds it, so the next search or merge that reads it
// panics with "assignment to entry in nil map" (zapx's cleared caches);
// and the persister retries until it succeeds, so once space is freed the
// write that answered an error is stored after all. That is what a full
// disk did to the server.
//
// So every index on disk opens with scorch's unsafe batches, and a write
// waits for its own persisted callback instead (persistBatch). Scorch
// reports each failed persist attempt to an async error callback, keyed
// by the index's path, so a waiting write learns of the failure at once
// and of its cause. A write whose persist fails is undone (groupcommit.go:
// a second batch restores what its ids held before) and answers an error
// wrapping ErrDiskFull (no space or quota left) or ErrPersist (any other
// cause); scorch goes on retrying in the background, and once space is
// freed it persists a root in which the failed write and its undoing
// cancel out. The index is "disk full" (Health) from a failed persist
// until a write is persisted again or space is freed.

// ErrDiskFull means a write could not be made durable because the disk
// (or the quota) has no space left; the write is not stored.
var ErrDiskFull = errors.New("the disk is full: the write was not stored")

// asyncErrorCallback is the name under which the index registers its
// persist-failure callback in scorch's registry of async error callbacks
// (bleve's registry, like the tokenizer's; written once, in init).
const asyncErrorCallback = "zhsearch-persist"

func init() {
	scorch.RegistryAsyncErrorCallbacks[asyncErrorCallback] = func(err error, path string) {
		if v, ok := persistStates.Load(filepath.Clean(path)); ok {
			v.(*persistState).failed(err)
		}
	}
}

// persistStates maps a scorch store path to its index's persist state.
// Scorch's callback knows only the path; the map is how it finds the
// index. (An Index field would do, but index.go is being rewritten:
// Index.persist looks the state up here.)
var persistStates sync.Map // string -> *persistState

// persistState is what an index on disk knows of scorch's persister.
type persistState struct {
	mu       sync.Mutex
	changed  chan struct{} // closed and replaced at every failure
	lastErr  error         // the latest failed attempt's error
	full     bool          // the latest persist outcome was a failure
	failures atomic.Uint64 // failed persist attempts since open
	undone   atomic.Uint64 // writes undone because they could not be persisted
}

// watchPersist (re)starts the persist state of the scorch store at path.
func watchPersist(store string) *persistState {
	ps := &persistState{changed: make(chan struct{})}
	persistStates.Store(filepath.Clean(store), ps)
	return ps
}

func (ps *persistState) failed(err error) {
	ps.failures.Add(1)
	ps.mu.Lock()
	ps.lastErr = err
	ps.full = true
	close(ps.changed)
	ps.changed = make(chan struct{})
	ps.mu.Unlock()
}

func (ps *persistState) succeeded() {
	ps.mu.Lock()
	ps.full = false
	ps.lastErr = nil
	ps.mu.Unlock()
}

// snapshot returns the failure count and the channel closed at the next
// failure.
func (ps *persistState) snapshot() (uint64, <-chan struct{}) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.failures.Load(), ps.changed
}

// persist is the index's persist state, or nil for an index in memory.
func (ix *Index) persist() *persistState {
	if ix.path == "" {
		return nil
	}
	v, ok := persistStates.Load(filepath.Clean(filepath.Join(ix.path, "store")))
	if !ok {
		return nil
	}
	return v.(*persistState)
}

// persistFailures is how many failed persist attempts mean a write's
// batch failed: scorch persists one root at a time and retries at once,
// so of two failures after the batch joined the root, the second was an
// attempt at a root that held it.
const persistFailures = 2

// persistBatch writes b and returns once it is persisted, or an error
// wrapping ErrDiskFull or ErrPersist when scorch fails to persist it; the
// batch is then in the in-memory index (the caller undoes it), and
// scorch keeps retrying in the background. For an index in memory it is
// Batch.
func (ix *Index) persistBatch(b *bleve.Batch) error {
	w, err := ix.applyBatch(b)
	if err != nil {
		return err
	}
	return w.wait()
}

// persistWait is a batch applied to the in-memory index, waiting to be
// persisted.
type persistWait struct {
	ps      *persistState // nil: an index in memory, nothing to wait for
	b       *bleve.Batch
	done    chan error
	before  uint64
	changed <-chan struct{}

	once sync.Once // every op of a group waits: the first one reads done
	err  error
}

// applyBatch writes b to the in-memory index (searchable when it returns)
// and returns what waits for it to be persisted; an error means b was not
// applied.
func (ix *Index) applyBatch(b *bleve.Batch) (*persistWait, error) {
	ps := ix.persist()
	if ps == nil {
		return &persistWait{}, ix.bi.Batch(b)
	}
	w := &persistWait{ps: ps, b: b, done: make(chan error, 1)}
	b.SetPersistedCallback(func(err error) { w.done <- err })
	w.before, w.changed = ps.snapshot()
	if err := ix.bi.Batch(b); err != nil {
		return nil, err // not applied: scorch failed before the root changed
	}
	return w, nil
}

// wait returns once the batch is persisted, or an error wrapping
// ErrDiskFull or ErrPersist when scorch fails to persist it. Any number
// of goroutines may wait.
func (w *persistWait) wait() error {
	if w.ps == nil {
		return nil
	}
	w.once.Do(func() { w.err = w.await() })
	return w.err
}

func (w *persistWait) await() error {
	for {
		select {
		case err := <-w.done:
			if err == nil && w.b.TotalDocsSize() > 0 {
				// Only a batch with documents shows there is room again:
				// deletions persist into pages root.bolt already has.
				w.ps.succeeded()
			}
			return err
		case <-w.changed:
			var n uint64
			n, w.changed = w.ps.snapshot()
			if n-w.before >= persistFailures {
				return w.ps.err()
			}
		}
	}
}

// err is the error a write answers when its persist failed.
func (ps *persistState) err() error {
	ps.mu.Lock()
	last := ps.lastErr
	ps.mu.Unlock()
	if isNoSpace(last) {
		return fmt.Errorf("%w (%v)", ErrDiskFull, noSpaceCause(last))
	}
	return fmt.Errorf("%w: %v", ErrPersist, last)
}

// isNoSpace reports whether a persist error is a full disk or quota.
// Scorch formats the cause into its message with %v, so errors.Is
// cannot see the errno; the message still holds its text.
func isNoSpace(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, syscall.ENOSPC.Error()) || strings.Contains(msg, syscall.EDQUOT.Error())
}

func noSpaceCause(err error) string {
	if err != nil && strings.Contains(err.Error(), syscall.EDQUOT.Error()) {
		return syscall.EDQUOT.Error()
	}
	return syscall.ENOSPC.Error()
}

// minFreeAfterFull is how much free space ends a "disk full" state
// without a write: enough for a batch of a few articles' segment.
const minFreeAfterFull = 4 << 20

// Health reports whether writes can be made durable: nil, or an error
// wrapping ErrDiskFull (or ErrPersist) from a failed persist until a
// write with documents is persisted again or, for a full disk, the file
// system has minFreeAfterFull bytes free again (so it clears once space
// is freed, without a write).
func (ix *Index) Health(ctx context.Context) error {
	ps := ix.persist()
	if ps == nil {
		return nil
	}
	ps.mu.Lock()
	full, last := ps.full, ps.lastErr
	ps.mu.Unlock()
	if !full {
		return nil
	}
	var st syscall.Statfs_t
	if isNoSpace(last) && syscall.Statfs(ix.path, &st) == nil && int64(st.Bavail)*int64(st.Bsize) >= minFreeAfterFull {
		ps.succeeded()
		return nil
	}
	return ps.err()
}

// PersistStats counts what went wrong persisting writes since Open.
type PersistStats struct {
	// FailedAttempts counts scorch's failed attempts to persist the
	// index (it retries at once, so a full disk makes many).
	FailedAttempts uint64
	// UndoneWrites counts writes (Put or Delete calls) answered with an
	// error because they could not be persisted, and undone.
	UndoneWrites uint64
}

// PersistStats reports failed persists since Open.
func (ix *Index) PersistStats() PersistStats {
	ps := ix.persist()
	if ps == nil {
		return PersistStats{}
	}
	return PersistStats{FailedAttempts: ps.failures.Load(), UndoneWrites: ps.undone.Load()}
}
