package index

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/seeds"
)

func gzipped(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// runImport writes files into a temporary folder, imports paths (names
// of files, or "-" for stdin) into a new bulk index and returns the
// counts, the lines the import reported, and the index.
func runImport(t *testing.T, opts ImportOptions, files map[string]string, paths ...string) (ImportCounts, []string, *Index, error) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range paths {
		if p != "-" {
			paths[i] = filepath.Join(dir, p)
		}
	}
	ix, _ := openBulk(t)
	t.Cleanup(func() { ix.Close() })
	var (
		mu    sync.Mutex
		lines []string
	)
	opts.OnLine = func(l string) {
		mu.Lock()
		lines = append(lines, strings.ReplaceAll(l, dir+string(filepath.Separator), ""))
		mu.Unlock()
	}
	im := NewImporter(ix, opts)
	err := im.Import(context.Background(), paths)
	return im.Counts(), lines, ix, err
}

// TestImporter imports each format and checks what is indexed, what is
// rejected and the line naming the file, the line and the reason.
func TestImporter(t *testing.T) {
	ndjson := strings.Join([]string{
		`{"id": "j1", "title": "黄河流域生态保护", "paragraphs": ["第一段。", "第二段。"], "published_at": "2024-01-01T08:00:00+08:00"}`,
		`{"id": "j2", "title": "", "paragraphs": ["x"]}`,
		`{"id": "j3", "title": "郑州地铁", "body": "一。\n\n二。\n\n三。", "extra": true}`,
	}, "\n")
	for _, tc := range []struct {
		name       string
		opts       ImportOptions
		files      map[string]string
		paths      []string
		articles   int
		paragraphs int
		rejected   int
		warned     int
		lines      []string // each line the import must report, in order
	}{
		{
			name:     "ndjson, gzipped",
			files:    map[string]string{"a.jsonl.gz": gzipped(ndjson)},
			paths:    []string{"a.jsonl.gz"},
			articles: 2, paragraphs: 5, rejected: 1, warned: 1,
			lines: []string{
				"rejected a.jsonl.gz:2: invalid article: missing title",
				`warning a.jsonl.gz:3: unknown field "extra" ignored`,
			},
		},
		{
			name:     "strict rejects unknown fields",
			opts:     ImportOptions{Strict: true},
			files:    map[string]string{"a.ndjson": ndjson},
			paths:    []string{"a.ndjson"},
			articles: 1, paragraphs: 2, rejected: 2,
			lines: []string{"rejected a.ndjson:2: invalid article: missing title", `rejected a.ndjson:3:`},
		},
		{
			name:     "json array",
			files:    map[string]string{"b.json": "[\n  {\"id\": \"k1\", \"title\": \"数组里的文章\", \"body\": \"正文。\"},\n  {\"id\": \"k2\", \"title\": \"日期错\", \"body\": \"x\", \"published_at\": \"yesterday\"}\n]\n"},
			paths:    []string{"b.json"},
			articles: 1, paragraphs: 1, rejected: 1,
			lines: []string{`rejected b.json:3: invalid article: date "yesterday"`},
		},
		{
			name: "control characters are named with their field",
			files: map[string]string{"c.jsonl": strings.Join([]string{
				`{"id": "c1", "title": "好文章", "body": "正文。"}`,
				`{"id": "c2", "title": "坏\u0000标题", "body": "正文。"}`,
				`{"id": "c3", "title": "标题", "paragraphs": ["一。", "二\u001b。"]}`,
				`{"id": "c\u0007", "title": "标题", "body": "正文。"}`,
			}, "\n")},
			paths:    []string{"c.jsonl"},
			articles: 1, paragraphs: 1, rejected: 3,
			lines: []string{
				"c.jsonl:2: invalid article: title contains the control character U+0000",
				"c.jsonl:3: invalid article: paragraph 1 contains the control character U+001B",
				`c.jsonl:4: invalid article: id "c\a" contains the control character U+0007`,
			},
		},
		{
			name:     "page file",
			opts:     ImportOptions{Page: article.PageMeta{PublishedAt: "2024-07-01", Source: "郑州晚报"}},
			files:    map[string]string{"A03.txt": seeds.Pages()[0].Text},
			paths:    []string{"A03.txt"},
			articles: 2, paragraphs: 15,
		},
		{
			name:     "page file without titles",
			files:    map[string]string{"empty.md": "只有一行正文，没有标题。\n"},
			paths:    []string{"empty.md"},
			rejected: 1, warned: 1,
			lines: []string{
				"warning empty.md: line 1: text before the first ## title ignored",
				`rejected empty.md: no article found (titles are lines starting with "## ")`,
			},
		},
		{
			name:     "stdin",
			opts:     ImportOptions{Stdin: strings.NewReader(`{"id": "s1", "title": "标准输入", "body": "一。\n\n二。"}` + "\n{oops\n")},
			paths:    []string{"-"},
			articles: 1, paragraphs: 2, rejected: 1,
			lines: []string{"rejected stdin:2: "},
		},
		{
			name:     "batches of one article give the same",
			opts:     ImportOptions{BatchSize: 1},
			files:    map[string]string{"a.jsonl": ndjson, "b.json": `{"id": "k1", "title": "单篇", "body": "正文。"}`},
			paths:    []string{"a.jsonl", "b.json"},
			articles: 3, paragraphs: 6, rejected: 1, warned: 1,
		},
		{
			name:     "batches of a few bytes give the same",
			opts:     ImportOptions{BatchBytes: 10},
			files:    map[string]string{"a.jsonl": ndjson},
			paths:    []string{"a.jsonl"},
			articles: 2, paragraphs: 5, rejected: 1, warned: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, lines, ix, err := runImport(t, tc.opts, tc.files, tc.paths...)
			if err != nil {
				t.Fatal(err)
			}
			want := ImportCounts{Files: len(tc.paths), Articles: tc.articles, Paragraphs: tc.paragraphs, Rejected: tc.rejected, Warned: tc.warned}
			c.Read, c.Decoded = 0, 0
			if c != want {
				t.Errorf("counts %+v, want %+v\n%s", c, want, strings.Join(lines, "\n"))
			}
			next := 0
			for _, w := range tc.lines {
				i := slices.IndexFunc(lines[next:], func(l string) bool { return strings.Contains(l, w) })
				if i < 0 {
					t.Errorf("no line %q after line %d of\n%s", w, next, strings.Join(lines, "\n"))
					continue
				}
				next += i + 1
			}
			st, err := ix.Stats(context.Background())
			if err != nil || st != (Stats{Articles: uint64(tc.articles), Paragraphs: uint64(tc.paragraphs)}) {
				t.Errorf("the index holds %+v (%v), want %d articles and %d paragraphs", st, err, tc.articles, tc.paragraphs)
			}
		})
	}
}

