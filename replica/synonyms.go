package replica

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/synonym"
)

// Synonyms through the stream.
//
// The synonym list is one subject, <prefix>.synonyms, whose every message
// holds the whole list (the rules in their written form, as JSON): with
// MaxMsgsPerSubject 1 the stream keeps the latest list, which is all a new
// node needs. A write (PUT, POST, DELETE) computes the new list from the
// list of the subject's last message, and publishes it only if that
// message is still the subject's last (JetStream's expected last subject
// sequence): two nodes adding a rule at once cannot lose either, the
// second is refused by JetStream and computed again from the first.
//
// Every node applies a list by storing it in its index with the message's
// sequence, in one batch (index.SetStateAt), then making it the list its
// searches use (SynonymList.Replace, which also feeds its words to the
// dictionary). At start a node takes the list its index holds: a restart
// or a restore from a peer's snapshot resumes with the list of the
// sequence it resumes from.

const (
	opSynonyms = "synonyms"
	// synonymsKey is the index state (index.State) holding the list.
	synonymsKey = "synonyms"
	// casBackoff and casMaxBackoff bound the pause before a synonym write
	// refused by JetStream is computed again: doubled after each refusal,
	// with jitter, so writers racing on the subject spread out.
	casBackoff    = 5 * time.Millisecond
	casMaxBackoff = 250 * time.Millisecond
)

// SynonymList is the node's local synonym list (a *synonym.Store without
// a data directory: the index keeps the list).
type SynonymList interface {
	Current() *synonym.Set
	Replace(ctx context.Context, rules []synonym.Rule) (*synonym.Set, error)
}

// errConflict: the synonym subject has a newer message than the one a
// write was computed from.
var errConflict = errors.New("the synonym list changed meanwhile")

func synonymSubject(prefix string) string { return prefix + ".synonyms" }

func encodeRules(rules []synonym.Rule) ([]byte, error) {
	texts := make([]string, len(rules))
	for i, r := range rules {
		texts[i] = r.String()
	}
	return json.Marshal(texts)
}

func decodeRules(raw []byte) ([]synonym.Rule, error) {
	var texts []string
	if err := json.Unmarshal(raw, &texts); err != nil {
		return nil, err
	}
	rules := make([]synonym.Rule, len(texts))
	for i, t := range texts {
		r, err := synonym.ParseRule(t)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
		rules[i] = r
	}
	return rules, nil
}

func synonymsMsg(prefix, req string, body []byte) *nats.Msg {
	return newMsg(synonymSubject(prefix), opSynonyms, req, "", body)
}

// loadSynonyms makes the list the index holds the local list (at Open).
func (n *Node) loadSynonyms(ctx context.Context) error {
	if n.opts.Synonyms == nil {
		return nil
	}
	raw, err := n.ix.State(synonymsKey)
	if err != nil || raw == nil {
		return err
	}
	rules, err := decodeRules(raw)
	if err != nil {
		return fmt.Errorf("the synonym list stored in the index: %w", err)
	}
	_, err = n.opts.Synonyms.Replace(ctx, rules)
	return err
}

// applySynonyms applies a run of synonym messages: each holds the whole
// list, so the last valid one is the list; the others are superseded.
// Which one is valid does not depend on how messages fall into batches,
// so every node ends with the same list.
func (n *Node) applySynonyms(run []entry) {
	seq := run[len(run)-1].seq
	errs := make([]error, len(run))
	last := -1
	for i, e := range run {
		errs[i] = e.err
		if e.err == nil {
			if _, err := synonym.NewSet(e.syn); err != nil {
				errs[i] = fmt.Errorf("message %d: %w", e.seq, err)
				continue
			}
			last = i
		}
	}
	if last >= 0 && n.opts.Synonyms == nil {
		errs[last] = fmt.Errorf("message %d: a synonym list, but this node keeps none", run[last].seq)
		last = -1
	}
	var body []byte
	if last >= 0 {
		var err error
		if body, err = encodeRules(run[last].syn); err != nil {
			errs[last], last = err, -1
		}
	}
	n.retry(seq, func() error {
		if last < 0 {
			_, err := n.ix.ApplyAt(n.ctx, seq)
			return err
		}
		if err := n.ix.SetStateAt(n.ctx, seq, synonymsKey, body); err != nil {
			return err
		}
		_, err := n.opts.Synonyms.Replace(n.ctx, run[last].syn)
		if err != nil && (errors.Is(err, synonym.ErrBadRule) || errors.Is(err, index.ErrBadWord)) {
			errs[last] = err // stored; every node fails alike
			return nil
		}
		return err
	})
	if n.ctx.Err() != nil {
		return
	}
	for i, err := range errs {
		if err != nil {
			n.log.Warn("replication: a synonym list could not be applied", "seq", run[i].seq, "err", err)
			n.applyFailures.Add(1)
		}
	}
	n.advance(seq, run, errs, index.AddResult{})
}

// Synonyms is the node's synonym list for the API (api.Synonyms): reads
// from the local list, writes through the stream.
type Synonyms struct{ n *Node }

