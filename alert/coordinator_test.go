package alert

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/index"
)

// outcomes is a shared record of deliveries, as the replicas' key-value
// bucket keeps it.
type outcomes struct {
	mu sync.Mutex
	m  map[string]string
}

// fakeCoordinator is one replica's view: whether it leads, and the
// shared outcomes.
type fakeCoordinator struct {
	leader atomic.Bool
	o      *outcomes
}

func (c *fakeCoordinator) Leader() bool { return c.leader.Load() }

func (c *fakeCoordinator) Outcome(_ context.Context, key string) (string, error) {
	c.o.mu.Lock()
	defer c.o.mu.Unlock()
	return c.o.m[key], nil
}

func (c *fakeCoordinator) Record(_ context.Context, key, outcome string) error {
	c.o.mu.Lock()
	defer c.o.mu.Unlock()
	c.o.m[key] = outcome
	return nil
}

// TestCoordinatedDeliveries: two replicas match the same writes against
// the same alert; only the leader calls the webhook, once a match, and
// the other settles its own deliveries from the recorded outcomes; a
// replica that becomes the leader calls what no one delivered yet, and
// nothing twice.
func TestCoordinatedDeliveries(t *testing.T) {
	ctx := context.Background()
	var (
		mu    sync.Mutex
		calls = map[string]int{} // event key → calls
		arts  = map[string]string{}
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("payload: %v", err)
		}
		mu.Lock()
		calls[r.Header.Get("X-Zhsearch-Event-Key")]++
		arts[r.Header.Get("X-Zhsearch-Event-Key")] = p.Match.ArticleID
		mu.Unlock()
	}))
	defer hook.Close()

	shared := &outcomes{m: map[string]string{}}
	type replica struct {
		ix *index.Index
		s  *Service
		c  *fakeCoordinator
	}
	open := func(name string, leader bool) replica {
		dir := filepath.Join(t.TempDir(), name)
		ix, err := index.Open(index.Options{Path: filepath.Join(dir, "index")})
		if err != nil {
			t.Fatal(err)
		}
		c := &fakeCoordinator{o: shared}
		c.leader.Store(leader)
		s, err := Open(ctx, Options{Path: filepath.Join(dir, "alerts.db"), Index: ix, Coordinator: c,
			CoordinatorPoll: 10 * time.Millisecond, Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
		if err != nil {
			t.Fatal(err)
		}
		ix.SetWriteHook(s.Written)
		t.Cleanup(func() {
			_ = s.Close()
			_ = ix.Close()
		})
		return replica{ix, s, c}
	}
	a, b := open("a", true), open("b", false)

	created, err := a.s.Prepare(ctx, Spec{Query: "黄河", Webhook: hook.URL + "/hook"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []replica{a, b, a} { // applied twice on A: the second changes nothing
		if _, err := r.s.Put(ctx, created); err != nil {
			t.Fatal(err)
		}
	}
	// B (which does not lead) has each match before A does: were it to
	// call, it would call first.
	write := func(arts ...string) {
		for _, r := range []replica{b, a} {
			for _, id := range arts {
				if err := r.ix.Put(ctx, art(id, "黄河"+id, "黄河岸边的新闻。")); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	settled := func(r replica, delivered int) bool {
		al, err := r.s.Get(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		return al.Delivery.Delivered == delivered && al.Delivery.Pending == 0
	}
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	write("a1", "a2")
	waitUntil("both replicas to settle two deliveries", func() bool { return settled(a, 2) && settled(b, 2) })
	// B learnt them from A's records, without calling.
	if al, _ := b.s.Get(ctx, created.ID); al.Delivery.Attempts != 0 {
		t.Fatalf("the replica that does not lead made %d calls", al.Delivery.Attempts)
	}

	// No one leads: the match waits on both. Then B leads and calls it.
	a.c.leader.Store(false)
	write("a3")
	b.c.leader.Store(true)
	waitUntil("both replicas to settle the third delivery", func() bool { return settled(a, 3) && settled(b, 3) })

	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 3 {
		t.Fatalf("%d deliveries called, want 3: %v", len(calls), calls)
	}
	for key, n := range calls {
		if n != 1 {
			t.Errorf("delivery %s (%s) called %d times", key, arts[key], n)
		}
		if key != EventKey(created.ID, arts[key]) {
			t.Errorf("event key %s of %s is not EventKey's", key, arts[key])
		}
	}
}
