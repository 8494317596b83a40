// Package replica keeps a zhsearch index in step with its peers through a
// NATS JetStream stream: the replicated, ordered log of every write.
//
// A Node sits between the API and the index. It takes writes (articles,
// deletes, pages, dictionary words, the synonym list) as the API's Store
// does, but instead of writing them to its index it publishes them to the
// stream, one message per article or word (message.go) and one holding
// the whole synonym list (synonyms.go), and answers once JetStream
// has stored them on a quorum of its servers (the stream's replicas, 3 in
// production) and this node has applied them to its own index: the
// writer reads its own write. Every node consumes the whole stream in
// order (a JetStream ordered consumer) into its own bleve index, and
// records the stream sequence of the last message it applied in the same
// batch (index.ApplyAt, index.SetStateAt), so a restarted node resumes
// exactly after it.
// Reads are served from the local index by any node.
//
// JetStream is the consensus: zhsearch runs no protocol of its own. See
// docs/scale.md for the guarantees and the failure cases.
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// Options configure a Node. Zero values take the defaults.
type Options struct {
	// URLs are the NATS servers to connect to (nats://host:4222); the
	// client fails over between them.
	URLs []string
	// Stream is the JetStream stream's name; "ZHSEARCH" if empty.
	Stream string
	// Subject is the prefix of the stream's subjects; "zhsearch" if empty.
	Subject string
	// Replicas is the stream's replication factor: 3 in production
	// (tolerates one NATS server down); 1 for a single NATS server.
	Replicas int
	// MaxLag is how many messages a node may be behind the stream and
	// still be ready (/readyz); 0 is DefaultMaxLag.
	MaxLag uint64
	// PublishTimeout bounds the wait for JetStream to store a write on a
	// quorum; past it the write is refused as unavailable (503).
	PublishTimeout time.Duration
	// PollInterval is how often the stream's last sequence is read to
	// measure the lag; 0 is one second.
	PollInterval time.Duration
	// MaxMessageBytes is the largest write message this node needs to
	// publish (an article's JSON); the NATS servers' max_payload must be
	// at least that. 0 is article.MaxArticleBytes plus 64 KiB.
	MaxMessageBytes int
	// Synonyms is the local synonym list the stream's synonym messages
	// go to (synonyms.go); nil for a node that keeps none.
	Synonyms SynonymList
	// Alerts are the local saved searches the stream's alert messages go
	// to (alerts.go); nil for a node that keeps none.
	Alerts AlertList
	// Lease, if set, is bound to this node's connection: the webhook
	// lease and the deliveries' outcomes the alerts share (lease.go).
	Lease  *WebhookLease
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultStream         = "ZHSEARCH"
	DefaultSubject        = "zhsearch"
	DefaultMaxLag         = 100
	DefaultPublishTimeout = 5 * time.Second
	// applyBatch bounds the messages one index batch applies.
	applyBatch = 256
)

// Node is one replica: its index, fed by the stream, and the writes it
// publishes. It is safe for concurrent use.
type Node struct {
	ix   *index.Index
	opts Options
	log  *slog.Logger
	id   string // tells this node's requests apart in the stream
	reqN atomic.Uint64

	nc *nats.Conn
	js jetstream.JetStream

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	in     chan jetstream.Msg // delivered, not yet applied

	mu         sync.Mutex
	applied    uint64        // the index's applied sequence
	changed    chan struct{} // closed and replaced when applied moves
	streamLast uint64        // the stream's last sequence, as last seen
	known      bool          // the stream's state was read at least once
	lastErr    error         // the last failure to reach the stream or apply
	waiting    map[string]*outcome

	applyFailures atomic.Uint64
	alertsSynced  bool // syncAlerts ran (consume's goroutine only)
}

// outcome collects what applying a request's messages gave, for the
// request's caller waiting in this node.
type outcome struct {
	err   error
	words index.AddResult
}