// TestImporterPageMeta: page articles take the page's metadata, and the
// page name defaults to the file's name.
func TestImporterPageMeta(t *testing.T) {
	_, _, ix, err := runImport(t, ImportOptions{Page: article.PageMeta{PublishedAt: "2024-07-01", Source: "郑州晚报"}},
		map[string]string{"A03.txt": seeds.Pages()[0].Text}, "A03.txt")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ix.List(context.Background(), 1, 10)
	if err != nil || len(l.Articles) == 0 {
		t.Fatalf("list: %v %+v", err, l)
	}
	for _, a := range l.Articles {
		if a.PublishedAt != "2024-07-01" || a.Page != "A03" || a.Source != "郑州晚报" {
			t.Errorf("%s: published %q, page %q, source %q; want 2024-07-01, A03, 郑州晚报", a.ID, a.PublishedAt, a.Page, a.Source)
		}
	}
}

// TestImporterLaterVersionWins: an id imported twice, in different
// batches, holds its later version.
func TestImporterLaterVersionWins(t *testing.T) {
	body := `{"id": "v", "title": "第一版", "body": "旧。"}` + "\n" + `{"id": "other", "title": "别的", "body": "x。"}` + "\n" + `{"id": "v", "title": "第二版", "body": "新。"}` + "\n"
	_, _, ix, err := runImport(t, ImportOptions{BatchSize: 1}, map[string]string{"v.jsonl": body}, "v.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	a, err := ix.Get(context.Background(), "v")
	if err != nil || a.Title != "第二版" {
		t.Errorf("v: %+v %v; want the second version", a, err)
	}
}

// TestImporterWarningsBounded: the first maxWarnings warnings are
// reported, all are counted.
func TestImporterWarningsBounded(t *testing.T) {
	var b strings.Builder
	for i := range maxWarnings + 5 {
		fmt.Fprintf(&b, `{"id": "w%d", "title": "标题", "body": "正文。", "extra": %d}`+"\n", i, i)
	}
	c, lines, _, err := runImport(t, ImportOptions{}, map[string]string{"w.jsonl": b.String()}, "w.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if c.Warned != maxWarnings+5 || len(lines) != maxWarnings {
		t.Errorf("%d warned, %d lines; want %d and %d", c.Warned, len(lines), maxWarnings+5, maxWarnings)
	}
}

// TestImporterErrors: what stops an import names the file.
func TestImporterErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  ImportOptions
		files map[string]string
		paths []string
		want  string
	}{
		{"missing file", ImportOptions{}, nil, []string{"nope.jsonl"}, "nope.jsonl: no such file"},
		{"not gzip", ImportOptions{}, map[string]string{"x.jsonl.gz": "plain"}, []string{"x.jsonl.gz"}, "x.jsonl.gz: "},
		{"no stdin", ImportOptions{}, nil, []string{"-"}, "stdin: no standard input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := runImport(t, tc.opts, tc.files, tc.paths...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
	ix, _ := openBulk(t)
	defer ix.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := NewImporter(ix, ImportOptions{}).Import(ctx, []string{"x.jsonl"}); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("cancelled import: %v, want interrupted", err)
	}
}

