package alert

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The file (bbolt). Buckets:
//
//	alerts   id → storedAlert (JSON)
//	matches  seq → Match (JSON); seq is the bucket's own sequence
//	byalert  id (a bucket) → seq → nothing: one alert's matches in order
//	seen     alert id 0x00 article id → nothing: a match is recorded once
//	pending  seq → pendingWrite (JSON): writes not matched yet
//	outbox   match seq → delivery (JSON): webhook calls to make
var (
	bAlerts  = []byte("alerts")
	bMatches = []byte("matches")
	bByAlert = []byte("byalert")
	bSeen    = []byte("seen")
	bPending = []byte("pending")
	bOutbox  = []byte("outbox")
)

type store struct{ db *bolt.DB }

// storedAlert is an alert as kept: with its secret and creation order.
type storedAlert struct {
	Alert
	Secret string `json:"secret,omitempty"`
	Seq    uint64 `json:"seq"`
}

// pendingWrite is a write the matcher has not matched yet.
type pendingWrite struct {
	IDs []string `json:"ids"`
	Gen uint64   `json:"gen"` // the newest alert's Seq when it was written
}

// delivery is a webhook call to make.
type delivery struct {
	AlertID  string    `json:"alert_id"`
	Attempts int       `json:"attempts"`
	NextAt   time.Time `json:"next_at"`
	FirstAt  time.Time `json:"first_at,omitzero"`
}

func openStore(path string) (*store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening the alerts %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bAlerts, bMatches, bByAlert, bSeen, bPending, bOutbox} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("opening the alerts %s: %w", path, err)
	}
	return &store{db: db}, nil
}

func (st *store) close() error { return st.db.Close() }

func key(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

func seqOf(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

func seenKey(alertID, articleID string) []byte {
	return append(append([]byte(alertID), 0), articleID...)
}

// load reads the alerts' specs and the newest match's seq.
func (st *store) load() (map[string]specEntry, uint64, error) {
	specs := map[string]specEntry{}
	var last uint64
	err := st.db.View(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bMatches).Cursor().Last(); k != nil {
			last = seqOf(k)
		}
		return tx.Bucket(bAlerts).ForEach(func(k, v []byte) error {
			var a storedAlert
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("alert %s: %w", k, err)
			}
			specs[a.ID] = specEntry{seq: a.Seq, spec: a.Spec}
			return nil
		})
	})
	if err != nil {
		return nil, 0, fmt.Errorf("reading the alerts: %w", err)
	}
	return specs, last, nil
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, raw)
}

func getAlertTx(tx *bolt.Tx, id string) (*storedAlert, error) {
	raw := tx.Bucket(bAlerts).Get([]byte(id))
	if raw == nil {
		return nil, fmt.Errorf("alert %q: %w", id, ErrNotFound)
	}
	var a storedAlert
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("alert %q: %w", id, err)
	}
	return &a, nil
}

// putAlert stores a new alert and returns its creation order.
func (st *store) putAlert(a *Alert, secret string) (uint64, error) {
	var seq uint64
	err := st.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bAlerts)
		var err error
		if seq, err = b.NextSequence(); err != nil {
			return err
		}
		if _, err := tx.Bucket(bByAlert).CreateBucketIfNotExists([]byte(a.ID)); err != nil {
			return err
		}
		return putJSON(b, []byte(a.ID), storedAlert{Alert: *a, Secret: secret, Seq: seq})
	})
	if err != nil {
		return 0, fmt.Errorf("saving the alert: %w", err)
	}
	return seq, nil
}

