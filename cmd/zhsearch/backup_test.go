package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zhsearch/zhsearch/index"
)

// TestSnapshotWhileServing: POST /v1/admin/snapshot while writers write
// gives a copy holding every write acknowledged before it; `zhsearch
// restore` of a snapshot serves the same answers as the server it came
// from; `zhsearch backup` copies a stopped server's index and refuses a
// running one's.
func TestSnapshotWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx := context.Background()
	bin := buildBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	base, cmd := startServer(t, bin, "--data", data, "--seed") // the seed page: 2 articles, and 二七经开区 to search
	for i := 0; i < 20; i++ {
		if code, m := post(t, base+"/v1/articles", "application/json",
			fmt.Sprintf(`{"id": "pre-%d", "title": "备份之前%d", "body": "地铁新线第%d篇。\n\n第二段。"}`, i, i, i)); code/100 != 2 {
			t.Fatalf("POST: %d %v", code, m)
		}
	}
	// Writers keep writing while the first snapshot is made.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"id": "during-%d-%d", "title": "备份之中", "body": "地铁写入%d。"}`, w, i%10, i)
				resp, err := http.Post(base+"/v1/articles", "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		}(w)
	}
	var snap struct {
		Name, Path string
		Articles   int
	}
	code, m := post(t, base+"/v1/admin/snapshot", "application/json", "")
	close(stop)
	wg.Wait()
	if code != 201 {
		t.Fatalf("snapshot: %d %v", code, m)
	}
	raw, _ := json.Marshal(m)
	json.Unmarshal(raw, &snap)
	if filepath.Dir(snap.Path) != data+"-snapshots" || snap.Articles < 22 {
		t.Errorf("snapshot = %+v", snap)
	}
	func() {
		ix, err := index.Open(index.Options{Path: indexDir(snap.Path)})
		if err != nil {
			t.Fatalf("the snapshot made while writing does not open: %v", err)
		}
		defer ix.Close()
		for i := 0; i < 20; i++ {
			if _, err := ix.Get(ctx, fmt.Sprintf("pre-%d", i)); err != nil {
				t.Errorf("snapshot lacks an acknowledged write: %v", err)
			}
		}
	}()

	// A quiet snapshot, restored, answers as the server did.
	code, m = post(t, base+"/v1/admin/snapshot", "application/json", "")
	if code != 201 {
		t.Fatalf("snapshot: %d %v", code, m)
	}
	quiet := m["path"].(string)
	queries := []string{"/v1/search?q=地铁&size=100", "/v1/search?q=二七经开区&type=paragraph", "/v1/articles?size=100", "/v1/articles/pre-3", "/v1/suggest?q=备份"}
	answers := func(base string) []string {
		var out []string
		for _, q := range queries {
			u, _ := url.Parse(base + q)
			u.RawQuery = u.Query().Encode()
			resp, err := http.Get(u.String())
			if err != nil {
				t.Fatal(err)
			}
			var v map[string]any
			json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
			delete(v, "took_ms")
			b, _ := json.Marshal(v)
			out = append(out, fmt.Sprintf("%d %s", resp.StatusCode, b))
		}
		return out
	}
	before := answers(base)

	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"backup", "--data", data, filepath.Join(dir, "b")}, env(nil), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "/v1/admin/snapshot") {
		t.Errorf("backup of a running server's index: exit %d, %s", code, stderr.String())
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()

	restored := filepath.Join(dir, "restored")
	stdout.Reset()
	stderr.Reset()
	if code := run(ctx, []string{"restore", "--data", restored, quiet}, env(nil), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "restored") {
		t.Fatalf("restore: exit %d, %s%s", code, stdout.String(), stderr.String())
	}
	if code := run(ctx, []string{"restore", "--data", restored, quiet}, env(nil), &stdout, &stderr); code != 1 {
		t.Errorf("restore over an index: exit %d", code)
	}
	if code := run(ctx, []string{"backup", "--data", data, filepath.Join(dir, "offline")}, env(nil), &stdout, &stderr); code != 0 {
		t.Errorf("offline backup: exit %d, %s", code, stderr.String())
	}
	base, _ = startServer(t, bin, "--data", restored)
	after := answers(base)
	for i := range queries {
		if before[i] != after[i] {
			t.Errorf("%s: served %s\nrestored serves %s", queries[i], before[i], after[i])
		}
	}
}
