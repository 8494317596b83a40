package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/index"
)

// smallDisk mounts a tmpfs of sizeMB under a temporary directory and
// returns it; the test is skipped where mounting is not permitted (not
// root, or in a container without CAP_SYS_ADMIN).
func smallDisk(t *testing.T, sizeMB int) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm", sizeMB), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a %d MB tmpfs to fill (needs root): %v: %s", sizeMB, err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file that leaves about leaveKB free on dir's file system.
func fill(t *testing.T, dir string, leaveKB int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	n := free - leaveKB<<10
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for n > 0 {
		w := int64(len(buf))
		if n < w {
			w = n
		}
		if _, err := f.Write(buf[:w]); err != nil {
			break
		}
		n -= w
	}
	return path
}

func diskArticle(i int) string {
	var b strings.Builder
	for p := range 6 {
		fmt.Fprintf(&b, "第%d篇第%d段：磁盘写满时的新闻稿件编号%d，记者在现场报道城市交通与天气变化。", i, p, i)
		b.WriteString(strings.Repeat("郑州地铁新线开通运营，市民出行更加方便。", 8))
		b.WriteString("\n\n")
	}
	a := map[string]string{"id": fmt.Sprintf("full-%d", i), "title": fmt.Sprintf("满盘测试%d号", i), "body": b.String()}
	raw, _ := json.Marshal(a)
	return string(raw)
}

// answer is one HTTP answer: status and JSON body.
type answer struct {
	code int
	body map[string]any
	raw  string
}