// Open connects to NATS, creates or updates the stream, and starts
// consuming it into ix from the message after ix's applied sequence. The
// node then keeps trying in the background whatever fails (NATS down, no
// quorum); Status and Ready say how it goes. Close stops it; the caller
// closes ix after.
func Open(ctx context.Context, ix *index.Index, opts Options) (*Node, error) {
	if len(opts.URLs) == 0 {
		return nil, errors.New("replica: no NATS URL")
	}
	if opts.Stream == "" {
		opts.Stream = DefaultStream
	}
	if opts.Subject == "" {
		opts.Subject = DefaultSubject
	}
	if opts.Replicas <= 0 {
		opts.Replicas = 3
	}
	if opts.MaxLag == 0 {
		opts.MaxLag = DefaultMaxLag
	}
	if opts.PublishTimeout <= 0 {
		opts.PublishTimeout = DefaultPublishTimeout
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = article.MaxArticleBytes + 64<<10
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	applied, err := ix.AppliedSeq()
	if err != nil {
		return nil, err
	}
	n := &Node{
		ix: ix, opts: opts, log: opts.Logger.With("component", "replica"),
		id: nuid.Next(), in: make(chan jetstream.Msg, 4*applyBatch),
		applied: applied, changed: make(chan struct{}), waiting: map[string]*outcome{},
	}
	if err := n.loadSynonyms(ctx); err != nil {
		return nil, err
	}
	urls := ""
	for i, u := range opts.URLs {
		if i > 0 {
			urls += ","
		}
		urls += u
	}
	n.nc, err = nats.Connect(urls,
		nats.Name("zhsearch-"+n.id),
		nats.RetryOnFailedConnect(true), // start even while NATS is down
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				n.log.Warn("disconnected from NATS", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { n.log.Info("reconnected to NATS", "server", c.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return nil, fmt.Errorf("connecting to NATS %s: %w", urls, err)
	}
	n.js, err = jetstream.New(n.nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		n.nc.Close()
		return nil, err
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.wg.Add(2)
	go n.run()
	go n.applyLoop()
	if opts.Lease != nil {
		n.wg.Add(1)
		go n.leaseLoop(opts.Lease)
	}
	return n, nil
}

// Close stops consuming and disconnects; writes waiting for their
// messages to be applied fail. The index stays open.
func (n *Node) Close() error {
	n.cancel()
	n.nc.Close()
	n.wg.Wait()
	return nil
}

func (n *Node) streamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        n.opts.Stream,
		Description: "zhsearch writes: the latest version of each article and dictionary word, the synonym list and the saved searches",
		Subjects:    []string{n.opts.Subject + ".>"},
		Replicas:    n.opts.Replicas,
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		// The latest message of each subject (an article id, a word) is
		// all a new node needs to build the index.
		MaxMsgsPerSubject: 1,
		Discard:           jetstream.DiscardOld,
		MaxMsgSize:        int32(n.opts.MaxMessageBytes),
		// A publish retried by the client within this window is stored
		// once (Nats-Msg-Id).
		Duplicates: 2 * time.Minute,
	}
}

// run sets the stream up, then consumes it, starting over after failures
// until Close.
func (n *Node) run() {
	defer n.wg.Done()
	backoff := 250 * time.Millisecond
	for n.ctx.Err() == nil {
		err := n.consume()
		if n.ctx.Err() != nil {
			return
		}
		n.setErr(err)
		n.log.Warn("replication: consuming the stream failed; retrying", "err", err, "in", backoff)
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// consume runs one ordered consumer from after the applied sequence,
// polling the stream's state for the lag, until the context ends or the
// stream cannot be read.
func (n *Node) consume() error {
	ctx, cancel := context.WithTimeout(n.ctx, n.opts.PublishTimeout)
	s, err := n.js.CreateOrUpdateStream(ctx, n.streamConfig())
	cancel()
	if err != nil {
		return fmt.Errorf("creating stream %s: %w", n.opts.Stream, err)
	}
	if mp := n.nc.MaxPayload(); mp < int64(n.opts.MaxMessageBytes) {
		return fmt.Errorf("the NATS server's max_payload is %d bytes, less than the %d an article needs: set max_payload: 8MB in its configuration", mp, n.opts.MaxMessageBytes)
	}
	if err := n.poll(s); err != nil {
		return err
	}
	if !n.alertsSynced {
		ctx, cancel := context.WithTimeout(n.ctx, 4*n.opts.PublishTimeout)
		err := n.syncAlerts(ctx, s)
		cancel()
		if err != nil {
			return err
		}
		n.alertsSynced = true
	}
	n.mu.Lock()
	applied, last := n.applied, n.streamLast
	n.mu.Unlock()
	if applied > last {
		// The stream was deleted and created again: its sequences are not
		// the ones this index was built from.
		return fmt.Errorf("the index has applied message %d but stream %s ends at %d: it was fed by another stream (deleted and re-created?); rebuild this node from an empty index or a peer's snapshot", applied, n.opts.Stream, last)
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{n.opts.Subject + ".>"}}
	if applied > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, applied+1
	}
	cons, err := s.OrderedConsumer(n.ctx, cfg)
	if err != nil {
		return fmt.Errorf("creating the ordered consumer: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case n.in <- m:
		case <-n.ctx.Done():
		}
	}, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		n.log.Debug("replication: consumer", "err", err)
	}))
	if err != nil {
		return fmt.Errorf("consuming stream %s: %w", n.opts.Stream, err)
	}
	defer cc.Stop()
	n.log.Info("replication: consuming", "stream", n.opts.Stream, "from", applied+1, "stream_last", last)
	t := time.NewTicker(n.opts.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return nil
		case <-cc.Closed():
			return errors.New("the consumer stopped")
		case <-t.C:
			if err := n.poll(s); err != nil {
				// The consumer goes on by itself when NATS comes back;
				// meanwhile the lag is as last seen.
				n.setErr(err)
			}
		}
	}
}

