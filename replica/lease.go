package replica

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The webhook lease.
//
// Every node matches every write against every alert, so every node has
// each webhook delivery waiting in its outbox; one node, the holder of
// the lease, makes the calls (alert.Coordinator). The lease is the key
// "webhooks" of the key-value bucket <stream>_LEASE, whose TTL is
// LeaseTTL: a node takes it when the key is absent (Create), renews it
// every LeaseTTL/3 (Update at the revision it wrote, which refuses a node
// whose lease another has taken since), and calls only while its last
// renewal is less than two thirds of LeaseTTL old. A node that stops
// renewing (stopped, cut off from NATS) loses the key LeaseTTL after its
// last renewal, and another node takes it; a node that closes deletes
// the key at once.
//
// The outcome of every delivery (delivered, or given up) is kept in the
// bucket <stream>_DELIVERIES under its alert.EventKey for DeliveriesTTL:
// the leader reads it before a call and writes it after, and the other
// nodes settle their waiting deliveries from it. A call is made at least
// once: a leader that stops between a call and its record, or a lease
// that passes while a call is under way, can make the next leader call
// again; receivers drop repeats by the X-Zhsearch-Event-Key header.

// Defaults of the lease.
const (
	DefaultLeaseTTL      = 10 * time.Second
	DefaultDeliveriesTTL = 7 * 24 * time.Hour
	leaseKey             = "webhooks"
)

// WebhookLease is the alerts' coordinator (alert.Coordinator) across the
// nodes of a stream. Make it with NewWebhookLease, give it to the alerts
// (alert.Options.Coordinator) and to the node (Options.Lease): until the
// node is connected, it holds no lease and reads no outcome.
type WebhookLease struct {
	ttl, keep time.Duration

	mu        sync.Mutex
	n         *Node
	lease     jetstream.KeyValue
	done      jetstream.KeyValue
	held      bool
	rev       uint64
	renewedAt time.Time
}

// NewWebhookLease makes a lease of ttl (0: DefaultLeaseTTL) whose
// outcomes are kept for keep (0: DefaultDeliveriesTTL).
func NewWebhookLease(ttl, keep time.Duration) *WebhookLease {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	if keep <= 0 {
		keep = DefaultDeliveriesTTL
	}
	return &WebhookLease{ttl: ttl, keep: keep}
}

// Leader reports whether this node holds the lease.
func (l *WebhookLease) Leader() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held && time.Since(l.renewedAt) < l.ttl*2/3
}

func (l *WebhookLease) deliveries() (jetstream.KeyValue, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done == nil {
		return nil, errors.New("the deliveries bucket is not reachable yet")
	}
	return l.done, nil
}

// Outcome is the recorded outcome of the delivery key, "" if none.
func (l *WebhookLease) Outcome(ctx context.Context, key string) (string, error) {
	kv, err := l.deliveries()
	if err != nil {
		return "", err
	}
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(e.Value()), nil
}

// Record records the outcome of the delivery key.
func (l *WebhookLease) Record(ctx context.Context, key, outcome string) error {
	kv, err := l.deliveries()
	if err != nil {
		return err
	}
	_, err = kv.PutString(ctx, key, outcome)
	return err
}

// leaseLoop binds the lease to n and keeps taking or renewing it until
// the node closes, then gives it up.
func (n *Node) leaseLoop(l *WebhookLease) {
	defer n.wg.Done()
	l.mu.Lock()
	l.n = n
	l.mu.Unlock()
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		if err := l.step(n); err != nil {
			n.log.Debug("replication: the webhook lease", "err", err)
		}
		select {
		case <-n.ctx.Done():
			l.release(n)
			return
		case <-t.C:
		}
	}
}

// step opens the buckets if need be, then takes or renews the lease.
func (l *WebhookLease) step(n *Node) error {
	ctx, cancel := context.WithTimeout(n.ctx, l.ttl/3)
	defer cancel()
	l.mu.Lock()
	lease, done := l.lease, l.done
	l.mu.Unlock()
	if lease == nil || done == nil {
		var err error
		if lease, err = n.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: n.opts.Stream + "_LEASE", Description: "which zhsearch node calls the alerts' webhooks",
			TTL: l.ttl, Replicas: n.opts.Replicas, Storage: jetstream.FileStorage,
		}); err != nil {
			return fmt.Errorf("opening the lease bucket: %w", err)
		}
		if done, err = n.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: n.opts.Stream + "_DELIVERIES", Description: "the outcome of every webhook delivery of the alerts",
			TTL: l.keep, Replicas: n.opts.Replicas, Storage: jetstream.FileStorage,
		}); err != nil {
			return fmt.Errorf("opening the deliveries bucket: %w", err)
		}
		l.mu.Lock()
		l.lease, l.done = lease, done
		l.mu.Unlock()
	}
	l.mu.Lock()
	held, rev := l.held, l.rev
	l.mu.Unlock()
	var err error
	if held {
		rev, err = lease.Update(ctx, leaseKey, []byte(n.id), rev)
	} else {
		rev, err = lease.Create(ctx, leaseKey, []byte(n.id))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		if l.held {
			n.log.Info("replication: this node no longer calls the alerts' webhooks", "err", err)
		}
		l.held = false
		if errors.Is(err, jetstream.ErrKeyExists) {
			return nil // another node holds it
		}
		return err
	}
	if !l.held {
		n.log.Info("replication: this node calls the alerts' webhooks")
	}
	l.held, l.rev, l.renewedAt = true, rev, time.Now()
	return nil
}

// release deletes the lease if this node holds it, so that another takes
// it without waiting for its TTL.
func (l *WebhookLease) release(n *Node) {
	l.mu.Lock()
	held, rev, lease := l.held, l.rev, l.lease
	l.held = false
	l.mu.Unlock()
	if !held || lease == nil || !n.nc.IsConnected() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = lease.Delete(ctx, leaseKey, jetstream.LastRevision(rev))
}
