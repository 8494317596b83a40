package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/seeds"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

var summaryRE = regexp.MustCompile(`imported (\d+) articles, (\d+) paragraphs from (\d+) file\(s\) .* in \S+: \d+ articles/s, [\d.]+ MB/s .*rejected (\d+)`)

func TestImportCommand(t *testing.T) {
	in := t.TempDir()
	data := filepath.Join(t.TempDir(), "index")
	files := []string{
		writeFile(t, in, "a.jsonl.gz", gz(strings.Join([]string{
			`{"id": "j1", "title": "黄河流域生态保护", "paragraphs": ["第一段。", "第二段。"], "published_at": "2024-01-01T08:00:00+08:00"}`,
			`{"id": "j2", "title": "", "paragraphs": ["x"]}`,
			`{"id": "j3", "title": "郑州地铁", "body": "一。\n\n二。\n\n三。", "extra": true}`,
		}, "\n"))),
		writeFile(t, in, "b.json", []byte("[\n  {\"id\": \"k1\", \"title\": \"数组里的文章\", \"body\": \"正文。\"},\n  {\"id\": \"k2\", \"title\": \"日期错\", \"body\": \"x\", \"published_at\": \"yesterday\"}\n]\n")),
		writeFile(t, in, "A03.txt", []byte(seeds.Pages()[0].Text)),
	}
	var stderr bytes.Buffer
	args := append([]string{"import", "--published-at", "2024-07-01", "--source", "郑州晚报"}, files...)
	code := run(context.Background(), args, env(map[string]string{"ZHSEARCH_DATA": data}), &stderr, &stderr)
	out := stderr.String()
	if code != 1 {
		t.Errorf("exit %d, want 1 (lines were rejected)\n%s", code, out)
	}
	for _, want := range []string{
		"rejected " + files[0] + ":2: invalid article: missing title",
		"rejected " + files[1] + ":3: invalid article: date \"yesterday\"",
		"warning " + files[0] + ":3: unknown field \"extra\" ignored",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	m := summaryRE.FindStringSubmatch(out)
	if m == nil || m[1] != "5" || m[2] != "21" || m[3] != "3" || m[4] != "2" {
		t.Fatalf("summary = %q, want 5 articles, 21 paragraphs, 3 files, 2 rejected:\n%s", m, out)
	}

	// Importing again replaces: no duplicates.
	stderr.Reset()
	run(context.Background(), args, env(map[string]string{"ZHSEARCH_DATA": data}), &stderr, &stderr)
	ix, err := index.Open(index.Options{Path: indexDir(data)})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	s, err := ix.Stats(context.Background())
	if err != nil || s != (index.Stats{Articles: 5, Paragraphs: 21}) {
		t.Errorf("after two imports: %+v %v", s, err)
	}
	l, _ := ix.List(context.Background(), 1, 10)
	var pages []string
	for _, a := range l.Articles {
		pages = append(pages, a.ID+"@"+a.Page)
	}
	if l.Articles[0].PublishedAt != "2024-07-01" || l.Articles[0].Page != "A03" || l.Articles[0].Source != "郑州晚报" {
		t.Errorf("page articles: %q, first %+v", pages, l.Articles[0])
	}
}

func TestImportUsageErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "a.jsonl", []byte(`{"title": "t", "body": "x"}`))
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no data", []string{"import", good}, nil, "--data DIR (or ZHSEARCH_DATA) is required"},
		{"no path", []string{"import", "--data", dir + "/i"}, nil, "no PATH"},
		{"unknown type", []string{"import", "--data", dir + "/i", dir + "/x.csv"}, nil, "unknown file type"},
		{"missing file", []string{"import", "--data", dir + "/i", dir + "/nope.jsonl"}, nil, "no such file"},
		{"bad date", []string{"import", "--data", dir + "/i", "--published-at", "7/1", good}, nil, "--published-at"},
		{"bad progress", []string{"import", "--data", dir + "/i", "--progress", "x", good}, nil, "--progress"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(context.Background(), tc.args, env(tc.env), &stderr, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, output %q; want 2 and %q", code, stderr.String(), tc.want)
			}
		})
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve"}, env(map[string]string{"ZHSEARCH_SEED": "perhaps"}), &stderr, &stderr); code != 2 || !strings.Contains(stderr.String(), "ZHSEARCH_SEED") {
		t.Errorf("bad ZHSEARCH_SEED: exit %d, %q", code, stderr.String())
	}
}

func post(t *testing.T, u, ctype, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(u, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestWritesSurviveSIGKILL: a 2xx answer means on disk. The server is
// killed with SIGKILL (no shutdown, no flush) right after the answers and
// a new process on the same --data finds every acknowledged write.
func TestWritesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")

	base, cmd := startServer(t, bin, "--data", data, "--seed")
	if a := getArticles(t, base); a != 2 {
		t.Fatalf("a new --data index with --seed holds %d articles, want the 2 of the seed page", a)
	}
	if code, m := post(t, base+"/v1/articles", "application/json", `{"id": "durable-1", "title": "断电也不丢", "body": "写入后立即断电。"}`); code != 201 {
		t.Fatalf("POST: %d %v", code, m)
	}
	var lines []string
	for i := 0; i < 50; i++ {
		lines = append(lines, fmt.Sprintf(`{"id": "bulk-%d", "title": "批量%d", "body": "批量写入第%d篇。"}`, i, i, i))
	}
	if code, m := post(t, base+"/v1/articles", "application/x-ndjson", strings.Join(lines, "\n")); code != 200 || m["accepted"] != 50.0 {
		t.Fatalf("POST NDJSON: %d %v", code, m)
	}
	req, _ := http.NewRequest("DELETE", base+"/v1/articles/bulk-7", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("DELETE: %v %v", resp, err)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()

	base, _ = startServer(t, bin, "--data", data)
	if n := getArticles(t, base); n != 2+1+49 {
		t.Errorf("after SIGKILL and restart: %d articles, want 52 (not re-seeded, every acknowledged write kept)", n)
	}
	var a struct{ Title string }
	getJSON(t, base+"/v1/articles/durable-1", 200, &a)
	if a.Title != "断电也不丢" {
		t.Errorf("title %q", a.Title)
	}
	var res searchResult
	getJSON(t, base+"/v1/search?q="+url.QueryEscape("断电"), 200, &res)
	if res.Total != 1 {
		t.Errorf("search after restart: %d hits", res.Total)
	}
	var e struct{ Error struct{ Code string } }
	getJSON(t, base+"/v1/articles/bulk-7", 404, &e)

	// A new --data index starts empty unless --seed is given.
	base, _ = startServer(t, bin, "--data", filepath.Join(t.TempDir(), "empty"))
	if n := getArticles(t, base); n != 0 {
		t.Errorf("a new --data index without --seed: %d articles, want 0", n)
	}
}

func getArticles(t *testing.T, base string) int {
	t.Helper()
	var l struct{ Total int }
	getJSON(t, base+"/v1/articles?size=1", 200, &l)
	return l.Total
}