// TestImporterRecount: after a failure, the counts become what the index
// holds of the versions this import sent; a version replaced since is
// not counted.
func TestImporterRecount(t *testing.T) {
	ctx := context.Background()
	ix, dir := openBulk(t)
	im := NewImporter(ix, ImportOptions{Stdin: strings.NewReader(strings.Join([]string{
		`{"id": "r1", "title": "一", "paragraphs": ["一。", "二。"]}`,
		`{"id": "r2", "title": "二", "body": "正文。"}`,
		`{"id": "r3", "title": "三", "body": "正文。"}`,
	}, "\n"))})
	if err := im.Import(ctx, []string{"-"}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Put(ctx, art("r3", "改过", "x", 4)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := im.Recount(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if c := im.Counts(); c.Articles != 2 || c.Paragraphs != 3 {
		t.Errorf("recounted %d articles, %d paragraphs; want 2 and 3 (r3 was replaced since)", c.Articles, c.Paragraphs)
	}
}

func ExampleImporter() {
	dir, err := os.MkdirTemp("", "zhsearch-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ix, err := Open(Options{Path: filepath.Join(dir, "index"), Bulk: true})
	if err != nil {
		panic(err)
	}
	defer ix.Close()
	im := NewImporter(ix, ImportOptions{
		Stdin: strings.NewReader(`{"id": "1", "title": "郑州地铁新线开通", "body": "今天上午开通运营。\n\n市民纷纷乘坐体验。"}` + "\n" +
			`{"id": "2", "title": "", "body": "没有标题。"}` + "\n"),
		OnLine: func(line string) { fmt.Println(line) },
	})
	if err := im.Import(context.Background(), []string{"-"}); err != nil {
		panic(err)
	}
	c := im.Counts()
	fmt.Printf("%d articles, %d paragraphs, %d rejected\n", c.Articles, c.Paragraphs, c.Rejected)
	// Output:
	// rejected stdin:2: invalid article: missing title
	// 1 articles, 2 paragraphs, 1 rejected
}