// poll reads the stream's last sequence.
func (n *Node) poll(s jetstream.Stream) error {
	ctx, cancel := context.WithTimeout(n.ctx, n.opts.PublishTimeout)
	defer cancel()
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("reading stream %s: %w", n.opts.Stream, err)
	}
	n.mu.Lock()
	n.streamLast = max(n.streamLast, info.State.LastSeq)
	n.known = true
	n.lastErr = nil
	n.mu.Unlock()
	return nil
}

func (n *Node) setErr(err error) {
	n.mu.Lock()
	n.lastErr = err
	n.mu.Unlock()
}

// applyLoop applies delivered messages in batches: each batch takes what
// has been delivered so far, up to applyBatch messages.
func (n *Node) applyLoop() {
	defer n.wg.Done()
	batch := make([]entry, 0, applyBatch)
	for {
		var m jetstream.Msg
		select {
		case <-n.ctx.Done():
			return
		case m = <-n.in:
		}
		batch = batch[:0]
		batch = n.add(batch, m)
	more:
		for len(batch) < applyBatch {
			select {
			case m = <-n.in:
				batch = n.add(batch, m)
			default:
				break more
			}
		}
		n.apply(batch)
	}
}

// add decodes m onto batch, leaving out what is already applied.
func (n *Node) add(batch []entry, m jetstream.Msg) []entry {
	e, err := decode(m)
	if err != nil {
		n.log.Error("replication: a message without metadata", "subject", m.Subject(), "err", err)
		return batch
	}
	n.mu.Lock()
	done := e.seq <= n.applied
	n.streamLast = max(n.streamLast, e.seq)
	n.mu.Unlock()
	if done {
		return batch
	}
	return append(batch, e)
}

// apply writes a batch in order: runs of article ops as one index batch
// each, dictionary words as one AddWords, synonym lists as the last of
// the run, each followed by its sequence.
func (n *Node) apply(batch []entry) {
	for len(batch) > 0 {
		i := 0
		k := batch[0].kind()
		for i < len(batch) && batch[i].kind() == k {
			i++
		}
		switch k {
		case kindWord:
			n.applyWords(batch[:i])
		case kindSynonyms:
			n.applySynonyms(batch[:i])
		case kindAlert:
			n.applyAlerts(batch[:i])
		default:
			n.applyOps(batch[:i])
		}
		batch = batch[i:]
	}
}

