package bench

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPublishArticles(t *testing.T) {
	lines := [][]byte{
		[]byte(`{"id":"a","title":"甲","published_at":"2020-01-01","paragraphs":["一"]}` + "\n"),
		[]byte(`{"id":"b","title":"乙","paragraphs":["二","三"]}` + "\n"),
		[]byte(`{"id":"c","title":"丙","paragraphs":["四"]}` + "\n"),
	}
	arts, err := PublishArticles(lines, 7, 5)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := PublishArticles(lines, 7, 5)
	ids := map[string]bool{}
	used := map[string]int{}
	for i, a := range arts {
		if ids[a.ID] {
			t.Errorf("id %q twice", a.ID)
		}
		ids[a.ID] = true
		var got map[string]any
		if err := json.Unmarshal(a.Body, &got); err != nil {
			t.Fatalf("body %q: %v", a.Body, err)
		}
		if got["id"] != a.ID {
			t.Errorf("body id %v, want %q", got["id"], a.ID)
		}
		orig, suffix, ok := strings.Cut(a.ID, "-pub")
		if !ok || suffix != strconv.Itoa(i+1) {
			t.Errorf("id %q, want <corpus id>-pub%d", a.ID, i+1)
		}
		used[orig]++
		var src map[string]any
		for _, l := range lines {
			json.Unmarshal(l, &src)
			if src["id"] == orig {
				break
			}
		}
		if got["title"] != src["title"] || len(got["paragraphs"].([]any)) != len(src["paragraphs"].([]any)) {
			t.Errorf("%s: title or paragraphs differ from corpus article %s", a.ID, orig)
		}
		if string(again[i].Body) != string(a.Body) {
			t.Errorf("the same seed gave another article %d", i)
		}
	}
	for id, n := range used { // 7 writes over 3 articles: each 2 or 3 times
		if n < 2 || n > 3 {
			t.Errorf("corpus article %s written %d times of 7, want an even cycle", id, n)
		}
	}
	if _, err := PublishArticles(nil, 1, 1); err == nil {
		t.Error("no error without articles")
	}
}

// fakeWrites is an API that stores posted articles: 201 for a new id, 200
// for a known one, 500 for ids that contain "fail", 401 without the key.
// The first `gate` requests are held until that many are in flight, which
// only concurrent writers reach.
type fakeWrites struct {
	key  string
	gate int

	mu      sync.Mutex
	seen    map[string]int
	arrived int
	open    chan struct{}
}

func (f *fakeWrites) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/articles" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "wrong request", http.StatusBadRequest)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.key {
		http.Error(w, "no key", http.StatusUnauthorized)
		return
	}
	var a struct {
		ID string `json:"id"`
	}
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &a); err != nil || a.ID == "" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.arrived++
	if f.arrived == f.gate {
		close(f.open)
	}
	held := f.arrived <= f.gate
	f.mu.Unlock()
	if held {
		select {
		case <-f.open:
		case <-time.After(10 * time.Second): // only when the writers are not concurrent
			http.Error(w, "writers not concurrent", http.StatusTeapot)
			return
		}
	}
	f.mu.Lock()
	f.seen[a.ID]++
	n := f.seen[a.ID]
	f.mu.Unlock()
	switch {
	case strings.Contains(a.ID, "fail"):
		http.Error(w, `{"error":{"code":"internal"}}`, http.StatusInternalServerError)
	case n > 1:
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusCreated)
	}
}

