package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/alert"
	"github.com/zhsearch/zhsearch/index"
)

// alertServer is a real API over an in-memory index with alerts kept in
// a temporary file.
func alertServer(t *testing.T, cfg Config, opts alert.Options) (string, *alert.Service) {
	t.Helper()
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts.Index = ix
	if opts.Path == "" {
		opts.Path = t.TempDir() + "/alerts.db"
	}
	svc, err := alert.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ix.SetWriteHook(svc.Written)
	t.Cleanup(func() {
		svc.Close()
		ix.Close()
	})
	cfg.Backend, cfg.Store, cfg.Alerts = ix, ix, svc
	srv := httptest.NewServer(New(cfg))
	t.Cleanup(srv.Close)
	return srv.URL, svc
}

func postJSON(t *testing.T, u, body string) answer {
	t.Helper()
	return do(t, "POST", u, "application/json", strings.NewReader(body))
}

func flush(t *testing.T, svc *alert.Service) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := svc.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func matchedIDs(t *testing.T, base, alertID, query string) ([]string, answer) {
	t.Helper()
	a := do(t, "GET", base+"/v1/alerts/"+alertID+"/matches"+query, "", nil)
	if a.status != 200 {
		t.Fatalf("matches: %d %v", a.status, a.body)
	}
	var ids []string
	for _, m := range a.body["matches"].([]any) {
		ids = append(ids, m.(map[string]any)["article_id"].(string))
	}
	return ids, a
}

func TestAlertsCreateListGetDelete(t *testing.T) {
	base, _ := alertServer(t, Config{}, alert.Options{})
	a := postJSON(t, base+"/v1/alerts", `{"name": "黄河", "q": "黄河 生态", "section": "环境", "tag": ["保护", "水"], "since": "2024-01-01", "webhook": "http://127.0.0.1:9/hook?token=x"}`)
	if a.status != 201 {
		t.Fatalf("create: %d %v", a.status, a.body)
	}
	id, _ := a.body["id"].(string)
	secret, _ := a.body["secret"].(string)
	if id == "" || len(secret) != 64 || a.header.Get("Location") != "/v1/alerts/"+id {
		t.Fatalf("create answered %v (Location %q)", a.body, a.header.Get("Location"))
	}
	if a.body["webhook"] != "http://127.0.0.1:9/hook?…" {
		t.Errorf("the webhook's query is shown: %v", a.body["webhook"])
	}
	if got := a.body["section"].([]any); len(got) != 1 || got[0] != "环境" {
		t.Errorf("section %v", got)
	}
	g := do(t, "GET", base+"/v1/alerts/"+id, "", nil)
	if g.status != 200 || g.body["q"] != "黄河 生态" || g.body["secret"] != nil || g.body["delivery"] == nil {
		t.Fatalf("get: %d %v", g.status, g.body)
	}
	b := postJSON(t, base+"/v1/alerts", `{"q": "地铁"}`)
	if b.status != 201 || b.body["secret"] != nil || b.body["delivery"] != nil {
		t.Fatalf("an alert without webhook: %d %v", b.status, b.body)
	}
	l := do(t, "GET", base+"/v1/alerts", "", nil)
	list := l.body["alerts"].([]any)
	if l.status != 200 || len(list) != 2 || list[0].(map[string]any)["id"] != id {
		t.Fatalf("list: %d %v", l.status, l.body)
	}
	if d := do(t, "DELETE", base+"/v1/alerts/"+id, "", nil); d.status != 204 {
		t.Fatalf("delete: %d %v", d.status, d.body)
	}
	for _, c := range []struct{ method, path string }{{"GET", "/v1/alerts/" + id}, {"DELETE", "/v1/alerts/" + id}, {"GET", "/v1/alerts/" + id + "/matches"}} {
		if a := do(t, c.method, base+c.path, "", nil); a.status != 404 || errCode(t, a) != "not_found" {
			t.Errorf("%s %s after delete: %d %v", c.method, c.path, a.status, a.body)
		}
	}
	if l := do(t, "GET", base+"/v1/alerts", "", nil); len(l.body["alerts"].([]any)) != 1 {
		t.Errorf("list after delete: %v", l.body)
	}
	for _, c := range []struct{ body, code string }{
		{`{"q": ""}`, "invalid_alert"},
		{`{"q": "(地铁"}`, "invalid_query"},
		{`{"q": "地铁", "since": "someday"}`, "invalid_query"},
		{`{"q": "地铁", "until": "2024-13-01"}`, "invalid_query"},
		{`{"q": "地铁", "synonyms": "maybe"}`, "invalid_alert"},
		{`{"q": "地铁", "colour": "red"}`, "invalid_alert"},
		{`not json`, "invalid_alert"},
		{`{"q": "地铁", "webhook": "ftp://127.0.0.1/x"}`, "invalid_alert"},
		{`{"q": "地铁", "webhook": "/relative"}`, "invalid_alert"},
		{`{"q": "地铁", "webhook": "http://example.com/hook"}`, "webhook_not_allowed"},
		{`{"q": "地铁", "webhook": "http://10.0.0.1/hook"}`, "webhook_not_allowed"},
	} {
		t.Run(c.body, func(t *testing.T) {
			a := postJSON(t, base+"/v1/alerts", c.body)
			if a.status != 400 || errCode(t, a) != c.code {
				t.Errorf("%d %v, want 400 %s", a.status, a.body, c.code)
			}
		})
	}
}

