package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// twoChars is a stand-in segmenter: words of two characters, Latin runs
// and punctuation as separate tokens (punctuation dropped).
func twoChars(text string) []Span {
	var out []Span
	start, n := -1, 0
	for i, r := range text {
		if !isHan(r) {
			if start >= 0 {
				out = append(out, Span{start, i})
				start, n = -1, 0
			}
			if r != '，' && r != '。' {
				out = append(out, Span{i, i + utf8.RuneLen(r)})
			}
			continue
		}
		if start < 0 {
			start = i
		}
		n++
		if n == 2 {
			out = append(out, Span{start, i + utf8.RuneLen(r)})
			start, n = -1, 0
		}
	}
	if start >= 0 {
		out = append(out, Span{start, len(text)})
	}
	return out
}

func TestGenerateQueries(t *testing.T) {
	docs := []Doc{
		{ID: "a", Title: "甲", Paragraphs: []string{"郑州市二七区经济开发区今年引进项目，总投资200亿元。", "abc"}},
		{ID: "b", Title: "乙", Paragraphs: []string{"记者从市政府获悉，全市重点项目建设进展顺利。"}},
	}
	qs, err := GenerateQueries(docs, twoChars, 7, 30, 30)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := GenerateQueries(docs, twoChars, 7, 30, 30)
	other, _ := GenerateQueries(docs, twoChars, 8, 30, 30)
	same, differs := true, false
	for i := range qs {
		same = same && qs[i] == again[i]
		differs = differs || qs[i] != other[i]
	}
	if !same {
		t.Error("the same seed gave different queries")
	}
	if !differs {
		t.Error("another seed gave the same queries")
	}
	byID := map[string]Doc{"a": docs[0], "b": docs[1]}
	for i, q := range qs {
		wantKind := KindWordSpan
		if i >= 30 {
			wantKind = KindSubstring
		}
		n := utf8.RuneCountInString(q.Text)
		switch {
		case q.Kind != wantKind:
			t.Errorf("query %d %q: kind %s, want %s", i, q.Text, q.Kind, wantKind)
		case !allHan(q.Text):
			t.Errorf("query %d %q: not Han characters only", i, q.Text)
		case !strings.Contains(byID[q.Source].Paragraphs[q.Paragraph], q.Text):
			t.Errorf("query %d %q: not in paragraph %d of %s", i, q.Text, q.Paragraph, q.Source)
		case q.Kind == KindWordSpan && (n < 4 || n > 8):
			t.Errorf("word span %q: %d characters, want 4 to 8 (2–4 words of 2)", q.Text, n)
		case q.Kind == KindSubstring && (n < 2 || n > 5):
			t.Errorf("substring %q: %d characters, want 2 to 5", q.Text, n)
		}
	}
	if _, err := GenerateQueries([]Doc{{ID: "x", Paragraphs: []string{"no Chinese here"}}}, twoChars, 1, 1, 0); err == nil {
		t.Error("no error for a corpus without Chinese text")
	}
}

func TestReadCorpus(t *testing.T) {
	dir := t.TempDir()
	lines := []string{
		`{"id":"a","title":"标题","paragraphs":["第一段","第二段"]}`,
		`{"id":"b","title":"二","paragraphs":["段落"]}`,
		`{"id":"c","title":"三","paragraphs":["更多"]}`,
	}
	path := filepath.Join(dir, "c.jsonl.gz")
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	gz.Write([]byte(strings.Join(lines, "\n") + "\n"))
	gz.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var subset bytes.Buffer
	c, err := ReadCorpus(path, 2, &subset)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Docs) != 2 || c.Docs[1].ID != "b" {
		t.Fatalf("docs %+v, want a and b", c.Docs)
	}
	if want := int64(len("标题第一段第二段二段落")); c.TextBytes != want {
		t.Errorf("TextBytes %d, want %d", c.TextBytes, want)
	}
	if subset.String() != lines[0]+"\n"+lines[1]+"\n" {
		t.Errorf("subset %q, want the first two lines", subset.String())
	}
	all, err := ReadCorpus(path, 0, nil)
	if err != nil || len(all.Docs) != 3 {
		t.Errorf("n=0: %d docs, %v; want all 3", len(all.Docs), err)
	}

	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(lines[0]+"\n{oops\n"), 0o644)
	if _, err := ReadCorpus(bad, 0, nil); err == nil || !strings.Contains(err.Error(), "bad.jsonl:2") {
		t.Errorf("error %v, want one naming bad.jsonl:2", err)
	}
}

func TestRunLoad(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		time.Sleep(time.Millisecond)
		w.Write([]byte(`{"total":1}`))
	}))
	defer srv.Close()
	res, err := RunLoad(context.Background(), []string{srv.URL + "/a", srv.URL + "/b"}, 2, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Errors != 0 || res.QPS <= 0 {
		t.Fatalf("%+v: want answers, no errors, a rate", res)
	}
	if !(res.P50MS >= 1 && res.P50MS <= res.P90MS && res.P90MS <= res.P99MS && res.P99MS <= res.MaxMS) {
		t.Errorf("percentiles out of order or below the 1 ms the handler sleeps: %+v", res)
	}
	res, err = RunLoad(context.Background(), []string{srv.URL + "/fail"}, 1, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors == 0 || res.Requests != 0 || !strings.Contains(res.FirstError, "500") {
		t.Errorf("%+v: want every request counted as an error", res)
	}
}

func TestWriteMarkdown(t *testing.T) {
	r := &Report{
		Articles: 10, TextMB: 0.1, Seed: 9, Command: "zhsearch bench all --corpus x",
		Ingest: &IngestResult{DocsPerSec: 1500, MBPerSec: 2, PeakRSSMiB: 700, IndexMB: 100, Served: 10},
		Query: &QueryResult{Queries: 2, Concurrent: LoadResult{Clients: 8, QPS: 1600, P99MS: 20}, Single: LoadResult{Clients: 1, P50MS: 0.8},
			Quality: &Quality{Kinds: map[string]KindQuality{KindWordSpan: {InTop10: 0.9, InAll: 1}, KindSubstring: {InTop10: 0.5, InAll: 1}}}},
	}
	var b strings.Builder
	r.WriteMarkdown(&b)
	md := b.String()
	for _, want := range []string{
		"| | zhsearch |\n|---|---|\n",
		"| ingest, until all searchable | 1,500 docs/s, 2.00 MB/s |",
		"| peak RSS during ingest | 700 MiB |",
		"| 8 clients: QPS, p99 | 1,600 QPS, 20.0 ms |",
		"| word-span queries: source in top 10 / among all hits | 0.90 / 1.000 |",
		"| substring queries: source in top 10 / among all hits | 0.50 / 1.000 |",
		"| first answered search after restart, idle RSS | not measured |",
		"Command: `zhsearch bench all --corpus x`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	for _, gone := range []string{"ZincSearch", "target", "≥"} { // only what this run measured
		if strings.Contains(md, gone) {
			t.Errorf("markdown holds %q, a figure or target not measured by the run:\n%s", gone, md)
		}
	}
}