func (n *Node) applyOps(run []entry) {
	ops := make([]index.Op, 0, len(run))
	at := make([]int, 0, len(run))
	for i, e := range run {
		if e.err != nil {
			continue
		}
		ops = append(ops, e.op)
		at = append(at, i)
	}
	seq := run[len(run)-1].seq
	var errs []error
	n.retry(seq, func() error {
		var err error
		errs, err = n.ix.ApplyAt(n.ctx, seq, ops...)
		return err
	})
	if n.ctx.Err() != nil {
		return
	}
	res := make([]error, len(run))
	for i, e := range run {
		res[i] = e.err
	}
	for j, err := range errs {
		if err == nil {
			continue
		}
		// A delete of an article that is not there changes nothing (the
		// stream keeps deletes of articles other nodes never saw).
		if run[at[j]].op.Put == nil && errors.Is(err, index.ErrNotFound) {
			continue
		}
		res[at[j]] = err
	}
	for i, err := range res {
		if err != nil && run[i].req != "" {
			n.log.Warn("replication: a message could not be applied", "seq", run[i].seq, "err", err)
			n.applyFailures.Add(1)
		}
	}
	n.advance(seq, run, res, index.AddResult{})
}

func (n *Node) applyWords(run []entry) {
	words := make([]tokenizer.Word, 0, len(run))
	for _, e := range run {
		words = append(words, *e.word)
	}
	seq := run[len(run)-1].seq
	var res index.AddResult
	var werr error
	n.retry(seq, func() error {
		res, werr = n.ix.AddWords(n.ctx, words...)
		// A bad word or a full dictionary is refused alike on every
		// replica: that is the answer, not a failure to retry.
		if werr != nil && !errors.Is(werr, index.ErrBadWord) && !errors.Is(werr, index.ErrDictionaryFull) {
			return werr // a failure to store them: try again
		}
		_, err := n.ix.ApplyAt(n.ctx, seq)
		return err
	})
	if n.ctx.Err() != nil {
		return
	}
	errs := make([]error, len(run))
	for i := range errs {
		errs[i] = werr
	}
	n.advance(seq, run, errs, res)
}

// retry runs f until it succeeds or the node closes: a batch that cannot
// be written (a full disk) stops this node's progress, not its order.
func (n *Node) retry(seq uint64, f func() error) {
	wait := 100 * time.Millisecond
	for {
		err := f()
		if err == nil || n.ctx.Err() != nil {
			return
		}
		n.setErr(fmt.Errorf("applying up to message %d: %w", seq, err))
		n.log.Error("replication: applying failed; retrying", "seq", seq, "err", err, "in", wait)
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 10*time.Second)
	}
}

// advance records the applied sequence and the outcomes of this node's
// requests, and wakes the writers waiting for them.
func (n *Node) advance(seq uint64, run []entry, errs []error, words index.AddResult) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i, e := range run {
		o := n.waiting[e.req]
		if o == nil {
			continue
		}
		if o.err == nil {
			o.err = errs[i]
		}
		if e.word != nil {
			o.words = words
		}
	}
	n.applied = seq
	close(n.changed)
	n.changed = make(chan struct{})
}

// Put publishes articles and returns once they are stored on a quorum
// and applied here. Articles must be normalised; an invalid one fails
// the call before anything is published. A write refused by JetStream
// (no quorum within PublishTimeout) wraps index.ErrUnavailable; some of
// its articles may have been stored all the same (a retry is harmless).
func (n *Node) Put(ctx context.Context, arts ...*article.Article) error {
	if len(arts) == 0 {
		return ctx.Err()
	}
	req := n.nextReq()
	msgs := make([]*nats.Msg, 0, len(arts))
	for _, a := range lastOfEachID(arts) {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("article %q: %w", a.ID, err)
		}
		m, err := putMsg(n.opts.Subject, req, a)
		if err != nil {
			return err
		}
		if len(m.Data) > n.opts.MaxMessageBytes {
			return fmt.Errorf("article %q: %w: %d bytes of JSON, over the %d a message may hold", a.ID, article.ErrInvalid, len(m.Data), n.opts.MaxMessageBytes)
		}
		msgs = append(msgs, m)
	}
	_, err := n.publish(ctx, req, msgs)
	return err
}

