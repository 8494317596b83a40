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

// deliverDue makes every delivery that is due, one at a time, and returns
// how long until the next one is (-1: none is waiting).
func (s *Service) deliverDue() (time.Duration, error) {
	for {
		select {
		case <-s.stop:
			return -1, nil
		default:
		}
		now := s.opts.Now()
		seq, d, next, err := s.nextDue(now)
		if err != nil || seq == 0 {
			return next, err
		}
		s.deliver(seq, d)
	}
}

// nextDue finds the oldest due delivery; with none due, how long until
// the next (-1: none).
func (s *Service) nextDue(now time.Time) (seq uint64, d delivery, next time.Duration, err error) {
	next = -1
	err = s.db.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOutbox).ForEach(func(k, v []byte) error {
			var x delivery
			if err := json.Unmarshal(v, &x); err != nil {
				return fmt.Errorf("delivery %d: %w", seqOf(k), err)
			}
			if !x.NextAt.After(now) {
				if seq == 0 {
					seq, d = seqOf(k), x
				}
				return nil
			}
			if wait := x.NextAt.Sub(now); next < 0 || wait < next {
				next = wait
			}
			return nil
		})
	})
	return seq, d, next, err
}

// deliver makes one attempt of a delivery and records its outcome.
func (s *Service) deliver(seq uint64, d delivery) {
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
		return
	}
	body, _ := json.Marshal(Payload{Event: "alert.match", Alert: PayloadInfo{ID: a.ID, Name: a.Name, Query: a.Query}, Match: m})
	start := s.opts.Now()
	status, callErr := s.post(a.Webhook, a.Secret, seq, body)
	ok := callErr == nil && status >= 200 && status < 300
	first := d.FirstAt
	if first.IsZero() {
		first = start
	}
	d.Attempts++
	giveUp := !ok && (errors.Is(callErr, ErrHostNotAllowed) || s.opts.Now().Sub(first) >= s.opts.RetryFor)
	err = s.db.db.Update(func(tx *bolt.Tx) error {
		cur, err := getAlertTx(tx, d.AlertID)
		if err != nil {
			return tx.Bucket(bOutbox).Delete(key(seq))
		}
		if cur.Delivery == nil {
			cur.Delivery = &Delivery{}
		}
		st := cur.Delivery
		st.Attempts++
		t := start.UTC()
		st.LastAttemptAt = &t
		st.LastStatus = status
		st.LastError = ""
		switch {
		case callErr != nil:
			st.LastError = callErr.Error()
		case !ok:
			st.LastError = "the receiver answered " + strconv.Itoa(status)
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
			d.FirstAt = first
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
func (s *Service) post(target, secret string, seq uint64, body []byte) (int, error) {
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
