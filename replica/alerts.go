package replica

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/zhsearch/zhsearch/alert"
	"github.com/zhsearch/zhsearch/index"
)

// Saved searches (alerts) through the stream.
//
// An alert is one subject, <prefix>.alerts.<hex of its id>: its creation
// is a message holding the whole alert as the receiving node made it (id,
// creation time, webhook secret), its deletion a message without a body
// on the same subject. With MaxMsgsPerSubject 1 the stream keeps the
// alert while it exists and the deletion after, so it holds one message
// per alert ever saved.
//
// Every node applies an alert at its place in the stream: the writes after
// it are matched against it on every node alike, so every node records the
// same matches (each numbers them its own way). A node that starts from a
// peer's snapshot resumes after the snapshot's sequence, past the alerts
// saved before it: before consuming, it reads the last message of every
// alert subject at or before its applied sequence and saves what it lacks
// (alert.Service.Put and Delete change nothing when applied twice). Such a
// node lists the matches of the writes it applied itself.
//
// Webhook calls are made by one node, the holder of a lease (lease.go);
// the others settle their own deliveries from the outcomes it records.

const (
	opAlert   = "alert"
	opUnalert = "unalert"
)

// AlertList is the node's local alerts (alert.Service).
type AlertList interface {
	Prepare(ctx context.Context, sp alert.Spec) (*alert.Created, error)
	Put(ctx context.Context, c *alert.Created) (bool, error)
	Get(ctx context.Context, id string) (*alert.Alert, error)
	Delete(ctx context.Context, id string) error
}

func alertSubject(prefix, id string) string {
	return prefix + ".alerts." + hex.EncodeToString([]byte(id))
}

func alertMsg(prefix, req string, c *alert.Created) (*nats.Msg, error) {
	return jsonMsg(alertSubject(prefix, c.ID), opAlert, req, fmt.Sprintf("alert %q", c.ID), c)
}

func unalertMsg(prefix, req, id string) *nats.Msg {
	return newMsg(alertSubject(prefix, id), opUnalert, req, id, nil)
}

// decodeAlert fills e from an alert message's op and body.
func decodeAlert(e *entry, op string, m jetstream.Msg) {
	e.isAlert = true
	if op == opUnalert {
		e.unalert = m.Headers().Get(hdrID)
		if e.unalert == "" {
			e.err = fmt.Errorf("message %d: an alert deletion without %s", e.seq, hdrID)
		}
		return
	}
	var c alert.Created
	if err := json.Unmarshal(m.Data(), &c); err != nil {
		e.err = fmt.Errorf("message %d: decoding alert: %w", e.seq, err)
		return
	}
	e.alert = &c
}

// applyAlert saves or deletes one alert here; an error is the answer to
// the write (the same on every node), not a failure to retry, except a
// failure to store (retried by the caller).
func (n *Node) applyAlert(ctx context.Context, e entry) (answer, fail error) {
	al := n.opts.Alerts
	switch {
	case e.err != nil:
		return e.err, nil
	case al == nil:
		return fmt.Errorf("message %d: an alert, but this node keeps none", e.seq), nil
	case e.alert != nil:
		_, err := al.Put(ctx, e.alert)
		if errors.Is(err, alert.ErrInvalid) {
			return err, nil
		}
		return nil, err
	default:
		err := al.Delete(ctx, e.unalert)
		if errors.Is(err, alert.ErrNotFound) { // deleted already, or never seen here
			return nil, nil
		}
		return nil, err
	}
}

// applyAlerts applies a run of alert messages in order, then records the
// run's sequence.
func (n *Node) applyAlerts(run []entry) {
	seq := run[len(run)-1].seq
	errs := make([]error, len(run))
	done := 0
	n.retry(seq, func() error {
		for ; done < len(run); done++ {
			answer, fail := n.applyAlert(n.ctx, run[done])
			if fail != nil {
				return fail
			}
			errs[done] = answer
		}
		_, err := n.ix.ApplyAt(n.ctx, seq)
		return err
	})
	if n.ctx.Err() != nil {
		return
	}
	for i, err := range errs {
		if err != nil {
			n.log.Warn("replication: an alert could not be applied", "seq", run[i].seq, "err", err)
			n.applyFailures.Add(1)
		}
	}
	n.advance(seq, run, errs, index.AddResult{})
}

// syncAlerts saves the alerts of the stream at or before the applied
// sequence that this node lacks (a node restored from a peer's snapshot),
// and deletes those the stream deleted.
func (n *Node) syncAlerts(ctx context.Context, s jetstream.Stream) error {
	if n.opts.Alerts == nil {
		return nil
	}
	n.mu.Lock()
	applied := n.applied
	n.mu.Unlock()
	if applied == 0 {
		return nil // the consumer starts from the beginning
	}
	filter := n.opts.Subject + ".alerts.>"
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return fmt.Errorf("listing the alerts of stream %s: %w", n.opts.Stream, err)
	}
	for subject := range info.State.Subjects {
		if !strings.HasPrefix(subject, n.opts.Subject+".alerts.") {
			continue
		}
		m, err := s.GetLastMsgForSubject(ctx, subject)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("reading alert %s: %w", subject, err)
		}
		if m.Sequence > applied {
			continue // the consumer applies it
		}
		e := entry{seq: m.Sequence}
		op := m.Header.Get(hdrOp)
		switch op {
		case opAlert:
			var c alert.Created
			if err := json.Unmarshal(m.Data, &c); err != nil {
				e.err = err
			}
			e.alert = &c
		case opUnalert:
			e.unalert = m.Header.Get(hdrID)
		default:
			continue
		}
		if e.err != nil || (e.alert == nil && e.unalert == "") {
			continue
		}
		if _, fail := n.applyAlert(ctx, e); fail != nil {
			return fmt.Errorf("saving alert %s of the stream: %w", subject, fail)
		}
	}
	return nil
}

// Alerts is the node's alerts for the API (api.Alerts): reads from the
// local alerts, creations and deletions through the stream.
type Alerts struct {
	*alert.Service
	n *Node
}

// Alerts returns the replicated alerts; Options.Alerts must be svc.
func (n *Node) Alerts(svc *alert.Service) *Alerts { return &Alerts{Service: svc, n: n} }

// Create checks the spec here, publishes the alert and returns it once
// it is stored on a quorum and saved here.
func (a *Alerts) Create(ctx context.Context, sp alert.Spec) (*alert.Created, error) {
	c, err := a.Service.Prepare(ctx, sp)
	if err != nil {
		return nil, err
	}
	req := a.n.nextReq()
	m, err := alertMsg(a.n.opts.Subject, req, c)
	if err != nil {
		return nil, err
	}
	if _, err := a.n.publish(ctx, req, []*nats.Msg{m}); err != nil {
		return nil, err
	}
	return c, nil
}

// Delete publishes the deletion of an alert this node holds;
// alert.ErrNotFound if it holds none.
func (a *Alerts) Delete(ctx context.Context, id string) error {
	if _, err := a.Service.Get(ctx, id); err != nil {
		return err
	}
	req := a.n.nextReq()
	_, err := a.n.publish(ctx, req, []*nats.Msg{unalertMsg(a.n.opts.Subject, req, id)})
	return err
}
