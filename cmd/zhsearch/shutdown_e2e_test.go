package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func testArticle(id, word string) string {
	b, _ := json.Marshal(map[string]any{
		"id": id, "title": "停机测试" + word, "source": "e2e",
		"paragraphs": []map[string]string{{"text": "这是一篇用来检验平稳停机的文章，关键词是" + word + "。"}, {"text": "第二段文字。"}},
	})
	return string(b)
}

// TestGracefulShutdownKeepsWrites sends SIGTERM while a write is still
// being uploaded: the server must stop accepting connections, finish that
// write and answer it, close the index and exit 0; after a restart on the
// same --data both that write and one acknowledged before the signal are
// there.
func TestGracefulShutdownKeepsWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	data := t.TempDir()
	p := startProc(t, nil, "--data", data, "--shutdown-grace", "20s")

	status, _, b := call(t, "POST", p.base+"/v1/articles", "", strings.NewReader(testArticle("before-signal", "甲乙丙")), "Content-Type", "application/json")
	if status != 201 && status != 200 {
		t.Fatalf("write before the signal: %d %s", status, b)
	}

	// A write whose body arrives in two parts, the signal in between.
	body := testArticle("during-signal", "丁戊己")
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", p.base+"/v1/articles", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = int64(len(body))
	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- answer{status: resp.StatusCode, body: string(b)}
	}()
	half := len(body) / 2
	if _, err := pw.Write([]byte(body[:half])); err != nil {
		t.Fatal(err)
	}
	// The signal must come while the server is reading the body: wait
	// until it serves two requests, that write and the scrape asking.
	for inFlight(t, p.base) < 2 {
		time.Sleep(20 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, "shutting down")

	// No new connections once shutting down.
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(p.base, "http://"), time.Second); err == nil {
		conn.Close()
		t.Error("a new connection was accepted after SIGTERM")
	}

	if _, err := pw.Write([]byte(body[half:])); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	select {
	case a := <-answered:
		if a.err != nil || (a.status != 201 && a.status != 200) {
			t.Fatalf("write in flight at the signal: %d %s %v", a.status, a.body, a.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the write in flight was never answered")
	}
	if err := p.wait(t, 30*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.Logs())
	}
	if !strings.Contains(p.Logs(), "index flushed and closed") {
		t.Errorf("no sign the index was closed:\n%s", p.Logs())
	}

	p2 := startProc(t, nil, "--data", data)
	for _, id := range []string{"before-signal", "during-signal"} {
		status, _, b := call(t, "GET", p2.base+"/v1/articles/"+id, "", nil)
		if status != 200 {
			t.Errorf("after restart, %s: %d %s", id, status, b)
		}
	}
	var res searchResult
	getJSON(t, p2.base+"/v1/search?q="+q("丁戊己"), 200, &res)
	if res.Total != 1 || res.Hits[0].ID != "during-signal" {
		t.Errorf("after restart, search for the write in flight: %+v", res)
	}
}

// inFlight reads zhsearch_http_requests_in_flight from /metrics (the
// scrape itself counted).
func inFlight(t *testing.T, base string) int {
	t.Helper()
	_, _, b := call(t, "GET", base+"/metrics", "", nil)
	m := regexp.MustCompile(`(?m)^zhsearch_http_requests_in_flight (\d+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("/metrics lacks zhsearch_http_requests_in_flight:\n%s", b)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
