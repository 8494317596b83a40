package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/internal/measure"
)

// exportCorpus indexes n articles that all hold 郑州, every third one
// also 地铁; titles start with = every fifth one (a formula to neutralise).
func exportCorpus(t testing.TB, n int) *index.Index {
	t.Helper()
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	var batch []*article.Article
	for i := 0; i < n; i++ {
		title := fmt.Sprintf("郑州新闻第%d期", i)
		if i%5 == 0 {
			title = "=郑州" + strconv.Itoa(i)
		}
		body := fmt.Sprintf("郑州市第%d项民生工程今天开工，市民“点赞”。", i)
		if i%3 == 0 {
			body += "地铁5号线同步延伸。"
		}
		a := &article.Article{ID: fmt.Sprintf("x%05d", i), Title: title, Section: "要闻", Authors: []string{"景静", "王芳"},
			PublishedAt: time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour).Format(time.RFC3339),
			URL:         "https://news.example.com/" + strconv.Itoa(i),
			Paragraphs:  []article.Paragraph{{Text: body}, {Text: "第二段落说明情况。"}}}
		a.Normalize()
		batch = append(batch, a)
		if len(batch) == 500 || i == n-1 {
			if err := ix.Put(context.Background(), batch...); err != nil {
				t.Fatal(err)
			}
			batch = nil
		}
	}
	return ix
}

func exportGet(t testing.TB, base, query string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(base + "/v1/export?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestExport(t *testing.T) {
	ix := exportCorpus(t, 260)
	srv := httptest.NewServer(api.New(api.Config{Backend: ix, MaxExport: 250}))
	defer srv.Close()

	t.Run("csv, every hit through several pages", func(t *testing.T) {
		resp, body := exportGet(t, srv.URL, "q=地铁&sort=oldest")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
		if !bytes.HasPrefix(body, []byte("\uFEFF")) {
			t.Fatal("no BOM")
		}
		rows, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], ",") != "id,title,published_at,section,authors,url,score,snippet" {
			t.Errorf("header %q", rows[0])
		}
		rows = rows[1:]
		if len(rows) != 87 || resp.Header.Get("X-Export-Total") != "87" || resp.Header.Get("X-Export-Truncated") != "false" {
			t.Fatalf("%d rows, headers %v; want the 87 articles holding 地铁", len(rows), resp.Header)
		}
		seen := map[string]bool{}
		for i, r := range rows {
			if seen[r[0]] {
				t.Errorf("%s exported twice", r[0])
			}
			seen[r[0]] = true
			if i > 0 && r[2] < rows[i-1][2] {
				t.Errorf("row %d out of the oldest-first order", i)
			}
			if !strings.Contains(r[7], "地铁") || strings.Contains(r[7], "<mark>") {
				t.Errorf("snippet %q is not the plain text holding the query", r[7])
			}
			if strings.HasPrefix(r[1], "=") || r[4] != "景静、王芳" || r[3] != "要闻" || !strings.HasPrefix(r[5], "https://") {
				t.Errorf("row %q", r)
			}
		}
	})
	t.Run("bound reached, said in the file", func(t *testing.T) {
		resp, body := exportGet(t, srv.URL, "q=郑州")
		rows, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		last := rows[len(rows)-1]
		if len(rows) != 1+250+1 || resp.Header.Get("X-Export-Truncated") != "true" || !strings.Contains(last[0], "已达导出上限 250 条，共 260 条") {
			t.Errorf("%d rows, last %q, headers %v", len(rows), last, resp.Header)
		}
	})
	t.Run("ndjson with an end line", func(t *testing.T) {
		resp, body := exportGet(t, srv.URL, "q=郑州&format=ndjson&limit=120&type=paragraph")
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-ndjson") {
			t.Errorf("type %q", resp.Header.Get("Content-Type"))
		}
		sc := bufio.NewScanner(bytes.NewReader(body))
		var lines []map[string]any
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, m)
		}
		end := lines[len(lines)-1]
		if len(lines) != 121 || end["end"] != true || end["exported"] != 120.0 || end["truncated"] != true || end["total"] != 260.0 {
			t.Errorf("%d lines, end %v", len(lines), end)
		}
		if lines[0]["title"] == nil || lines[0]["snippet"] == "" {
			t.Errorf("first row %v", lines[0])
		}
	})
	t.Run("bad parameters answer JSON errors", func(t *testing.T) {
		for _, q := range []string{"q=郑州&format=xlsx", "q=郑州&boost=recent", "q=郑州&cursor=abc", "q=", "q=郑州&since=-7x", "q=\"郑州"} {
			resp, body := exportGet(t, srv.URL, q)
			if resp.StatusCode != 400 || !strings.Contains(string(body), `"code"`) {
				t.Errorf("%s: %d %s", q, resp.StatusCode, body)
			}
		}
	})
}

// vmHWM is the process's peak resident set so far, in KiB (Linux).
func vmHWM() int64 {
	mem, _ := measure.ProcMemory(os.Getpid())
	return mem.Peak >> 10
}

// BenchmarkExport streams every hit of a generated corpus of 3,000
// articles (6,000 paragraphs) as CSV and reports the hits a second and
// the growth of the peak RSS during the exports (the corpus is indexed
// before): flat memory shows as a growth far below the file's size.
func BenchmarkExport(b *testing.B) {
	ix := exportCorpus(b, 3000)
	srv := httptest.NewServer(api.New(api.Config{Backend: ix}))
	defer srv.Close()
	before := vmHWM()
	b.ResetTimer()
	var bytesOut int64
	for i := 0; i < b.N; i++ {
		resp, err := http.Get(srv.URL + "/v1/export?q=郑州&type=paragraph")
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Header.Get("X-Export-Total") != "3000" {
			b.Fatalf("total %s", resp.Header.Get("X-Export-Total"))
		}
		bytesOut += n
	}
	b.ReportMetric(float64(3000*b.N)/b.Elapsed().Seconds(), "hits/s")
	b.ReportMetric(float64(bytesOut/int64(b.N))/(1<<20), "MiB/export")
	b.ReportMetric(float64(vmHWM()-before)/1024, "peakRSSgrowth-MiB")
}
