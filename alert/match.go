package alert

import (
	"context"
	"fmt"
	"sort"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

// Matching.
//
// Written (the index's write hook) runs on the writer's goroutine before
// the write is acknowledged: it records the write's ids as pending (one
// bbolt transaction, fsynced) and queues the analysed articles. The
// matcher takes everything queued at once, runs every alert on it
// (index.Index.Match: an in-memory index of just those articles), and in
// one transaction records the matches and clears the pending entries. A
// crash between the two leaves the entries pending: Open reads those
// articles back from the index and matches them again, and since a match
// is recorded once per alert and article, nothing is recorded twice.
// Writers wait only when Options.MaxQueued articles are queued: the
// matcher then sets the pace.
//
// An alert matches the writes made after it was saved: each write carries
// the creation order of the newest alert at the time it was written
// (pendingWrite.Gen), and older writes do not match a newer alert.

// queued is a write waiting to be matched.
type queued struct {
	w       *index.Written
	pending uint64 // its pending entry; 0 if it could not be recorded
	gen     uint64
}

// Written is the index's write hook (index.Index.SetWriteHook).
func (s *Service) Written(w *index.Written) {
	if w.Len() == 0 {
		return
	}
	s.mu.Lock()
	var gen uint64
	for _, e := range s.specs {
		gen = max(gen, e.seq)
	}
	none := len(s.specs) == 0
	s.mu.Unlock()
	if none { // no alert: nothing can match, and nothing need be recorded
		return
	}
	key, err := s.db.addPending(pendingWrite{IDs: w.IDs(), Gen: gen})
	if err != nil {
		s.log.Error("alerts: recording a write to match; it is matched, but not again after a crash", "err", err)
	}
	s.enqueue(&queued{w: w, pending: key, gen: gen})
}

func (s *Service) enqueue(q *queued) {
	s.qmu.Lock()
	for s.queued >= s.opts.MaxQueued && !s.closing {
		s.qcond.Wait()
	}
	s.queue = append(s.queue, q)
	s.queued += q.w.Len()
	s.qcond.Broadcast()
	s.qmu.Unlock()
}

// Flush waits until every write queued so far is matched and recorded.
func (s *Service) Flush(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		s.qmu.Lock()
		s.qcond.Broadcast()
		s.qmu.Unlock()
	})
	defer stop()
	s.qmu.Lock()
	defer s.qmu.Unlock()
	for len(s.queue) > 0 || s.busy {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.qcond.Wait()
	}
	return nil
}

// recover queues the writes a crash left pending, read back from the
// index.
func (s *Service) recover(ctx context.Context) error {
	keys, ps, err := s.db.pending()
	if err != nil {
		return err
	}
	for i, p := range ps {
		w, err := s.opts.Index.WrittenOf(ctx, p.IDs)
		if err != nil {
			return fmt.Errorf("matching the writes left pending: %w", err)
		}
		s.queue = append(s.queue, &queued{w: w, pending: keys[i], gen: p.Gen})
		s.queued += w.Len()
	}
	if len(ps) > 0 {
		s.log.Info("alerts: matching the writes left pending", "writes", len(ps), "articles", s.queued)
	}
	return nil
}

func (s *Service) matchLoop() {
	defer s.matched.Done()
	for {
		s.qmu.Lock()
		for len(s.queue) == 0 && !s.closing {
			s.qcond.Wait()
		}
		if len(s.queue) == 0 {
			s.qmu.Unlock()
			return
		}
		items := s.queue
		s.queue, s.busy = nil, true
		s.qmu.Unlock()

		if err := s.match(items); err != nil {
			s.log.Error("alerts: matching written articles; they are matched again at the next start", "err", err)
		}
		n := 0
		for _, q := range items {
			n += q.w.Len()
		}
		s.qmu.Lock()
		s.queued -= n
		s.busy = false
		s.qcond.Broadcast()
		s.qmu.Unlock()
	}
}

// match matches queued writes against every alert and records what they
// matched.
func (s *Service) match(items []*queued) error {
	s.mu.Lock()
	ids := make([]string, 0, len(s.specs))
	for id := range s.specs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	entries := make([]specEntry, len(ids))
	for i, id := range ids {
		entries[i] = s.specs[id]
	}
	s.mu.Unlock()

	ws := make([]*index.Written, len(items))
	gen := map[string]uint64{} // the write of an id's last version
	arts := map[string]*article.Article{}
	var done []uint64
	for i, q := range items {
		ws[i] = q.w
		for _, a := range q.w.Articles() {
			gen[a.ID], arts[a.ID] = q.gen, a
		}
		if q.pending != 0 {
			done = append(done, q.pending)
		}
	}
	reqs := make([]index.Request, 0, len(entries))
	use := make([]int, 0, len(entries)) // reqs[j] is entries[use[j]]
	for i, e := range entries {
		r, err := s.request(e.spec)
		if err != nil {
			s.log.Warn("alerts: an alert's dates no longer resolve; it is skipped", "alert", ids[i], "err", err)
			continue
		}
		reqs, use = append(reqs, r), append(use, i)
	}
	var fs []found
	if len(reqs) > 0 {
		out, errs, err := s.opts.Index.Match(context.Background(), ws, reqs)
		if err != nil {
			return err
		}
		for j, matched := range out {
			i := use[j]
			if errs[j] != nil {
				s.log.Warn("alerts: an alert could not be matched", "alert", ids[i], "err", errs[j])
				continue
			}
			for _, aid := range matched {
				if gen[aid] < entries[i].seq { // written before the alert was saved
					continue
				}
				a := arts[aid]
				fs = append(fs, found{alertID: ids[i], m: Match{
					ArticleID: aid, Title: a.Title, URL: a.URL, Source: a.Source, PublishedAt: a.PublishedAt,
				}})
			}
		}
	}
	recorded, err := s.db.record(fs, done, s.opts.Now().UTC())
	if err != nil {
		return err
	}
	if len(recorded) == 0 {
		return nil
	}
	s.mu.Lock()
	s.last = recorded[len(recorded)-1].Seq
	close(s.change)
	s.change = make(chan struct{})
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}
