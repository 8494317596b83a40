package replica

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/zhsearch/zhsearch/alert"
	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/synonym"
)

// The cluster of the end-to-end test: three NATS servers with JetStream
// routed together on loopback, three zhsearch nodes (index on disk,
// replica.Node, the real API over httptest), all in this process.

func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

type natsNode struct {
	opts EmbeddedOptions
	emb  *Embedded
}

func (n *natsNode) start(t testing.TB) {
	t.Helper()
	emb, err := RunEmbedded(context.Background(), n.opts)
	if err != nil {
		t.Fatal(err)
	}
	n.emb = emb
}

func (n *natsNode) stop() {
	if n.emb != nil {
		n.emb.Shutdown()
		n.emb = nil
	}
}

func startNATS(t testing.TB, n int) ([]*natsNode, []string) {
	t.Helper()
	ports := freePorts(t, 2*n)
	var routes, urls []string
	for i := range n {
		routes = append(routes, "127.0.0.1:"+strconv.Itoa(ports[n+i]))
		urls = append(urls, "nats://127.0.0.1:"+strconv.Itoa(ports[i]))
	}
	dir := t.TempDir()
	nodes := make([]*natsNode, n)
	for i := range n {
		nodes[i] = &natsNode{opts: EmbeddedOptions{
			Name: "n" + strconv.Itoa(i), Listen: "127.0.0.1:" + strconv.Itoa(ports[i]),
			StoreDir: filepath.Join(dir, "n"+strconv.Itoa(i)), ClusterName: "zhsearch-test",
			ClusterListen: routes[i], Routes: routes,
		}}
	}
	// Start them together: a JetStream cluster elects its meta leader once
	// its servers see each other.
	var wg sync.WaitGroup
	for _, nn := range nodes {
		wg.Add(1)
		go func() { defer wg.Done(); nn.start(t) }()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, nn := range nodes {
			nn.stop()
		}
	})
	return nodes, urls
}

// zNode is one zhsearch node; stop and start keep its data directory.
type zNode struct {
	name string
	dir  string
	opts Options

	mu     sync.Mutex
	ix     *index.Index
	alerts *alert.Service
	node   *Node
	srv    *httptest.Server
}

