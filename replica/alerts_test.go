package replica

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/zhsearch/zhsearch/alert"
)

// alertOf is a node's view of an alert (GET /v1/alerts/{id}); nil when
// the node answers 404.
func alertOf(t *testing.T, z *zNode, id string) *alert.Alert {
	t.Helper()
	status, raw, err := call(http.MethodGet, z.base()+"/v1/alerts/"+id, "")
	if err != nil {
		t.Fatalf("GET alert on %s: %v", z.name, err)
	}
	if status == http.StatusNotFound {
		return nil
	}
	if status != http.StatusOK {
		t.Fatalf("GET alert on %s: %d %s", z.name, status, raw)
	}
	var a alert.Alert
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// settledOn: the node holds the alert with n matches, all delivered.
func settledOn(t *testing.T, z *zNode, id string, n int) bool {
	a := alertOf(t, z, id)
	return a != nil && a.Matches == n && a.Delivery != nil && a.Delivery.Delivered == n && a.Delivery.Pending == 0
}

// TestClusterAlerts: a saved search made on one node is on every node
// and matches the writes made through any of them on each; its webhook is
// called once a match, by one node, and every node shows the match
// delivered; when that node stops another calls, and nothing twice; a
// restarted node and one restored from a peer's snapshot hold the alerts,
// and a deletion reaches every node.
func TestClusterAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node NATS cluster and zhsearch nodes")
	}
	var (
		mu    sync.Mutex
		calls = map[string][]string{} // event key → article ids called with it
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p alert.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("webhook payload: %v", err)
		}
		mu.Lock()
		k := r.Header.Get("X-Zhsearch-Event-Key")
		calls[k] = append(calls[k], p.Match.ArticleID)
		mu.Unlock()
	}))
	defer hook.Close()

	_, urls := startNATS(t, 3)
	dir := t.TempDir()
	var zs []*zNode
	newNode := func(name, dir string) *zNode {
		z := &zNode{name: name, dir: dir, opts: testOptions(urls)}
		z.start(t)
		zs = append(zs, z)
		return z
	}
	t.Cleanup(func() {
		for _, z := range zs {
			z.stop(t)
		}
	})
	a, b, c := newNode("a", filepath.Join(dir, "a")), newNode("b", filepath.Join(dir, "b")), newNode("c", filepath.Join(dir, "c"))
	live := []*zNode{a, b, c}
	waitFor(t, "three nodes ready, one of them calling webhooks", func() bool {
		leaders := 0
		for _, z := range live {
			if z.replica().Ready(context.Background()) != nil {
				return false
			}
			if z.replica().Status().WebhookLeader {
				leaders++
			}
		}
		return leaders == 1
	})

	status, raw, err := call(http.MethodPost, a.base()+"/v1/alerts", `{"name":"黄河","q":"郑州","webhook":"`+hook.URL+`/hook"}`)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("POST /v1/alerts on a: %d %s %v", status, raw, err)
	}
	var created alert.Created
	if err := json.Unmarshal(raw, &created); err != nil {
		t.Fatal(err)
	}
	if alertOf(t, a, created.ID) == nil {
		t.Fatal("the alert is not on the node that answered its creation")
	}
	for _, z := range live {
		waitFor(t, "the alert on "+z.name, func() bool { return alertOf(t, z, created.ID) != nil })
	}

	put := func(z *zNode, id, text string) {
		t.Helper()
		body := `{"title":"` + text + `","paragraphs":[{"text":"` + text + `。"}],"published_at":"2026-12-01T08:00:00+08:00"}`
		if st, raw, err := call(http.MethodPut, z.base()+"/v1/articles/"+id, body); err != nil || st/100 != 2 {
			t.Fatalf("PUT %s on %s: %d %s %v", id, z.name, st, raw, err)
		}
	}
	put(b, "m1", "郑州地铁新线开通")
	put(c, "m2", "郑州举办马拉松")
	put(a, "x1", "洛阳牡丹花会开幕")
	for _, z := range live {
		waitFor(t, z.name+" to match and settle two deliveries", func() bool { return settledOn(t, z, created.ID, 2) })
	}

	// The node that calls stops; another takes the lease and calls.
	var leader *zNode
	for _, z := range live {
		if z.replica().Status().WebhookLeader {
			leader = z
		}
	}
	if leader == nil {
		t.Fatal("no node calls the webhooks")
	}
	leader.stop(t)
	var rest []*zNode
	for _, z := range live {
		if z != leader {
			rest = append(rest, z)
		}
	}
	put(rest[0], "m3", "郑州东站客流创新高")
	for _, z := range rest {
		waitFor(t, z.name+" to settle the third delivery", func() bool { return settledOn(t, z, created.ID, 3) })
	}
	leader.start(t)
	waitFor(t, "the restarted "+leader.name+" to match and settle the third", func() bool { return settledOn(t, leader, created.ID, 3) })

	mu.Lock()
	if len(calls) != 3 {
		t.Errorf("%d deliveries called, want 3: %v", len(calls), calls)
	}
	for k, ids := range calls {
		if len(ids) != 1 || k != alert.EventKey(created.ID, ids[0]) {
			t.Errorf("delivery %s called %d times with %v", k, len(ids), ids)
		}
	}
	mu.Unlock()

	// A second alert; a node restored from A's snapshot, taken after it,
	// resumes past its message and holds it all the same.
	status, raw, err = call(http.MethodPost, c.base()+"/v1/alerts", `{"q":"洛阳"}`)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("POST /v1/alerts on c: %d %s %v", status, raw, err)
	}
	var second alert.Created
	if err := json.Unmarshal(raw, &second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a to hold the second alert", func() bool { return alertOf(t, a, second.ID) != nil })
	snap := filepath.Join(dir, "snap")
	if _, err := a.ix.Backup(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	d := newNode("d", snap)
	for _, id := range []string{created.ID, second.ID} {
		waitFor(t, "the node restored from a snapshot to hold "+id, func() bool { return alertOf(t, d, id) != nil })
	}

	// Deleted on B: gone everywhere, and a second deletion is a 404.
	if st, raw, err := call(http.MethodDelete, b.base()+"/v1/alerts/"+created.ID, ""); err != nil || st/100 != 2 {
		t.Fatalf("DELETE on b: %d %s %v", st, raw, err)
	}
	if alertOf(t, b, created.ID) != nil {
		t.Fatal("the alert is still on the node that answered its deletion")
	}
	for _, z := range []*zNode{a, b, c, d} {
		waitFor(t, "the deletion on "+z.name, func() bool { return alertOf(t, z, created.ID) == nil })
	}
	if st, _, _ := call(http.MethodDelete, c.base()+"/v1/alerts/"+created.ID, ""); st != http.StatusNotFound {
		t.Fatalf("deleting a deleted alert: %d, want 404", st)
	}
}
