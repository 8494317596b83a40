package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Webhooks.
//
// A match of an alert with a webhook is queued in the outbox in the same
// transaction that records it, so a delivery survives a crash. The
// deliverer POSTs each queued match as JSON (Payload), signed as GitHub
// signs its webhooks: X-Hub-Signature-256: sha256=<hex of HMAC-SHA256 of
// the body, keyed by the alert's secret>. A 2xx answer delivers it; any
// other answer or a failed connection is retried after Options.Backoff(n)
// until Options.RetryFor has passed since the first attempt, then given
// up (Delivery.Failed). The alert shows the state of its deliveries.
//
// Only http and https URLs are taken, and only for the hosts of
// Options.AllowHosts; with none, only loopback addresses: so no one can
// make the server call an arbitrary address. Without an allowlist the
// client also refuses, when it connects, any address that is not
// loopback (a name that resolves elsewhere), and no client follows
// redirects.

// SignatureHeader is the header that carries a delivery's signature.
const SignatureHeader = "X-Hub-Signature-256"

// Payload is the body of a webhook call.
type Payload struct {
	Event string      `json:"event"` // "alert.match"
	Alert PayloadInfo `json:"alert"`
	Match Match       `json:"match"`
}

// PayloadInfo names the alert in a webhook call.
type PayloadInfo struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Query string `json:"q"`
}

// Sign is the X-Hub-Signature-256 value of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether sig is body's signature under secret (for a
// receiver), comparing in constant time.
func Verify(secret string, body []byte, sig string) bool {
	return hmac.Equal([]byte(sig), []byte(Sign(secret, body)))
}

// checkWebhook refuses a URL that is not http(s) or whose host the
// allowlist does not name.
func checkWebhook(raw string, allow []string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%w: webhook: %q is not an absolute URL", ErrInvalid, raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: webhook: only http and https URLs are taken, not %s", ErrInvalid, u.Scheme)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if len(allow) == 0 {
		if !isLoopbackHost(host) {
			return fmt.Errorf("%w: %q: without --alert-hosts webhooks may call only loopback addresses (127.0.0.1, ::1, localhost); the operator can allow hosts with --alert-hosts", ErrHostNotAllowed, host)
		}
		return nil
	}
	for _, a := range allow {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == host || (strings.HasPrefix(a, ".") && (strings.HasSuffix(host, a) || host == a[1:])) {
			return nil
		}
	}
	return fmt.Errorf("%w: %q is not one of the hosts --alert-hosts allows", ErrHostNotAllowed, host)
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// guardedClient is the default webhook client: no proxy, no redirects,
// bounded time, and with loopbackOnly a dialer that refuses any address
// that is not loopback.
func guardedClient(loopbackOnly bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if loopbackOnly {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("%w: %s is not a loopback address", ErrHostNotAllowed, host)
			}
			return nil
		}
	}
	return &http.Client{
		Timeout:       15 * time.Second,
		Transport:     &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// deliverLoop makes the deliveries that are due, then waits for new ones
// or for the next retry.
func (s *Service) deliverLoop() {
	defer s.delivered.Done()
	for {
		next, err := s.deliverDue()
		if err != nil {
			s.log.Error("alerts: reading the webhook deliveries", "err", err)
			next = time.Minute
		}
		var timer <-chan time.Time
		var t *time.Timer
		if next >= 0 {
			t = time.NewTimer(next)
			timer = t.C
		}
		select {
		case <-s.stop:
		case <-s.wake:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
		select {
		case <-s.stop:
			return
		default:
		}
	}
}

// dueBatch bounds the deliveries one pass of deliverDue reads.
const dueBatch = 100

// dueDelivery is a delivery waiting in the outbox under its match's seq.
type dueDelivery struct {
	seq uint64
	d   delivery
}

// deliverDue makes every delivery that is due, oldest first, and returns
// how long until the next one is (-1: none is waiting). A replica that
// is not the coordinator's leader calls nobody: it settles the
// deliveries the leader has recorded and looks again after
// Options.CoordinatorPoll.
func (s *Service) deliverDue() (time.Duration, error) {
	for {
		select {
		case <-s.stop:
			return -1, nil
		default:
		}
		due, next, err := s.dueDeliveries(s.opts.Now(), dueBatch)
		if err != nil || len(due) == 0 {
			return next, err
		}
		c := s.opts.Coordinator
		leader := true
		for _, x := range due {
			select {
			case <-s.stop:
				return -1, nil
			default:
			}
			// asked before each call: a call may take seconds, and the
			// lease may pass meanwhile
			leader = c == nil || c.Leader()
			if !s.deliver(x.seq, x.d, leader) {
				return s.opts.CoordinatorPoll, nil
			}
		}
		if !leader {
			return s.opts.CoordinatorPoll, nil
		}
	}
}

// dueDeliveries reads up to limit deliveries that are due, oldest first;
// with none due, how long until the next (-1: none).
func (s *Service) dueDeliveries(now time.Time, limit int) (due []dueDelivery, next time.Duration, err error) {
	next = -1
	err = s.db.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOutbox).ForEach(func(k, v []byte) error {
			var x delivery
			if err := json.Unmarshal(v, &x); err != nil {
				return fmt.Errorf("delivery %d: %w", seqOf(k), err)
			}
			if !x.NextAt.After(now) {
				if len(due) < limit {
					due = append(due, dueDelivery{seq: seqOf(k), d: x})
				}
				return nil
			}
			if wait := x.NextAt.Sub(now); next < 0 || wait < next {
				next = wait
			}
			return nil
		})
	})
	return due, next, err
}

