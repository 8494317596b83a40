package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashState is what the test knows of one article id: the last
// acknowledged state, and the state of a write in flight when the server
// was killed (which may or may not have landed).
type crashState struct {
	acked    *crashVersion // nil: absent (never written, or deleted)
	inFlight *crashVersion // set with uncertain
	unsure   bool          // a write was in flight at the kill
	unsureOp string        // "put" or "delete", for messages
}

// crashVersion is one written version: its marker word and paragraphs.
type crashVersion struct {
	marker     string
	paragraphs int
}

// TestCrashRecovery is the durability test of a real server: concurrent
// writers POST and DELETE articles while the process is killed with
// SIGKILL at random moments. After every restart every acknowledged write
// is there (or gone, for an acknowledged delete) in the article store and
// in search results, paragraphs included; a write in flight at the kill
// may land or not, but whole. ZHSEARCH_CRASH_KILLS sets the number of
// kills (default 20); ZHSEARCH_CRASH_SEED the random seed.
//
//	ZHSEARCH_CRASH_KILLS=200 go test ./cmd/zhsearch -run CrashRecovery -v -timeout 2h
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	kills := 20
	if v := os.Getenv("ZHSEARCH_CRASH_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ZHSEARCH_CRASH_KILLS=%q: want a positive number", v)
		}
		kills = n
	}
	seed := time.Now().UnixNano()
	if v := os.Getenv("ZHSEARCH_CRASH_SEED"); v != "" {
		seed, _ = strconv.ParseInt(v, 10, 64)
	}
	t.Logf("ZHSEARCH_CRASH_SEED=%d", seed)
	rng := rand.New(rand.NewSource(seed))

	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	const writers, idsPerWriter = 8, 6
	states := make(map[string]*crashState)
	var (
		acked, checked, inFlight int
		seq                      int
	)
	client := &http.Client{Timeout: 30 * time.Second}

	for round := 0; round <= kills; round++ {
		base, cmd := startServer(t, bin, "--data", data, "--seed=false")
		// Check everything known so far against the new process.
		for id, st := range states {
			checked++
			got := crashObserve(t, client, base, id, st)
			switch {
			case st.unsure && sameVersion(got, st.inFlight):
				inFlight++
			case sameVersion(got, st.acked):
			default:
				t.Fatalf("round %d: %s is %s after restart, want acknowledged %s (or in-flight %s %s)",
					round, id, descVersion(got), descVersion(st.acked), st.unsureOp, descVersion(st.inFlight))
			}
			st.acked, st.inFlight, st.unsure = got, nil, false
		}
		if round == kills {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			break
		}

		// Writers: each owns its ids, so the order of its acknowledged
		// writes is the order they must end in.
		ctx, stop := context.WithCancel(context.Background())
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wrng := rand.New(rand.NewSource(rng.Int63()))
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for ctx.Err() == nil {
					id := fmt.Sprintf("crash-%d-%d", w, wrng.Intn(idsPerWriter))
					mu.Lock()
					st := states[id]
					if st == nil {
						st = &crashState{}
						states[id] = st
					}
					seq++
					v := &crashVersion{marker: fmt.Sprintf("ck%dq", seq), paragraphs: 1 + wrng.Intn(6)}
					mu.Unlock()
					del := st.acked != nil && wrng.Intn(4) == 0
					var ok bool
					if del {
						ok = crashDelete(ctx, client, base, id)
					} else {
						ok = crashPut(ctx, client, base, id, v)
					}
					mu.Lock()
					switch {
					case ok && del:
						st.acked = nil
						acked++
					case ok:
						st.acked = v
						acked++
					default: // killed in flight (or refused): may land or not
						st.unsure, st.unsureOp = true, "put"
						st.inFlight = v
						if del {
							st.unsureOp, st.inFlight = "delete", nil
						}
					}
					mu.Unlock()
					if !ok {
						return
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(100+rng.Intn(1400)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		_ = cmd.Wait()
		stop()
		wg.Wait()
	}
	t.Logf("%d kills, %d writes acknowledged, %d checks after restarts (%d found the write in flight at the kill landed), %d ids",
		kills, acked, checked, inFlight, len(states))
	if acked < kills {
		t.Errorf("only %d writes acknowledged over %d rounds", acked, kills)
	}
}

func sameVersion(a, b *crashVersion) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func descVersion(v *crashVersion) string {
	if v == nil {
		return "absent"
	}
	return fmt.Sprintf("%s with %d paragraphs", v.marker, v.paragraphs)
}

// crashPut writes id at version v; true on a 2xx answer.
func crashPut(ctx context.Context, c *http.Client, base, id string, v *crashVersion) bool {
	paras := make([]string, v.paragraphs)
	for i := range paras {
		paras[i] = fmt.Sprintf("崩溃测试第%d段，版本%s。", i, v.marker)
	}
	body, _ := json.Marshal(map[string]any{"id": id, "title": "崩溃测试 " + v.marker, "paragraphs": paras})
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/articles", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	return do2xx(c, req)
}

func crashDelete(ctx context.Context, c *http.Client, base, id string) bool {
	req, _ := http.NewRequestWithContext(ctx, "DELETE", base+"/v1/articles/"+url.PathEscape(id), nil)
	return do2xx(c, req)
}

func do2xx(c *http.Client, req *http.Request) bool {
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode/100 == 2
}

// crashObserve reads id from the store and the index and checks that the
// two agree: the stored version is the one search finds, with all its
// paragraphs and no others.
func crashObserve(t *testing.T, c *http.Client, base, id string, st *crashState) *crashVersion {
	t.Helper()
	get := func(u string, into any) int {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
				t.Fatalf("GET %s: %v", u, err)
			}
		}
		return resp.StatusCode
	}
	var a struct {
		Title      string            `json:"title"`
		Paragraphs []json.RawMessage `json:"paragraphs"`
	}
	count := func(q, typ string) int {
		var r searchResult
		u := fmt.Sprintf("%s/v1/search?q=%s&type=%s&id=%s&size=1&snippets=1", base, url.QueryEscape(q), typ, url.QueryEscape(id))
		if code := get(u, &r); code != 200 {
			t.Fatalf("GET %s: status %d", u, code)
		}
		return r.Total
	}
	switch code := get(base+"/v1/articles/"+url.PathEscape(id), &a); code {
	case 404:
		if n := count("崩溃测试", "article") + count("崩溃测试", "paragraph"); n != 0 {
			t.Fatalf("%s is not stored but search finds %d documents of it", id, n)
		}
		return nil
	case 200:
	default:
		t.Fatalf("GET article %s: status %d", id, code)
	}
	v := &crashVersion{marker: strings.TrimPrefix(a.Title, "崩溃测试 "), paragraphs: len(a.Paragraphs)}
	if n := count(v.marker, "article"); n != 1 {
		t.Fatalf("%s stored as %s, but an article search for it finds %d", id, descVersion(v), n)
	}
	if n := count("崩溃测试", "paragraph"); n != v.paragraphs {
		t.Fatalf("%s stored as %s, but %d paragraphs of it are indexed", id, descVersion(v), n)
	}
	if n := count(v.marker, "paragraph"); n != v.paragraphs {
		t.Fatalf("%s stored as %s, but %d of its paragraphs are found by its marker", id, descVersion(v), n)
	}
	return v
}
