package main

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReplicateSynonymsEndToEnd runs the built binary twice on
// 127.0.0.1: a primary with an embedded NATS server (--nats-embedded)
// and a --synonyms file, and a replica fed by it (--replicate). Synonyms
// set on the primary, from its file and through the API, reach the
// replica, whose searches expand them (the same search with
// synonyms=off finds nothing); an article written and then deleted on
// the primary is there, then gone, on the replica. The deadline of the
// polls is a failure guard only: every assertion is on what the servers
// answer.
func TestReplicateSynonymsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary twice, with an embedded NATS server")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	synFile := filepath.Join(dir, "synonyms.txt")
	if err := os.WriteFile(synFile, []byte("# the primary's file\n世卫组织, 世界卫生组织, WHO\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	natsAddr := l.Addr().String()
	l.Close()
	primary, _ := startServer(t, bin, "--data", filepath.Join(dir, "primary"), "--seed=false",
		"--nats-embedded", "--nats-listen", natsAddr, "--synonyms", synFile)
	// One NATS server: the stream keeps one copy (the primary says so for
	// its embedded server; the replica is told).
	replica, _ := startServer(t, bin, "--data", filepath.Join(dir, "replica"), "--seed=false",
		"--replicate", "nats://"+natsAddr, "--stream-replicas", "1")
	for _, base := range []string{primary, replica} {
		eventually(t, base+" ready", func() bool { return status(t, http.MethodGet, base+"/readyz", "") == http.StatusOK })
	}

	// Through the API, on the primary.
	if st := status(t, http.MethodPost, primary+"/v1/synonyms", `{"rules":["土豆 => 马铃薯"]}`); st != http.StatusOK {
		t.Fatalf("POST /v1/synonyms on the primary: %d", st)
	}
	// A write on the primary: its text has neither 世卫组织 nor 土豆.
	const id = "who-report-1"
	art := `{"title":"卫生要闻","paragraphs":[{"text":"世界卫生组织今天发布报告，马铃薯的产量继续上升。"}]}`
	if st := status(t, http.MethodPut, primary+"/v1/articles/"+id, art); st/100 != 2 {
		t.Fatalf("PUT the article on the primary: %d", st)
	}
	eventually(t, "the article on the replica", func() bool {
		return status(t, http.MethodGet, replica+"/v1/articles/"+id, "") == http.StatusOK
	})
	// The file's rule (published by the primary in the background) and
	// the API's, on the replica.
	eventually(t, "the replica to expand 世卫组织 (the primary's file)", func() bool {
		return slices.Contains(expand(t, replica, "世卫组织"), "世界卫生组织")
	})
	if got := expand(t, replica, "土豆"); !slices.Equal(got, []string{"土豆", "马铃薯"}) {
		t.Fatalf("the replica expands 土豆 to %q, want [土豆 马铃薯] (the primary's POST)", got)
	}
	// Searches on the replica expand them (a word new to the dictionary
	// may re-index the article in the background: poll).
	for _, q := range []string{"世卫组织", "土豆"} {
		eventually(t, "a search for "+q+" on the replica to find the article", func() bool {
			return slices.Contains(hitIDs(t, replica, q, "on"), id)
		})
		if got := hitIDs(t, replica, q, "off"); slices.Contains(got, id) {
			t.Errorf("the replica finds the article for %s with synonyms=off (%q): the hit is not the expansion's", q, got)
		}
	}
	// A delete on the primary reaches the replica too.
	if st := status(t, http.MethodDelete, primary+"/v1/articles/"+id, ""); st/100 != 2 {
		t.Fatalf("DELETE the article on the primary: %d", st)
	}
	eventually(t, "the delete on the replica", func() bool {
		return status(t, http.MethodGet, replica+"/v1/articles/"+id, "") == http.StatusNotFound
	})
	if got := hitIDs(t, replica, "世卫组织", "on"); slices.Contains(got, id) {
		t.Errorf("the replica still finds the deleted article: %q", got)
	}
}

// eventually polls cond until it holds. Its deadline is a failure guard
// for a replica that never catches up, not a measure.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	guard := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(guard) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// status sends a request (a JSON body if any) and returns the status.
func status(t *testing.T, method, u, body string) int {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// expand is what a search for word looks for on the server at base.
func expand(t *testing.T, base, word string) []string {
	t.Helper()
	var out struct {
		Expand []string `json:"expand"`
	}
	getJSON(t, base+"/v1/synonyms?expand="+url.QueryEscape(word), http.StatusOK, &out)
	return out.Expand
}

// hitIDs are the article ids a search finds, synonyms on or off.
func hitIDs(t *testing.T, base, q, synonyms string) []string {
	t.Helper()
	var res searchResult
	getJSON(t, base+"/v1/search?size=50&synonyms="+synonyms+"&q="+url.QueryEscape(q), http.StatusOK, &res)
	var ids []string
	for _, h := range res.Hits {
		id := h.ArticleID
		if id == "" {
			id = h.ID
		}
		ids = append(ids, id)
	}
	return ids
}