func TestAlertsNeedTheKeyToWrite(t *testing.T) {
	base, _ := alertServer(t, Config{APIKeys: []string{"k1"}}, alert.Options{})
	if a := postJSON(t, base+"/v1/alerts", `{"q": "地铁"}`); a.status != 401 {
		t.Fatalf("create without the key: %d %v", a.status, a.body)
	}
	req, _ := http.NewRequest("POST", base+"/v1/alerts", strings.NewReader(`{"q": "地铁"}`))
	req.Header.Set("Authorization", "Bearer k1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create with the key: %d", resp.StatusCode)
	}
	if a := do(t, "DELETE", base+"/v1/alerts/x", "", nil); a.status != 401 {
		t.Fatalf("delete without the key: %d", a.status)
	}
}

func TestAlertsHostAllowlist(t *testing.T) {
	base, _ := alertServer(t, Config{}, alert.Options{AllowHosts: []string{"hooks.example.org", ".newsroom.example"}})
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"https://hooks.example.org/a", true},
		{"https://a.newsroom.example/a", true},
		{"https://newsroom.example/a", true},
		{"https://evil.example.org/a", false},
		{"http://127.0.0.1/a", false}, // an allowlist replaces loopback
	} {
		a := postJSON(t, base+"/v1/alerts", fmt.Sprintf(`{"q": "地铁", "webhook": %q}`, c.url))
		if c.ok != (a.status == 201) || (!c.ok && errCode(t, a) != "webhook_not_allowed") {
			t.Errorf("%s: %d %v", c.url, a.status, a.body)
		}
	}
}

func TestAlertsMatchJSONAndNDJSONWrites(t *testing.T) {
	base, svc := alertServer(t, Config{}, alert.Options{})
	before := `{"id": "old", "title": "黄河旧闻", "paragraphs": ["黄河流域生态保护。"]}`
	if a := postJSON(t, base+"/v1/articles", before); a.status != 201 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	river := postJSON(t, base+"/v1/alerts", `{"q": "黄河"}`).body["id"].(string)
	city := postJSON(t, base+"/v1/alerts", `{"q": "地铁", "section": "城市"}`).body["id"].(string)
	if a := postJSON(t, base+"/v1/articles", `{"id": "j1", "title": "黄河大桥通车", "section": "城市", "paragraphs": ["地铁与黄河大桥同日开通。"]}`); a.status != 201 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	nd := strings.Join([]string{
		`{"id": "n1", "title": "地铁新线", "section": "城市", "paragraphs": ["地铁3号线开通。"]}`,
		`{"id": "n2", "title": "地铁票价", "section": "经济", "paragraphs": ["地铁票价调整。"]}`,
		`{"id": "n3", "title": "黄河湿地", "paragraphs": ["候鸟回到黄河湿地。"]}`,
		`{"id": "n4", "title": "秋收", "paragraphs": ["小麦丰收。"]}`,
	}, "\n")
	if a := do(t, "POST", base+"/v1/articles", "application/x-ndjson", strings.NewReader(nd)); a.status != 200 || a.body["accepted"] != 4.0 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	// a rewrite of an article already matched does not match again
	if a := postJSON(t, base+"/v1/articles", `{"id": "n3", "title": "黄河湿地（更正）", "paragraphs": ["候鸟回到黄河湿地。"]}`); a.status != 201 && a.status != 200 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	flush(t, svc)
	if got, _ := matchedIDs(t, base, river, ""); strings.Join(got, ",") != "j1,n3" {
		t.Errorf("黄河 matched %v, want j1,n3 (old was written before the alert)", got)
	}
	if got, _ := matchedIDs(t, base, city, ""); strings.Join(got, ",") != "j1,n1" {
		t.Errorf("地铁 section=城市 matched %v, want j1,n1", got)
	}
	g := do(t, "GET", base+"/v1/alerts/"+river, "", nil)
	if g.body["matches"] != 2.0 || g.body["last_match_at"] == nil {
		t.Errorf("alert after matches: %v", g.body)
	}
	// paging: one at a time, then by time
	var all []string
	since := ""
	for range 5 {
		ids, a := matchedIDs(t, base, city, "?size=1&since="+since)
		all = append(all, ids...)
		next, _ := a.body["next"].(string)
		if next == "" {
			break
		}
		since = next
	}
	if strings.Join(all, ",") != "j1,n1" {
		t.Errorf("paged %v", all)
	}
	if ids, _ := matchedIDs(t, base, city, "?since="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))); len(ids) != 0 {
		t.Errorf("matches after a future time: %v", ids)
	}
	if ids, _ := matchedIDs(t, base, city, "?since=2000-01-01"); len(ids) != 2 {
		t.Errorf("matches since 2000: %v", ids)
	}
	if a := do(t, "GET", base+"/v1/alerts/"+city+"/matches?since=soon", "", nil); a.status != 400 {
		t.Errorf("since=soon: %d", a.status)
	}
	// the newest first, for the page's list of latest matches
	if ids, _ := matchedIDs(t, base, city, "?order=newest"); strings.Join(ids, ",") != "n1,j1" {
		t.Errorf("order=newest: %v, want n1,j1", ids)
	}
	if ids, _ := matchedIDs(t, base, city, "?order=newest&size=1"); strings.Join(ids, ",") != "n1" {
		t.Errorf("order=newest&size=1: %v, want n1", ids)
	}
	for _, bad := range []string{"?order=random", "?order=newest&since=1"} {
		if a := do(t, "GET", base+"/v1/alerts/"+city+"/matches"+bad, "", nil); a.status != 400 {
			t.Errorf("%s: %d", bad, a.status)
		}
	}
}