func TestRunWrites(t *testing.T) {
	var arts []Publish
	for _, id := range []string{"a", "b", "fail-1", "c", "d", "e", "b", "f", "fail-2", "g"} {
		arts = append(arts, Publish{ID: id, Body: []byte(`{"id":"` + id + `","paragraphs":["一"]}`)})
	}
	fake := &fakeWrites{key: "k3y", gate: 4, seen: map[string]int{}, open: make(chan struct{})}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	res, ok := RunWrites(context.Background(), srv.URL, "k3y", arts, 4, time.Now().Add(time.Hour))
	if res.FirstError != "" && strings.Contains(res.FirstError, "418") {
		t.Fatalf("the 4 writers never had 4 writes in flight: %s", res.FirstError)
	}
	if res.Attempts != 10 || res.Writes != 8 || res.Errors != 2 || res.Created != 7 || res.Replaced != 1 || res.Writers != 4 {
		t.Errorf("%+v: want 10 sent, 8 answered 2xx (7 created, 1 replaced), 2 errors, 4 writers", res)
	}
	if !strings.Contains(res.FirstError, "fail-") || !strings.Contains(res.FirstError, "500") {
		t.Errorf("first error %q, want the 500 of a fail- id", res.FirstError)
	}
	if len(ok) != 8 || res.StoppedAt != "" || res.Readable != -1 {
		t.Errorf("%d ids answered 2xx, stopped at %q, readable %d: want 8, none, -1 (not checked)", len(ok), res.StoppedAt, res.Readable)
	}
	for _, id := range ok {
		if strings.Contains(id, "fail") {
			t.Errorf("failed write %s listed as written", id)
		}
	}
	if !(res.P50MS > 0 && res.P50MS <= res.P95MS && res.P95MS <= res.P99MS && res.P99MS <= res.MaxMS) {
		t.Errorf("percentiles out of order: %+v", res)
	}
	for id, n := range fake.seen {
		if want := map[string]int{"b": 2}[id]; n != max(want, 1) {
			t.Errorf("server saw %s %d times", id, n)
		}
	}

	t.Run("wrong key: every write an error", func(t *testing.T) {
		fake := &fakeWrites{key: "right", seen: map[string]int{}, open: make(chan struct{})}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		res, ok := RunWrites(context.Background(), srv.URL, "wrong", arts[:3], 2, time.Now().Add(time.Hour))
		if res.Errors != 3 || res.Writes != 0 || len(ok) != 0 || !strings.Contains(res.FirstError, "401") {
			t.Errorf("%+v: want 3 errors with 401", res)
		}
	})
	t.Run("past the cap: no write starts", func(t *testing.T) {
		res, ok := RunWrites(context.Background(), srv.URL, "k3y", arts, 2, time.Now().Add(-time.Second))
		if res.Attempts != 0 || len(ok) != 0 || !strings.Contains(res.StoppedAt, "max-duration") {
			t.Errorf("%+v: want nothing sent, stopped at the --max-duration cap", res)
		}
	})
	t.Run("cancelled: no write starts", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res, _ := RunWrites(ctx, srv.URL, "k3y", arts, 2, time.Now().Add(time.Hour))
		if res.Attempts != 0 || !strings.Contains(res.StoppedAt, "cancelled") {
			t.Errorf("%+v: want nothing sent, stopped as cancelled", res)
		}
	})
}

// TestRunLoadUntil checks that the load ends when its channel is closed,
// long before its duration: the test would otherwise run for an hour.
func TestRunLoadUntil(t *testing.T) {
	var mu sync.Mutex
	n := 0
	enough := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		if n == 20 {
			close(enough)
		}
		mu.Unlock()
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	res, err := RunLoadUntil(context.Background(), []string{srv.URL + "/x"}, 2, time.Hour, enough)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests < 20 || res.Errors != 0 || res.Clients != 2 {
		t.Errorf("%+v: want at least the 20 answers before the stop, no errors", res)
	}
}

func TestCopyDir(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	if err := copyDir(src, dst); err == nil || !strings.Contains(err.Error(), "no zhsearch index") {
		t.Errorf("copying a directory without an index: %v, want a refusal", err)
	}
	os.MkdirAll(filepath.Join(src, "index", "store"), 0o755)
	os.WriteFile(filepath.Join(src, "index", "index_meta.json"), []byte(`{"storage":"scorch"}`), 0o644)
	os.WriteFile(filepath.Join(src, "index", "store", "root.bolt"), []byte("bolt"), 0o644)
	if err := copyDir(src, dst); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index/index_meta.json", "index/store/root.bolt"} {
		a, _ := os.ReadFile(filepath.Join(src, f))
		b, err := os.ReadFile(filepath.Join(dst, f))
		if err != nil || string(a) != string(b) {
			t.Errorf("%s: copy %q, %v; want %q", f, b, err, a)
		}
	}
	os.WriteFile(filepath.Join(dst, "index", "store", "root.bolt"), []byte("changed"), 0o644)
	if b, _ := os.ReadFile(filepath.Join(src, "index", "store", "root.bolt")); string(b) != "bolt" {
		t.Error("writing the copy changed the original")
	}
}

func TestPublishMarkdown(t *testing.T) {
	r := &PublishReport{Command: "zhsearch bench publish --data d", Index: "a copy of d", Articles: 100, Clients: 8, Queries: 500,
		Write:  WriteResult{Writers: 4, Attempts: 500, Writes: 499, Created: 499, Errors: 1, P50MS: 40, P95MS: 90, P99MS: 120.5, MaxMS: 300, Readable: 499},
		Search: LoadResult{Clients: 8, QPS: 1234, P50MS: 3.5, P99MS: 45},
		Notes:  []string{"1 of 500 writes failed"}}
	var b strings.Builder
	r.WriteMarkdown(&b)
	md := b.String()
	for _, want := range []string{
		"| writes answered 2xx / sent | 499 / 500 (499 created, 0 replaced) |",
		"| write errors (non-2xx or failed) | 1 |",
		"| write latency p50 / p95 / p99 / max | 40.0 / 90.0 / 120.5 / 300.0 ms |",
		"| written articles readable by id afterwards | 499 of 499 |",
		"| searches during the writes: QPS, p50, p99 | 1,234 QPS, 3.50 ms, 45.0 ms |",
		"Note: 1 of 500 writes failed",
		"Command: `zhsearch bench publish --data d`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "≤") || strings.Contains(md, "target") {
		t.Errorf("markdown holds a target, not a measurement:\n%s", md)
	}
}