func (z *zNode) start(t *testing.T) {
	t.Helper()
	ix, err := index.Open(index.Options{Path: z.dir})
	if err != nil {
		t.Fatal(err)
	}
	// The synonym list lives in memory and in the index, as in serve
	// --replicate: a restart starts from an empty list.
	syn, err := synonym.OpenStore(context.Background(), synonym.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The alerts open before the node applies anything, as in serve.
	lease := NewWebhookLease(3*time.Second, 0)
	alerts, err := alert.Open(context.Background(), alert.Options{Path: filepath.Join(z.dir, "alerts.db"), Index: ix,
		Coordinator: lease, CoordinatorPoll: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ix.SetWriteHook(alerts.Written)
	opts := z.opts
	opts.Synonyms = syn
	opts.Alerts, opts.Lease = alerts, lease
	node, err := Open(context.Background(), ix, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{
		Backend: ix, Store: node, Dictionary: node, Ready: node.Ready, Synonyms: node.Synonyms(),
		Alerts:      node.Alerts(alerts),
		Replication: func() any { return node.Status() }, Collectors: node.Collectors(),
		Logger: slog.New(slog.DiscardHandler),
	}))
	z.mu.Lock()
	z.ix, z.alerts, z.node, z.srv = ix, alerts, node, srv
	z.mu.Unlock()
}

func (z *zNode) stop(t *testing.T) {
	t.Helper()
	z.mu.Lock()
	srv, node, alerts, ix := z.srv, z.node, z.alerts, z.ix
	z.srv, z.node, z.alerts, z.ix = nil, nil, nil, nil
	z.mu.Unlock()
	if srv == nil {
		return
	}
	srv.Close()
	if err := node.Close(); err != nil {
		t.Error(err)
	}
	if err := alerts.Close(); err != nil {
		t.Error(err)
	}
	if err := ix.Close(); err != nil {
		t.Error(err)
	}
}

// base is the node's URL, "" while it is down.
func (z *zNode) base() string {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.srv == nil {
		return ""
	}
	return z.srv.URL
}

func (z *zNode) replica() *Node {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.node
}

func testOptions(urls []string) Options {
	return Options{URLs: urls, Replicas: 3, PublishTimeout: 3 * time.Second, PollInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}
}

var vocab = []string{"郑州", "地铁", "经济", "文化", "教育", "医院", "学校", "科技", "农业", "交通",
	"旅游", "体育", "环境", "城市", "乡村", "企业", "市场", "社区", "新闻", "工厂"}

// articleJSON is version v of article id: its words depend on both.
func articleJSON(id string, v int) string {
	r := rand.New(rand.NewPCG(uint64(len(id)*7919+v), uint64(strings.Count(id, "-")+int(id[len(id)-1]))))
	var paras []string
	for p := 0; p < 2; p++ {
		var s strings.Builder
		for range 4 {
			s.WriteString(vocab[r.IntN(len(vocab))])
		}
		s.WriteString("的报道。")
		paras = append(paras, fmt.Sprintf(`{"text":%q}`, s.String()))
	}
	return fmt.Sprintf(`{"title":"%s%s第%d版","paragraphs":[%s]}`, vocab[r.IntN(len(vocab))], vocab[r.IntN(len(vocab))], v, strings.Join(paras, ","))
}

var client = &http.Client{Timeout: 30 * time.Second}

// call sends a request; ok says whether it was acknowledged (2xx).
func call(method, u, body string) (status int, raw []byte, err error) {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err = io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// history is what one writer did to one id: events in order ("v1", "v2",
// "deleted"), and the index of the last acknowledged one (-1 if none).
type history struct {
	events []string
	acked  int
}

// allowed are the states the id may end in on every node: the last
// acknowledged event, or a later attempted one (a write refused with 503
// may have been stored all the same); "absent" if nothing was acknowledged.
func (h *history) allowed() []string {
	var out []string
	if h.acked < 0 {
		out = append(out, "deleted")
	}
	start := max(h.acked, 0)
	out = append(out, h.events[start:]...)
	return out
}

type writer struct {
	w     int
	nodes []*zNode
	mu    sync.Mutex
	hist  map[string]*history
	next  int // next article number
	tries int
	acks  int
}

// write does one step: a new article through node (w+i)%3, sometimes a
// second version, sometimes a delete, through the same node.
func (wr *writer) step(retry bool) {
	i := wr.next
	wr.next++
	id := fmt.Sprintf("w%d-%d", wr.w, i)
	h := &history{acked: -1}
	wr.mu.Lock()
	wr.hist[id] = h
	wr.mu.Unlock()
	z := wr.nodes[(wr.w+i)%len(wr.nodes)]
	do := func(ev, method, body string) bool {
		for attempt := 0; ; attempt++ {
			wr.mu.Lock()
			h.events = append(h.events, ev)
			wr.tries++
			wr.mu.Unlock()
			base := z.base()
			ok := false
			if base != "" {
				st, _, err := call(method, base+"/v1/articles/"+url.PathEscape(id), body)
				ok = err == nil && st/100 == 2
			}
			wr.mu.Lock()
			if ok {
				h.acked = len(h.events) - 1
				wr.acks++
			}
			wr.mu.Unlock()
			if ok || !retry || attempt == 4 {
				return ok
			}
			// Through another node, in case this one is the one restarting.
			z = wr.nodes[(wr.w+i+attempt+1)%len(wr.nodes)]
		}
	}
	if !do("v1", "PUT", articleJSON(id, 1)) {
		return
	}
	if i%3 == 0 {
		do("v2", "PUT", articleJSON(id, 2))
	}
	if i%4 == 1 {
		do("deleted", "DELETE", "")
	}
}

func (wr *writer) counts() (tries, acks int) {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return wr.tries, wr.acks
}

// waitFor polls cond (what the code decides) with a generous deadline that
// only keeps a broken build from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCluster: writes through every node while one zhsearch node and one
// NATS server are stopped and restarted; afterwards every acknowledged
// write is on every node, deletes stay deleted, a node built from the
// stream's beginning and one from a peer's snapshot agree, and 100
// queries return identical ids everywhere. Then two NATS servers of three
// stop: writes answer 503, reads go on.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node NATS cluster and three zhsearch nodes")
	}
	natsNodes, urls := startNATS(t, 3)
	dir := t.TempDir()
	zs := make([]*zNode, 3)
	for i := range zs {
		zs[i] = &zNode{name: "z" + strconv.Itoa(i), dir: filepath.Join(dir, "z"+strconv.Itoa(i)), opts: testOptions(urls)}
		zs[i].start(t)
	}
	t.Cleanup(func() {
		for _, z := range zs {
			z.stop(t)
		}
	})
	for _, z := range zs {
		waitFor(t, z.name+" ready", func() bool { return z.replica().Ready(context.Background()) == nil })
	}

	writers := make([]*writer, 3)
	for w := range writers {
		writers[w] = &writer{w: w, nodes: zs, hist: map[string]*history{}}
	}
	// phase runs n steps per writer, all writers at once, and calls
	// during (if set) once every writer has made `after` attempts in it.
	phase := func(n, after int, retry bool, during func()) {
		before := make([]int, len(writers))
		for i, wr := range writers {
			before[i], _ = wr.counts()
		}
		var wg sync.WaitGroup
		for _, wr := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range n {
					wr.step(retry)
				}
			}()
		}
		if during != nil {
			waitFor(t, "writers to get going", func() bool {
				for i, wr := range writers {
					if tries, _ := wr.counts(); tries-before[i] < after {
						return false
					}
				}
				return true
			})
			during()
		}
		wg.Wait()
	}
	phase(10, 0, false, nil)
	// One zhsearch node and one NATS server (not the one every client
	// tries first) go down while the writers write.
	phase(15, 4, false, func() {
		zs[1].stop(t)
		natsNodes[2].stop()
	})
	phase(15, 4, false, func() {
		natsNodes[2].start(t)
		zs[1].start(t)
	})
	// The cluster is whole again: writes through every node succeed
	// (retried through another node while a leader is elected).
	phase(10, 0, true, nil)

	acked := 0
	for _, wr := range writers {
		_, a := wr.counts()
		acked += a
	}
	if acked < 3*20 {
		t.Fatalf("only %d writes were acknowledged: the test did not exercise replication", acked)
	}

	last := streamLast(t, urls)
	for _, z := range zs {
		waitFor(t, z.name+" to apply up to "+strconv.FormatUint(last, 10), func() bool { return z.replica().Status().Applied >= last })
	}

	// A node built from the beginning of the stream, and one restored
	// from a peer's snapshot (which resumes after the snapshot's sequence).
	fresh := &zNode{name: "fresh", dir: filepath.Join(dir, "fresh"), opts: testOptions(urls)}
	snapDir := filepath.Join(dir, "snapshot")
	if _, err := zs[0].ix.Backup(context.Background(), snapDir); err != nil {
		t.Fatal(err)
	}
	restored := &zNode{name: "restored", dir: filepath.Join(dir, "restored"), opts: testOptions(urls)}
	if _, err := index.Restore(context.Background(), snapDir, restored.dir); err != nil {
		t.Fatal(err)
	}
	// Writes after the snapshot: the restored node must take them from the stream.
	phase(3, 0, true, nil)
	last = streamLast(t, urls)
	for _, z := range []*zNode{fresh, restored} {
		z.start(t)
		t.Cleanup(func() { z.stop(t) })
	}
	all := append(slices.Clone(zs), fresh, restored)
	for _, z := range all {
		waitFor(t, z.name+" to apply up to "+strconv.FormatUint(last, 10), func() bool { return z.replica().Status().Applied >= last })
	}

	// Every id ends in the same state on every node, one the writer's
	// acknowledgements allow.
	checked, deleted := 0, 0
	for _, wr := range writers {
		for id, h := range wr.hist {
			allowed := h.allowed()
			var first string
			for k, z := range all {
				st := articleState(t, z, id)
				if k == 0 {
					first = st
				} else if st != first {
					t.Errorf("%s: %s on %s, %s on %s", id, first, all[0].name, st, z.name)
				}
				if !slices.Contains(allowed, st) {
					t.Errorf("%s on %s: %s, want one of %v (events %v, acknowledged up to %d)", id, z.name, st, allowed, h.events, h.acked)
				}
			}
			checked++
			if h.acked >= 0 && h.events[h.acked] == "deleted" {
				deleted++
			}
		}
	}
	if deleted == 0 {
		t.Error("no acknowledged delete: the test did not check that deletes stay deleted")
	}

	// 100 queries, identical ids on every node.
	r := rand.New(rand.NewPCG(1, 2))
	nonEmpty := 0
	for q := range 100 {
		query := vocab[r.IntN(len(vocab))]
		if q%2 == 1 {
			query += " " + vocab[r.IntN(len(vocab))]
		}
		var want []string
		for k, z := range all {
			got := searchIDs(t, z, query)
			if k == 0 {
				want = got
				if len(got) > 0 {
					nonEmpty++
				}
				continue
			}
			if !slices.Equal(got, want) {
				t.Errorf("query %q: %s answers %v, %s answers %v", query, all[0].name, want, z.name, got)
			}
		}
	}
	if nonEmpty < 50 {
		t.Errorf("only %d of 100 queries found anything", nonEmpty)
	}
	t.Logf("%d ids checked on %d nodes (%d deleted), %d writes acknowledged, stream at %d, %d of 100 queries with hits",
		checked, len(all), deleted, acked, last, nonEmpty)

	// Two NATS servers of three down: no quorum. Writes are refused with
	// 503 in the error shape; reads go on; /readyz stays ready.
	natsNodes[1].stop()
	natsNodes[2].stop()
	base := zs[0].base()
	st, raw, err := call("PUT", base+"/v1/articles/no-quorum", articleJSON("no-quorum", 1))
	if err != nil || st != http.StatusServiceUnavailable || !strings.Contains(string(raw), `"code":"unavailable"`) {
		t.Errorf("write without quorum: %d %s %v, want 503 unavailable", st, raw, err)
	}
	for _, z := range zs {
		if st, raw, err := call("GET", z.base()+"/v1/search?q=郑州", ""); err != nil || st != 200 {
			t.Errorf("search on %s without quorum: %d %s %v", z.name, st, raw, err)
		}
		if st, raw, err := call("GET", z.base()+"/readyz", ""); err != nil || st != 200 || !strings.Contains(string(raw), `"applied_sequence"`) {
			t.Errorf("/readyz on %s without quorum: %d %s %v", z.name, st, raw, err)
		}
	}
}