// sseEvent is one event of a stream.
type sseEvent struct{ id, event, data string }

// readEvents reads n events of a stream.
func readEvents(t *testing.T, r *bufio.Reader, n int) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	for len(out) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v (after %d events)", err, len(out))
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if cur.id != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			cur.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			cur.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			cur.data = line[6:]
		}
	}
	return out
}

func openStream(t *testing.T, ctx context.Context, u, lastID string) (*bufio.Reader, func()) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	if _, err := r.ReadString('\n'); err != nil { // "retry:": the stream is open
		t.Fatal(err)
	}
	return r, func() { resp.Body.Close() }
}

func TestAlertStreamResumesFromLastEventID(t *testing.T) {
	base, svc := alertServer(t, Config{RequestTimeout: 50 * time.Millisecond}, alert.Options{})
	id := postJSON(t, base+"/v1/alerts", `{"q": "台风"}`).body["id"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, closeStream := openStream(t, ctx, base+"/v1/alerts/stream", "")
	put := func(n int) {
		body := fmt.Sprintf(`{"id": "t%d", "title": "台风第%d报", "paragraphs": ["台风登陆。"]}`, n, n)
		if a := postJSON(t, base+"/v1/articles", body); a.status != 201 {
			t.Fatalf("%d %v", a.status, a.body)
		}
		flush(t, svc)
	}
	put(1)
	// past the request timeout: a stream is not cut by it
	time.Sleep(100 * time.Millisecond)
	ev := readEvents(t, r, 1)[0]
	var m alert.Match
	if err := json.Unmarshal([]byte(ev.data), &m); err != nil {
		t.Fatal(err)
	}
	if ev.event != "match" || m.ArticleID != "t1" || m.AlertID != id || ev.id != fmt.Sprint(m.Seq) {
		t.Fatalf("event %+v", ev)
	}
	closeStream()
	put(2)
	put(3)
	r, closeStream = openStream(t, ctx, base+"/v1/alerts/stream?alert="+id, ev.id)
	defer closeStream()
	got := readEvents(t, r, 2)
	if !strings.Contains(got[0].data, `"t2"`) || !strings.Contains(got[1].data, `"t3"`) {
		t.Fatalf("resumed with %+v", got)
	}
	put(4) // and then the live ones
	if got := readEvents(t, r, 1); !strings.Contains(got[0].data, `"t4"`) {
		t.Fatalf("live event %+v", got)
	}
	if a := do(t, "GET", base+"/v1/alerts/stream?alert=nope", "", nil); a.status != 404 {
		t.Errorf("stream of an unknown alert: %d", a.status)
	}
}

// receiver is a loopback webhook receiver that fails its first calls.
type receiver struct {
	mu     sync.Mutex
	fail   int // calls to answer 500
	calls  int
	bodies [][]byte
	sigs   []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	if rc.calls <= rc.fail {
		http.Error(w, "not now", http.StatusInternalServerError)
		return
	}
	rc.bodies = append(rc.bodies, body)
	rc.sigs = append(rc.sigs, r.Header.Get(alert.SignatureHeader))
	w.WriteHeader(http.StatusNoContent)
}

// waitFor polls an alert until cond holds (the deliverer works on its
// own goroutine); it asserts nothing about time.
func waitFor(t *testing.T, base, id string, cond func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		a := do(t, "GET", base+"/v1/alerts/"+id, "", nil)
		if cond(a.body) {
			return a.body
		}
		if time.Now().After(deadline) {
			t.Fatalf("alert never reached the state: %v", a.body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWebhookSignedAndRetried(t *testing.T) {
	rc := &receiver{fail: 2}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	var retries []int
	var mu sync.Mutex
	backoff := func(n int) time.Duration { // injected: no waiting in tests
		mu.Lock()
		retries = append(retries, n)
		mu.Unlock()
		return time.Millisecond
	}
	base, svc := alertServer(t, Config{}, alert.Options{Backoff: backoff})
	c := postJSON(t, base+"/v1/alerts", fmt.Sprintf(`{"name": "洪水", "q": "洪水", "webhook": %q}`, hook.URL+"/hook"))
	if c.status != 201 {
		t.Fatalf("%d %v", c.status, c.body)
	}
	id, secret := c.body["id"].(string), c.body["secret"].(string)
	if a := postJSON(t, base+"/v1/articles", `{"id": "f1", "title": "洪水预警", "paragraphs": ["防汛。"]}`); a.status != 201 {
		t.Fatal(a.body)
	}
	flush(t, svc)
	st := waitFor(t, base, id, func(b map[string]any) bool {
		d, _ := b["delivery"].(map[string]any)
		return d != nil && d["delivered"] == 1.0
	})
	d := st["delivery"].(map[string]any)
	if d["attempts"] != 3.0 || d["pending"] != 0.0 || d["failed"] != 0.0 || d["last_status"] != 204.0 || d["last_error"] != nil {
		t.Errorf("delivery %v", d)
	}
	mu.Lock()
	if fmt.Sprint(retries) != "[1 2]" {
		t.Errorf("backoff asked for retries %v", retries)
	}
	mu.Unlock()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bodies) != 1 {
		t.Fatalf("receiver got %d bodies", len(rc.bodies))
	}
	body, sig := rc.bodies[0], rc.sigs[0]
	if !alert.Verify(secret, body, sig) || !strings.HasPrefix(sig, "sha256=") {
		t.Errorf("signature %q does not verify", sig)
	}
	if alert.Verify("another secret", body, sig) {
		t.Errorf("the signature verifies under any secret")
	}
	var p alert.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Event != "alert.match" || p.Alert.ID != id || p.Alert.Name != "洪水" || p.Match.ArticleID != "f1" || p.Match.Title != "洪水预警" {
		t.Errorf("payload %+v", p)
	}
}

func TestWebhookGivesUp(t *testing.T) {
	rc := &receiver{fail: 1 << 30}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	// RetryFor of zero length after the first attempt: the clock moves
	// by a minute each time it is read, so the first retry is past it.
	var mu sync.Mutex
	now := time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute)
		return now
	}
	base, svc := alertServer(t, Config{}, alert.Options{Now: clock, RetryFor: 90 * time.Second, Backoff: func(int) time.Duration { return -time.Hour }})
	id := postJSON(t, base+"/v1/alerts", fmt.Sprintf(`{"q": "洪水", "webhook": %q}`, hook.URL)).body["id"].(string)
	postJSON(t, base+"/v1/articles", `{"id": "f1", "title": "洪水预警", "paragraphs": ["防汛。"]}`)
	flush(t, svc)
	st := waitFor(t, base, id, func(b map[string]any) bool {
		d, _ := b["delivery"].(map[string]any)
		return d != nil && d["failed"] == 1.0
	})
	d := st["delivery"].(map[string]any)
	if d["delivered"] != 0.0 || d["pending"] != 0.0 || d["last_status"] != 500.0 || d["last_error"] == nil {
		t.Errorf("delivery %v", d)
	}
	if a, _ := d["attempts"].(float64); a < 1 || a > 2 {
		t.Errorf("attempts %v: the retry time is bounded", d["attempts"])
	}
}