// EventKey names the delivery of one alert's match of one article: the
// same on every replica (the match's id, its Seq, is a replica's own), so
// a receiver can drop a call it has had (header X-Zhsearch-Event-Key).
func EventKey(alertID, articleID string) string {
	sum := sha256.Sum256([]byte(alertID + "\x00" + articleID))
	return hex.EncodeToString(sum[:16])
}

// Outcomes of a delivery, as a Coordinator records them.
const (
	OutcomeDelivered = "delivered"
	OutcomeFailed    = "failed"
)

// deliver settles one delivery: as the coordinator recorded it, if it
// did; else, when call is set, by one attempt. It reports false when the
// coordinator cannot be read (try again later).
func (s *Service) deliver(seq uint64, d delivery, call bool) bool {
	var (
		a   *storedAlert
		m   Match
		err error
	)
	err = s.db.db.View(func(tx *bolt.Tx) error {
		if a, err = getAlertTx(tx, d.AlertID); err != nil {
			return err
		}
		raw := tx.Bucket(bMatches).Get(key(seq))
		if raw == nil {
			return fmt.Errorf("match %d: %w", seq, ErrNotFound)
		}
		return json.Unmarshal(raw, &m)
	})
	if err != nil { // the alert or the match is gone: drop the delivery
		_ = s.db.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bOutbox).Delete(key(seq)) })
		return true
	}
	ev := EventKey(a.ID, m.ArticleID)
	if c := s.opts.Coordinator; c != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		outcome, err := c.Outcome(ctx, ev)
		cancel()
		if err != nil {
			s.log.Warn("alerts: reading the deliveries other replicas made; trying again later", "err", err)
			return false
		}
		if outcome != "" {
			s.record(seq, d, attempt{settled: outcome})
			return true
		}
	}
	if !call {
		return true
	}
	body, _ := json.Marshal(Payload{Event: "alert.match", Alert: PayloadInfo{ID: a.ID, Name: a.Name, Query: a.Query}, Match: m})
	start := s.opts.Now()
	status, callErr := s.post(a.Webhook, a.Secret, seq, ev, body)
	ok := callErr == nil && status >= 200 && status < 300
	first := d.FirstAt
	if first.IsZero() {
		first = start
	}
	giveUp := !ok && (errors.Is(callErr, ErrHostNotAllowed) || s.opts.Now().Sub(first) >= s.opts.RetryFor)
	at := attempt{made: true, start: start, first: first, status: status, err: callErr, ok: ok, giveUp: giveUp}
	if c := s.opts.Coordinator; c != nil && (ok || giveUp) {
		outcome := OutcomeDelivered
		if !ok {
			outcome = OutcomeFailed
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := c.Record(ctx, ev, outcome); err != nil {
			s.log.Warn("alerts: recording a delivery for the other replicas; another leader may call again", "alert", a.ID, "err", err)
		}
		cancel()
	}
	s.record(seq, d, at)
	return true
}

// attempt is what became of a delivery: an attempt made here, or an
// outcome another replica recorded (settled).
type attempt struct {
	settled string

	made       bool
	start      time.Time
	first      time.Time
	status     int
	err        error
	ok, giveUp bool
}

// record writes what became of a delivery into its alert's state and the
// outbox.
func (s *Service) record(seq uint64, d delivery, at attempt) {
	err := s.db.db.Update(func(tx *bolt.Tx) error {
		cur, err := getAlertTx(tx, d.AlertID)
		if err != nil {
			return tx.Bucket(bOutbox).Delete(key(seq))
		}
		if cur.Delivery == nil {
			cur.Delivery = &Delivery{}
		}
		st := cur.Delivery
		ok, giveUp := at.ok, at.giveUp
		if at.made {
			d.Attempts++
			st.Attempts++
			t := at.start.UTC()
			st.LastAttemptAt = &t
			st.LastStatus = at.status
			st.LastError = ""
			switch {
			case at.err != nil:
				st.LastError = at.err.Error()
			case !ok:
				st.LastError = "the receiver answered " + strconv.Itoa(at.status)
			}
		} else {
			ok, giveUp = at.settled == OutcomeDelivered, at.settled != OutcomeDelivered
		}
		outbox := tx.Bucket(bOutbox)
		switch {
		case ok:
			st.Delivered++
			st.Pending--
			err = outbox.Delete(key(seq))
		case giveUp:
			st.Failed++
			st.Pending--
			err = outbox.Delete(key(seq))
		default:
			d.FirstAt = at.first
			d.NextAt = s.opts.Now().Add(s.opts.Backoff(d.Attempts))
			err = putJSON(outbox, key(seq), d)
		}
		if err != nil {
			return err
		}
		return putJSON(tx.Bucket(bAlerts), []byte(cur.ID), cur)
	})
	if err != nil {
		s.log.Error("alerts: recording a webhook delivery", "alert", d.AlertID, "err", err)
	}
}

// post makes one webhook call; the HTTP status (0 without an answer).
func (s *Service) post(target, secret string, seq uint64, event string, body []byte) (int, error) {
	// the allowlist may have changed since the alert was saved
	if err := checkWebhook(target, s.opts.AllowHosts); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "zhsearch-alerts")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	req.Header.Set("X-Zhsearch-Event", "alert.match")
	req.Header.Set("X-Zhsearch-Delivery", strconv.FormatUint(seq, 10))
	req.Header.Set("X-Zhsearch-Event-Key", event)
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