// streamLast reads the stream's last sequence through a client of its own.
func streamLast(t *testing.T, urls []string) uint64 {
	t.Helper()
	nc, err := nats.Connect(strings.Join(urls, ","))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	waitFor(t, "the stream's state", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s, err := js.Stream(ctx, DefaultStream)
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		if err != nil {
			return false
		}
		last = info.State.LastSeq
		return true
	})
	return last
}

// articleState is "v1", "v2" (by the title's version) or "deleted".
func articleState(t *testing.T, z *zNode, id string) string {
	t.Helper()
	st, raw, err := call("GET", z.base()+"/v1/articles/"+url.PathEscape(id), "")
	if err != nil {
		t.Fatal(err)
	}
	switch st {
	case 404:
		return "deleted"
	case 200:
		var a struct{ Title string }
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"v1", "v2"} {
			if strings.HasSuffix(a.Title, "第"+v[1:]+"版") {
				return v
			}
		}
		t.Fatalf("%s on %s: title %q", id, z.name, a.Title)
	}
	t.Fatalf("%s on %s: %d %s", id, z.name, st, raw)
	return ""
}

// searchIDs runs a query and lists the ids of its hits, ordered by score
// and, for equal scores, by id (bleve breaks ties by its internal
// document order, which differs between indexes built apart).
func searchIDs(t *testing.T, z *zNode, q string) []string {
	t.Helper()
	st, raw, err := call("GET", z.base()+"/v1/search?size=100&q="+url.QueryEscape(q), "")
	if err != nil || st != 200 {
		t.Fatalf("search %q on %s: %d %s %v", q, z.name, st, raw, err)
	}
	var res struct {
		Hits []struct {
			ID    string
			Score float64
		}
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(res.Hits, func(a, b struct {
		ID    string
		Score float64
	}) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids
}