// Delete publishes the deletion of an article this node holds;
// index.ErrNotFound if it holds none.
func (n *Node) Delete(ctx context.Context, id string) error {
	if _, err := n.ix.Get(ctx, id); err != nil {
		return err
	}
	req := n.nextReq()
	_, err := n.publish(ctx, req, []*nats.Msg{deleteMsg(n.opts.Subject, req, id)})
	return err
}

// AddWords publishes newsroom words (one message each) and returns what
// adding them did here, once applied. Invalid words fail the call
// (index.ErrBadWord) before anything is published.
func (n *Node) AddWords(ctx context.Context, words ...tokenizer.Word) (index.AddResult, error) {
	if len(words) == 0 {
		return index.AddResult{}, fmt.Errorf("%w: no words given", index.ErrBadWord)
	}
	if len(words) > index.MaxWordsPerRequest {
		return index.AddResult{}, fmt.Errorf("%w: %d words at once; send at most %d", index.ErrBadWord, len(words), index.MaxWordsPerRequest)
	}
	req := n.nextReq()
	msgs := make([]*nats.Msg, 0, len(words))
	for i, w := range words {
		c, err := tokenizer.CleanWord(w)
		if err != nil {
			return index.AddResult{}, fmt.Errorf("word %d: %w", i+1, err)
		}
		m, err := wordMsg(n.opts.Subject, req, c)
		if err != nil {
			return index.AddResult{}, err
		}
		msgs = append(msgs, m)
	}
	o, err := n.publish(ctx, req, msgs)
	if err != nil {
		return index.AddResult{}, err
	}
	return o.words, nil
}

// List, Dictionary and ReindexStatus read the local index.
func (n *Node) List(ctx context.Context, page, size int) (*index.Listing, error) {
	return n.ix.List(ctx, page, size)
}

// Dictionary lists the words added to the segmenter.
func (n *Node) Dictionary(ctx context.Context) (index.Dictionary, error) {
	return n.ix.Dictionary(ctx)
}

// ReindexStatus reports the local index's background re-index.
func (n *Node) ReindexStatus() index.ReindexStatus { return n.ix.ReindexStatus() }

func (n *Node) nextReq() string {
	return n.id + "/" + strconv.FormatUint(n.reqN.Add(1), 10)
}

// publish sends msgs, waits for JetStream to store all of them, then for
// this node to apply the last, and returns the request's outcome.
// opts are added to every message's. A publish refused because its
// expected last subject sequence is not the subject's last wraps
// errConflict.
func (n *Node) publish(ctx context.Context, req string, msgs []*nats.Msg, opts ...jetstream.PublishOpt) (*outcome, error) {
	o := &outcome{}
	n.mu.Lock()
	n.waiting[req] = o
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		delete(n.waiting, req)
		n.mu.Unlock()
	}()

	pctx, cancel := context.WithTimeout(ctx, n.opts.PublishTimeout)
	defer cancel()
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	var last uint64
	var perr error
	for i, m := range msgs {
		f, err := n.js.PublishMsgAsync(m, append([]jetstream.PublishOpt{jetstream.WithMsgID(req + "/" + strconv.Itoa(i)), jetstream.WithExpectStream(n.opts.Stream)}, opts...)...)
		if err != nil {
			perr = err
			break
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case ack := <-f.Ok():
			last = max(last, ack.Sequence)
		case err := <-f.Err():
			if perr == nil {
				perr = err
			}
		case <-pctx.Done():
			if perr == nil {
				perr = pctx.Err()
			}
		}
	}
	if perr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if isWrongLastSeq(perr) {
			return nil, fmt.Errorf("%w: %v", errConflict, perr)
		}
		return nil, fmt.Errorf("%w: the replication log did not store the write (%d of %d messages stored): %v", index.ErrUnavailable, countAcked(futures), len(msgs), perr)
	}
	if err := n.waitApplied(ctx, last); err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return o, o.err
}

func countAcked(fs []jetstream.PubAckFuture) int {
	k := 0
	for _, f := range fs {
		select {
		case <-f.Ok():
			k++
		default:
		}
	}
	return k
}