func send(t *testing.T, method, u, ctype, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{code: resp.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func answerCode(a answer) string {
	e, _ := a.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// TestDiskFull writes through a real server to an index on a 20 MB tmpfs
// that is filled up: every write answers 2xx (stored) or 507
// insufficient_storage (nothing of it stored, not even in memory), never a
// 500 or a panic; /readyz says "disk full" while it lasts and the metrics
// count the failures; once space is freed the same server stores again
// without a restart, and after a restart the index holds exactly the
// acknowledged writes.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs and fills it")
	}
	disk := smallDisk(t, 20)
	ctx := context.Background()
	path := filepath.Join(disk, "data", "index")
	ix, err := index.Open(index.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerTo(func(p []byte) {
		logMu.Lock()
		logs.Write(p)
		logMu.Unlock()
	}), nil))
	srv := httptest.NewServer(api.New(api.Config{Backend: ix, Store: ix, Logger: logger}))
	defer srv.Close()

	acked := map[string]bool{}  // ids whose last write was acknowledged
	failed := map[string]bool{} // ids whose only write answered 507
	put := func(i int) answer {
		a := send(t, http.MethodPost, srv.URL+"/v1/articles", "application/json", diskArticle(i))
		id := fmt.Sprintf("full-%d", i)
		switch {
		case a.code/100 == 2:
			acked[id] = true
			delete(failed, id)
		case a.code == http.StatusInsufficientStorage && answerCode(a) == "insufficient_storage":
			if !acked[id] {
				failed[id] = true
			}
		default:
			t.Fatalf("write %s: %d %s; want 2xx or 507 insufficient_storage", id, a.code, a.raw)
		}
		return a
	}
	for i := range 10 {
		if a := put(i); a.code/100 != 2 {
			t.Fatalf("write before the disk is full: %d %s", a.code, a.raw)
		}
	}
	filler := fill(t, disk, 256)
	for i := 10; i < 400 && len(failed) < 8; i++ {
		put(i)
	}
	if len(failed) == 0 {
		t.Fatalf("no write failed on a full disk (%d acknowledged)", len(acked))
	}
	t.Logf("disk nearly full: %d more writes acknowledged, %d answered 507", len(acked)-10, len(failed))
	// Take the last bytes too, so that nothing can be persisted: every
	// write from here on must fail.
	filler2 := filepath.Join(disk, "filler2")
	if f, err := os.Create(filler2); err == nil {
		buf := make([]byte, 4096)
		for {
			if _, err := f.Write(buf); err != nil {
				break
			}
		}
		f.Close()
	}
	for i := 500; i < 503; i++ {
		if a := put(i); a.code != http.StatusInsufficientStorage {
			t.Errorf("write on a full disk: %d %s", a.code, a.raw)
		}
	}

	// An NDJSON stream stops at the batch that cannot be stored and says
	// which lines were.
	var nd strings.Builder
	for i := 1000; i < 1005; i++ {
		nd.WriteString(diskArticle(i) + "\n")
	}
	a := send(t, http.MethodPost, srv.URL+"/v1/articles", "application/x-ndjson", nd.String())
	if a.code != http.StatusInsufficientStorage || answerCode(a) != "insufficient_storage" {
		t.Errorf("NDJSON on a full disk: %d %s", a.code, a.raw)
	}
	for i := 1000; i < 1005; i++ {
		failed[fmt.Sprintf("full-%d", i)] = true
	}
	// A delete is a write too; it may well be stored (it persists into
	// pages root.bolt already has), or answer 507.
	switch a := send(t, http.MethodDelete, srv.URL+"/v1/articles/full-0", "", ""); a.code {
	case http.StatusNoContent:
		delete(acked, "full-0")
		failed["full-0"] = true // not found from now on
	case http.StatusInsufficientStorage:
	default:
		t.Errorf("DELETE on a full disk: %d %s", a.code, a.raw)
	}

	if a := send(t, http.MethodGet, srv.URL+"/readyz", "", ""); a.code != http.StatusServiceUnavailable || !strings.Contains(a.raw, "disk full") {
		t.Errorf("readyz on a full disk: %d %s", a.code, a.raw)
	}
	metrics := send(t, http.MethodGet, srv.URL+"/metrics", "", "").raw
	if !regexp.MustCompile(`zhsearch_persist_failures_total [1-9]`).MatchString(metrics) ||
		!regexp.MustCompile(`zhsearch_writes_not_stored_total [1-9]`).MatchString(metrics) {
		t.Errorf("metrics do not count the failures:\n%s", grep(metrics, "zhsearch_persist_failures_total", "zhsearch_writes_not_stored_total"))
	}
	// What answered 507 is not visible: not as an article, not in search.
	checkVisible := func(when string) {
		t.Helper()
		for id := range failed {
			if a := send(t, http.MethodGet, srv.URL+"/v1/articles/"+id, "", ""); a.code != http.StatusNotFound {
				t.Errorf("%s: %s answered 507 but GET says %d", when, id, a.code)
			}
		}
		for id := range acked {
			if a := send(t, http.MethodGet, srv.URL+"/v1/articles/"+id, "", ""); a.code != http.StatusOK {
				t.Errorf("%s: %s was acknowledged but GET says %d %s", when, id, a.code, a.raw)
			}
		}
		a := send(t, http.MethodGet, srv.URL+"/v1/search?q="+url.QueryEscape("满盘测试")+"&size=100", "", "")
		if a.code != http.StatusOK {
			t.Fatalf("%s: search: %d %s", when, a.code, a.raw)
		}
		if total, _ := a.body["total"].(float64); int(total) != len(acked) {
			t.Errorf("%s: search finds %v articles, want the %d acknowledged", when, a.body["total"], len(acked))
		}
	}
	checkVisible("disk full")

	// Free the space: the same server stores again, and says it is ready.
	for _, f := range []string{filler, filler2} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	ready := false
	for range 600 { // the persister retries at once; this waits up to a minute
		if a := send(t, http.MethodGet, srv.URL+"/readyz", "", ""); a.code == http.StatusOK {
			ready = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ready {
		t.Errorf("readyz still not ready after space was freed")
	}
	for i := 2000; i < 2010; i++ {
		if a := put(i); a.code/100 != 2 {
			t.Errorf("write after space was freed: %d %s", a.code, a.raw)
		}
	}
	for id := range failed { // send one that failed again
		i, _ := strconv.Atoi(strings.TrimPrefix(id, "full-"))
		if a := put(i); a.code/100 != 2 {
			t.Errorf("rewrite of %s after space was freed: %d %s", id, a.code, a.raw)
		}
		break
	}
	checkVisible("space freed")
	srv.Close()
	if err := ix.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if strings.Contains(logs.String(), "panicked") {
		t.Errorf("a request panicked:\n%s", grep(logs.String(), "panic"))
	}

	// After a restart: exactly the acknowledged writes.
	ix, err = index.Open(index.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	st, err := ix.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if int(st.Articles) != len(acked) {
		t.Errorf("after a restart the index holds %d articles, want the %d acknowledged", st.Articles, len(acked))
	}
	for id := range failed {
		if _, err := ix.Get(ctx, id); !errors.Is(err, index.ErrNotFound) {
			t.Errorf("after a restart %s, which answered 507, is there: %v", id, err)
		}
	}
}

// TestImportDiskFull imports into a filled tmpfs: the import fails, and
// the number it reports as imported is what the reopened index holds.
func TestImportDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs and fills it")
	}
	disk := smallDisk(t, 20)
	var nd strings.Builder
	for i := range 600 {
		nd.WriteString(diskArticle(i) + "\n")
	}
	file := writeFile(t, t.TempDir(), "full.jsonl", []byte(nd.String()))
	data := filepath.Join(disk, "data")
	fill(t, disk, 2048)
	var stderr strings.Builder
	code := importCmd(context.Background(), []string{"--data", data, "--progress", "never", file}, func(string) string { return "" }, &stderr)
	out := stderr.String()
	t.Logf("import: exit %d\n%s", code, out)
	if code != 1 {
		t.Fatalf("import onto a full disk: exit %d, want 1", code)
	}
	m := regexp.MustCompile(`imported (\d+) articles`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no count in the import's output:\n%s", out)
	}
	reported, _ := strconv.Atoi(m[1])
	if reported >= 600 {
		t.Fatalf("the import reports %d of 600 articles imported onto a full disk", reported)
	}
	ix, err := index.Open(index.Options{Path: indexDir(data)})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	st, err := ix.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if int(st.Articles) != reported {
		t.Errorf("the import reported %d articles imported; the reopened index holds %d", reported, st.Articles)
	}
}

type writerTo func([]byte)

func (w writerTo) Write(p []byte) (int, error) { w(p); return len(p), nil }

func grep(s string, subs ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, sub := range subs {
			if strings.Contains(l, sub) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