// Synonyms returns the replicated list; Options.Synonyms must be set.
func (n *Node) Synonyms() *Synonyms { return &Synonyms{n: n} }

// Current is the list this node's searches use.
func (s *Synonyms) Current() *synonym.Set { return s.n.opts.Synonyms.Current() }

// Replace publishes rules as the whole list.
func (s *Synonyms) Replace(ctx context.Context, rules []synonym.Rule) (*synonym.Set, error) {
	set, _, err := s.write(ctx, func(*synonym.Set) ([]synonym.Rule, int, error) { return rules, 0, nil })
	return set, err
}

// Add publishes the list with the rules it lacks, and says how many; a
// list that has them all is not published again.
func (s *Synonyms) Add(ctx context.Context, rules []synonym.Rule) (*synonym.Set, int, error) {
	return s.write(ctx, func(old *synonym.Set) ([]synonym.Rule, int, error) {
		all, added := synonym.Merge(old, rules)
		if added == 0 {
			return nil, 0, errUnchanged
		}
		return all, added, nil
	})
}

// Delete publishes the list without the rules named (all of them with
// all); synonym.ErrNotFound if it holds none of them.
func (s *Synonyms) Delete(ctx context.Context, rules []synonym.Rule, all bool) (*synonym.Set, int, error) {
	return s.write(ctx, func(old *synonym.Set) ([]synonym.Rule, int, error) {
		return synonym.Without(old, rules, all)
	})
}

var errUnchanged = errors.New("unchanged")

// write computes the new list from the latest one and publishes it if the
// latest is still the subject's last message, computing it again when
// another write came first.
//
// JetStream refuses the publish both when another list was stored since
// the read and, on a replicated stream, while another list is still in
// flight (proposed, not yet applied by the stream's leader): the second
// refusal comes with no new list to read, and retrying at once spins
// until that list lands. So a refused write pauses (casBackoff doubling
// to casMaxBackoff, jittered) and is computed again as long as the
// subject moves on; it gives up, as unavailable, only when the subject's
// last message stayed the same for PublishTimeout while every attempt
// was refused.
func (s *Synonyms) write(ctx context.Context, change func(old *synonym.Set) ([]synonym.Rule, int, error)) (*synonym.Set, int, error) {
	n := s.n
	if n.opts.Synonyms == nil {
		return nil, 0, errors.New("replica: this node keeps no synonym list")
	}
	backoff := casBackoff
	seen, since := uint64(0), time.Now()
	for attempt := 1; ; attempt++ {
		last, err := n.lastSynonymSeq(ctx)
		if err != nil {
			return nil, 0, err
		}
		if attempt == 1 || last != seen {
			seen, since = last, time.Now()
		}
		// The local list is the subject's last once the node applied it.
		if err := n.waitApplied(ctx, last); err != nil {
			return nil, 0, err
		}
		old := n.opts.Synonyms.Current()
		rules, count, err := change(old)
		if errors.Is(err, errUnchanged) {
			return old, 0, nil
		}
		if err != nil {
			return nil, 0, err
		}
		set, err := synonym.NewSet(rules) // refused before it is published
		if err != nil {
			return nil, 0, err
		}
		body, err := encodeRules(set.Rules())
		if err != nil {
			return nil, 0, err
		}
		if len(body) > n.opts.MaxMessageBytes {
			return nil, 0, fmt.Errorf("%w: the list is %d bytes of JSON, over the %d a message may hold", synonym.ErrBadRule, len(body), n.opts.MaxMessageBytes)
		}
		req := n.nextReq()
		_, err = n.publish(ctx, req, []*nats.Msg{synonymsMsg(n.opts.Subject, req, body)}, jetstream.WithExpectLastSequencePerSubject(last))
		if errors.Is(err, errConflict) {
			if time.Since(since) >= n.opts.PublishTimeout {
				return nil, 0, fmt.Errorf("%w: %d synonym writes refused by the replication log while the list stayed at message %d for %v: %v",
					index.ErrUnavailable, attempt, last, n.opts.PublishTimeout, err)
			}
			if err := sleepCtx(ctx, backoff/2+rand.N(backoff/2+1)); err != nil {
				return nil, 0, err
			}
			backoff = min(2*backoff, casMaxBackoff)
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		return set, count, nil
	}
}

// sleepCtx pauses for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lastSynonymSeq is the stream sequence of the synonym subject's last
// message, 0 if it has none.
func (n *Node) lastSynonymSeq(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, n.opts.PublishTimeout)
	defer cancel()
	s, err := n.js.Stream(ctx, n.opts.Stream)
	if err != nil {
		return 0, fmt.Errorf("%w: reading stream %s: %v", index.ErrUnavailable, n.opts.Stream, err)
	}
	m, err := s.GetLastMsgForSubject(ctx, synonymSubject(n.opts.Subject))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("%w: reading the synonym list's last message: %v", index.ErrUnavailable, err)
	}
	return m.Sequence, nil
}

// isWrongLastSeq reports JetStream refusing a publish whose expected last
// subject sequence is not the subject's last (10164 on replicated
// streams, 10071 otherwise).
func isWrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}