func (st *store) getAlert(id string) (*Alert, error) {
	var a *storedAlert
	err := st.db.View(func(tx *bolt.Tx) (err error) {
		a, err = getAlertTx(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &a.Alert, nil
}

// listAlerts lists the alerts in creation order.
func (st *store) listAlerts() ([]Alert, error) {
	var all []storedAlert
	err := st.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bAlerts).ForEach(func(k, v []byte) error {
			var a storedAlert
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("alert %s: %w", k, err)
			}
			all = append(all, a)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b storedAlert) int { return cmp.Compare(a.Seq, b.Seq) }) // creation order
	out := make([]Alert, len(all))
	for i := range all {
		out[i] = all[i].Alert
	}
	return out, nil
}

// deleteAlert removes an alert with its matches, seen marks and
// deliveries.
func (st *store) deleteAlert(id string) error {
	return st.db.Update(func(tx *bolt.Tx) error {
		if _, err := getAlertTx(tx, id); err != nil {
			return err
		}
		if err := tx.Bucket(bAlerts).Delete([]byte(id)); err != nil {
			return err
		}
		matches, outbox := tx.Bucket(bMatches), tx.Bucket(bOutbox)
		if ba := tx.Bucket(bByAlert).Bucket([]byte(id)); ba != nil {
			if err := ba.ForEach(func(k, _ []byte) error {
				if err := matches.Delete(k); err != nil {
					return err
				}
				return outbox.Delete(k)
			}); err != nil {
				return err
			}
			if err := tx.Bucket(bByAlert).DeleteBucket([]byte(id)); err != nil {
				return err
			}
		}
		seen := tx.Bucket(bSeen)
		prefix := seenKey(id, "")
		c := seen.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			if err := seen.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// alertMatches reads up to limit matches of an alert after seq after,
// and whether there are more.
func (st *store) alertMatches(id string, after uint64, limit int) ([]Match, bool, error) {
	var out []Match
	more := false
	err := st.db.View(func(tx *bolt.Tx) error {
		if _, err := getAlertTx(tx, id); err != nil {
			return err
		}
		ba := tx.Bucket(bByAlert).Bucket([]byte(id))
		if ba == nil {
			return nil
		}
		matches := tx.Bucket(bMatches)
		c := ba.Cursor()
		for k, _ := c.Seek(key(after + 1)); k != nil; k, _ = c.Next() {
			if len(out) == limit {
				more = true
				break
			}
			var m Match
			if err := json.Unmarshal(matches.Get(k), &m); err != nil {
				return fmt.Errorf("match %d: %w", seqOf(k), err)
			}
			out = append(out, m)
		}
		return nil
	})
	return out, more, err
}

// latestMatches reads the newest limit matches of an alert, newest
// first.
func (st *store) latestMatches(id string, limit int) ([]Match, error) {
	var out []Match
	err := st.db.View(func(tx *bolt.Tx) error {
		if _, err := getAlertTx(tx, id); err != nil {
			return err
		}
		ba := tx.Bucket(bByAlert).Bucket([]byte(id))
		if ba == nil {
			return nil
		}
		matches := tx.Bucket(bMatches)
		c := ba.Cursor()
		for k, _ := c.Last(); k != nil && len(out) < limit; k, _ = c.Prev() {
			var m Match
			if err := json.Unmarshal(matches.Get(k), &m); err != nil {
				return fmt.Errorf("match %d: %w", seqOf(k), err)
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// seqAt is the seq just before the alert's first match at or after t.
func (st *store) seqAt(id string, t time.Time) (uint64, error) {
	var at uint64
	err := st.db.View(func(tx *bolt.Tx) error {
		if _, err := getAlertTx(tx, id); err != nil {
			return err
		}
		ba := tx.Bucket(bByAlert).Bucket([]byte(id))
		if ba == nil {
			return nil
		}
		matches := tx.Bucket(bMatches)
		c := ba.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			var m Match
			if err := json.Unmarshal(matches.Get(k), &m); err != nil {
				return err
			}
			if !m.MatchedAt.Before(t) {
				return nil
			}
			at = m.Seq
		}
		return nil
	})
	return at, err
}

// matchesAfter reads up to limit matches after seq after, of every alert
// or of one.
func (st *store) matchesAfter(after uint64, alertID string, limit int) ([]Match, error) {
	var out []Match
	err := st.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bMatches).Cursor()
		for k, v := c.Seek(key(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			var m Match
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("match %d: %w", seqOf(k), err)
			}
			if alertID == "" || m.AlertID == alertID {
				out = append(out, m)
			}
		}
		return nil
	})
	return out, err
}

// addPending records a write to match; its key.
func (st *store) addPending(p pendingWrite) (uint64, error) {
	var seq uint64
	err := st.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bPending)
		var err error
		if seq, err = b.NextSequence(); err != nil {
			return err
		}
		return putJSON(b, key(seq), p)
	})
	return seq, err
}

// pending lists the writes left to match, oldest first.
func (st *store) pending() (keys []uint64, ws []pendingWrite, err error) {
	err = st.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bPending).ForEach(func(k, v []byte) error {
			var p pendingWrite
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("pending write %d: %w", seqOf(k), err)
			}
			keys, ws = append(keys, seqOf(k)), append(ws, p)
			return nil
		})
	})
	return keys, ws, err
}

// found is an article an alert matched, to record.
type found struct {
	alertID string
	m       Match
}

// record stores matches (each once per alert and article), queues their
// webhook deliveries and clears the pending writes they came from, in one
// transaction; it returns the matches recorded, with their seqs.
func (st *store) record(fs []found, done []uint64, now time.Time) ([]Match, error) {
	var out []Match
	err := st.db.Update(func(tx *bolt.Tx) error {
		out = out[:0]
		alerts, matches, seen, outbox := tx.Bucket(bAlerts), tx.Bucket(bMatches), tx.Bucket(bSeen), tx.Bucket(bOutbox)
		changed := map[string]*storedAlert{}
		for _, f := range fs {
			a, ok := changed[f.alertID]
			if !ok {
				var err error
				if a, err = getAlertTx(tx, f.alertID); err != nil {
					continue // deleted meanwhile
				}
				changed[f.alertID] = a
			}
			sk := seenKey(f.alertID, f.m.ArticleID)
			if seen.Get(sk) != nil {
				continue
			}
			seq, err := matches.NextSequence()
			if err != nil {
				return err
			}
			m := f.m
			m.Seq, m.AlertID, m.MatchedAt = seq, f.alertID, now
			if err := putJSON(matches, key(seq), m); err != nil {
				return err
			}
			ba, err := tx.Bucket(bByAlert).CreateBucketIfNotExists([]byte(f.alertID))
			if err != nil {
				return err
			}
			if err := ba.Put(key(seq), nil); err != nil {
				return err
			}
			if err := seen.Put(sk, nil); err != nil {
				return err
			}
			a.Matches++
			t := now
			a.LastMatchAt = &t
			if a.Webhook != "" {
				if err := putJSON(outbox, key(seq), delivery{AlertID: a.ID, NextAt: now}); err != nil {
					return err
				}
				if a.Delivery == nil {
					a.Delivery = &Delivery{}
				}
				a.Delivery.Pending++
			}
			out = append(out, m)
		}
		for id, a := range changed {
			if err := putJSON(alerts, []byte(id), a); err != nil {
				return err
			}
		}
		pending := tx.Bucket(bPending)
		for _, k := range done {
			if err := pending.Delete(key(k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recording matches: %w", err)
	}
	return out, nil
}