// waitApplied returns once the index has applied seq.
func (n *Node) waitApplied(ctx context.Context, seq uint64) error {
	for {
		n.mu.Lock()
		applied, ch := n.applied, n.changed
		n.mu.Unlock()
		if applied >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-n.ctx.Done():
			return fmt.Errorf("%w: the node is shutting down", index.ErrUnavailable)
		}
	}
}

// WaitApplied returns once the index has applied the stream up to seq
// (tests and tools).
func (n *Node) WaitApplied(ctx context.Context, seq uint64) error { return n.waitApplied(ctx, seq) }

// Status is the node's view of replication.
type Status struct {
	Stream        string `json:"stream"`
	Applied       uint64 `json:"applied_sequence"`
	StreamLast    uint64 `json:"stream_sequence"`
	Lag           uint64 `json:"lag_messages"`
	MaxLag        uint64 `json:"max_lag"`
	Connected     bool   `json:"connected"`
	ApplyFailures uint64 `json:"apply_failures"`
	// WebhookLeader: this node calls the alerts' webhooks (lease.go).
	WebhookLeader  bool   `json:"webhook_leader"`
	Error          string `json:"error,omitempty"`
	streamKnown    bool
	caughtUpWithin bool
}

// Status reports the applied and last sequences and the lag between
// them. The lag counts stream sequences after the applied one; messages
// superseded by a later version of their article count too, so it is an
// upper bound on the messages left to apply.
func (n *Node) Status() Status {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := Status{Stream: n.opts.Stream, Applied: n.applied, StreamLast: n.streamLast, MaxLag: n.opts.MaxLag,
		Connected: n.nc.IsConnected(), ApplyFailures: n.applyFailures.Load(), streamKnown: n.known}
	if n.opts.Lease != nil {
		s.WebhookLeader = n.opts.Lease.Leader()
	}
	if n.streamLast > n.applied {
		s.Lag = n.streamLast - n.applied
	}
	if n.lastErr != nil {
		s.Error = n.lastErr.Error()
	}
	s.caughtUpWithin = s.streamKnown && s.Lag <= s.MaxLag
	return s
}

// Ready is nil once the node has read the stream's state and is within
// MaxLag messages of its end. A node that was ready stays so while NATS
// is unreachable (it serves reads of what it has; writes answer 503).
func (n *Node) Ready(context.Context) error {
	s := n.Status()
	switch {
	case !s.streamKnown:
		msg := "replication: the stream's state is not known yet"
		if s.Error != "" {
			msg += " (" + s.Error + ")"
		}
		return errors.New(msg)
	case !s.caughtUpWithin:
		return fmt.Errorf("replication: %d messages behind the stream (applied %d of %d), more than the bound of %d", s.Lag, s.Applied, s.StreamLast, s.MaxLag)
	}
	return nil
}

// StreamEmpty waits until the stream's state is known and reports
// whether it holds no message yet (a new deployment, to be seeded).
func (n *Node) StreamEmpty(ctx context.Context) (bool, error) {
	for {
		n.mu.Lock()
		known, last := n.known, n.streamLast
		n.mu.Unlock()
		if known {
			return last == 0, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Collectors are the node's Prometheus metrics.
func (n *Node) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "zhsearch_replication_lag_messages",
			Help: "Stream sequences after the last one this node applied (an upper bound on the messages it has left to apply).",
		}, func() float64 { return float64(n.Status().Lag) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "zhsearch_replication_applied_sequence",
			Help: "Stream sequence of the last message applied to this node's index.",
		}, func() float64 { return float64(n.Status().Applied) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "zhsearch_replication_apply_failures_total",
			Help: "Messages of the stream that could not be applied to this node's index (invalid articles: every node skips them alike).",
		}, func() float64 { return float64(n.applyFailures.Load()) }),
	}
}

// lastOfEachID keeps, of articles with the same id, the last, in order.
func lastOfEachID(arts []*article.Article) []*article.Article {
	last := make(map[string]int, len(arts))
	for i, a := range arts {
		last[a.ID] = i
	}
	if len(last) == len(arts) {
		return arts
	}
	out := make([]*article.Article, 0, len(last))
	for i, a := range arts {
		if last[a.ID] == i {
			out = append(out, a)
		}
	}
	return out
}
