package index

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

// Compaction when writes pause.
//
// Every write group becomes a segment of its own, and scorch's merger
// folds them together by its tiered plan, which leaves an index of a few
// dozen segments after an import through the API: 9 after the first
// 20,000 xwlb articles. Each segment carries its own term dictionaries
// and postings headers, and every query term is looked up in every one
// of them: in one segment the same 20,000 articles take 161 MB instead
// of 189 MB, and one client's median search 1.27 ms instead of 1.64 ms
// (2026-12-03, see docs/performance.md). So when writes have paused for
// a while, the index merges its segments into one, if the segments
// other than the largest hold a good share of the documents: a newsroom
// adding a few articles to a large archive does not rewrite it each
// time; an import or a day's publishing does, once, afterwards. An
// index opened counts as written: one a server was stopped with soon after
// an import is compacted after the first pause too.
//
// The merge runs in scorch's merger, beside searches and writes, which
// go on as usual (a write during it becomes a segment of its own again).

// compactShare is the share of an index's documents that must lie
// outside its largest segment before an idle index is compacted.
const compactShare = 0.10

// compactor merges an index's segments when writes pause.
type compactor struct {
	idle   time.Duration                      // 0: never
	wrote  chan struct{}                      // a write happened (buffered, never blocks)
	busy   atomic.Int64                       // writes being analysed or applied
	run    func(context.Context) (int, error) // compactIfWorth; tests replace it
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	passes uint64 // compactions done
	last   CompactionStatus
}

// CompactionStatus describes the last compaction of an index.
type CompactionStatus struct {
	Passes   uint64        // compactions done since the index was opened
	Segments int           // segments merged by the last one
	Took     time.Duration // how long the last one took
}

// startCompactor starts the idle compaction of ix (an index on disk
// that is not bulk) with run (compactIfWorth); idle <= 0 leaves it off.
func (ix *Index) startCompactor(idle time.Duration, run func(context.Context) (int, error), log *slog.Logger) {
	c := &ix.compact
	c.run, c.log = run, log
	c.wrote = make(chan struct{}, 1)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if idle <= 0 || ix.path == "" || ix.bulk {
		return
	}
	c.idle = idle
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ix.compactLoop()
	}()
}

// kick starts the compactor's wait for a pause as a write would.
func (c *compactor) kick() {
	if c.wrote == nil {
		return
	}
	select {
	case c.wrote <- struct{}{}:
	default:
	}
}

// stopCompactor stops a compaction in progress and the loop.
func (ix *Index) stopCompactor() {
	if ix.compact.cancel != nil {
		ix.compact.cancel()
	}
	ix.compact.wg.Wait()
}

// writing tells the compactor that a write (its analysis, or its
// application and persistence) is under way until the function it
// returns is called.
func (ix *Index) writing() (done func()) {
	c := &ix.compact
	c.busy.Add(1)
	return func() {
		c.busy.Add(-1)
		select {
		case c.wrote <- struct{}{}:
		default:
		}
	}
}

// Compaction reports the idle compactions done so far.
func (ix *Index) Compaction() CompactionStatus {
	ix.compact.mu.Lock()
	defer ix.compact.mu.Unlock()
	s := ix.compact.last
	s.Passes = ix.compact.passes
	return s
}

func (ix *Index) compactLoop() {
	c := &ix.compact
	timer := time.NewTimer(c.idle)
	timer.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.wrote:
		}
		timer.Reset(c.idle)
	quiet: // until no write for c.idle
		for {
			select {
			case <-c.ctx.Done():
				timer.Stop()
				return
			case <-c.wrote:
				timer.Reset(c.idle)
			case <-timer.C:
				if c.busy.Load() > 0 { // a long write is still under way
					timer.Reset(c.idle)
					continue
				}
				break quiet
			}
		}
		segs, err := c.run(c.ctx)
		switch {
		case c.ctx.Err() != nil:
			return
		case err != nil:
			c.log.Warn("compacting the index failed; it stays as it is", "err", err)
		case segs > 0:
			st := ix.Compaction()
			c.log.Info("compacted the index", "segments", segs, "took", st.Took.Round(time.Millisecond))
		}
	}
}

// compactIfWorth merges the index's segments into one when those other
// than the largest hold at least compactShare of its documents; it
// returns how many segments it merged (0: none).
func (ix *Index) compactIfWorth(ctx context.Context) (int, error) {
	sc := ix.scorch()
	if sc == nil {
		return 0, nil
	}
	segs, worth, err := segmentsWorthCompacting(sc)
	if err != nil || !worth {
		return 0, err
	}
	start := time.Now()
	one := mergeplan.SingleSegmentMergePlanOptions
	one.SegmentsPerMergeTask = 1 << 20 // one merge task, not rounds of 10
	if err := sc.ForceMerge(ctx, &one); err != nil {
		return 0, fmt.Errorf("merging segments: %w", err)
	}
	c := &ix.compact
	c.mu.Lock()
	c.passes++
	c.last = CompactionStatus{Segments: segs, Took: time.Since(start)}
	c.mu.Unlock()
	return segs, nil
}

// segmentsWorthCompacting counts the segments of the index's current
// snapshot and says whether merging them is worth it.
func segmentsWorthCompacting(sc *scorch.Scorch) (int, bool, error) {
	r, err := sc.Reader()
	if err != nil {
		return 0, false, err
	}
	defer func() { _ = r.Close() }()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return 0, false, nil
	}
	var counts []uint64
	for _, s := range snap.Segments() {
		counts = append(counts, s.Count())
	}
	return len(counts), worthCompacting(counts), nil
}

// worthCompacting says whether segments of these live document counts
// should be merged into one: there are several, and those other than
// the largest hold at least compactShare of the documents.
func worthCompacting(counts []uint64) bool {
	if len(counts) < 2 {
		return false
	}
	var total, largest uint64
	for _, n := range counts {
		total += n
		largest = max(largest, n)
	}
	return total > 0 && float64(total-largest) >= compactShare*float64(total)
}
