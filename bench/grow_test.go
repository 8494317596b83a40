package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestShiftYears(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		k        int
		want     string
	}{
		{"offset and time of day kept", "2012-07-02T19:06:13+08:00", 1, "2011-07-02T19:06:13+08:00"},
		{"three years", "2026-06-30T23:59:59+08:00", 3, "2023-06-30T23:59:59+08:00"},
		{"UTC as Z", "2020-01-01T00:00:00Z", 2, "2018-01-01T00:00:00Z"},
		{"negative offset", "2015-12-31T22:30:00-05:00", 1, "2014-12-31T22:30:00-05:00"},
		{"fractions as written", "2019-03-04T05:06:07.120+08:00", 1, "2018-03-04T05:06:07.120+08:00"},
		{"date only", "2020-05-17", 2, "2018-05-17"},
		{"Feb 29 to a leap year stays", "2016-02-29T08:00:00+08:00", 4, "2012-02-29T08:00:00+08:00"},
		{"Feb 29 to a common year is Feb 28", "2016-02-29T08:00:00+08:00", 1, "2015-02-28T08:00:00+08:00"},
		{"Feb 29 date only", "2024-02-29", 3, "2021-02-28"},
		{"Feb 29 to 1900 (not leap)", "2000-02-29", 100, "1900-02-28"},
		{"Feb 28 stays Feb 28", "2017-02-28T10:00:00+08:00", 1, "2016-02-28T10:00:00+08:00"},
		{"Mar 1 stays Mar 1", "2017-03-01T10:00:00+08:00", 1, "2016-03-01T10:00:00+08:00"},
		{"empty stays empty", "", 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ShiftYears(tc.in, tc.k)
			if err != nil || got != tc.want {
				t.Errorf("ShiftYears(%q, %d) = %q, %v; want %q", tc.in, tc.k, got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"yesterday", "2020/05/17", "2020-13-01", "0001-01-01"} {
		t.Run("refuses "+bad, func(t *testing.T) {
			if got, err := ShiftYears(bad, 1); err == nil {
				t.Errorf("ShiftYears(%q, 1) = %q, want an error", bad, got)
			}
		})
	}
}

func TestRepeatArticle(t *testing.T) {
	line := []byte(`{"id":"xwlb-1","title":"标题 <b>&","published_at":"2012-07-02T19:06:13+08:00","tags":["a"],"paragraphs":["第一段","第二段"]}` + "\n")
	got, err := RepeatArticle(line, 2)
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	json.Unmarshal(line, &a)
	if err := json.Unmarshal(got, &b); err != nil {
		t.Fatalf("copy %q: %v", got, err)
	}
	if b["id"] != "xwlb-1-r3" || b["published_at"] != "2010-07-02T19:06:13+08:00" {
		t.Errorf("copy 2: id %v, published_at %v; want xwlb-1-r3, 2010-07-02T19:06:13+08:00", b["id"], b["published_at"])
	}
	delete(a, "id")
	delete(a, "published_at")
	delete(b, "id")
	delete(b, "published_at")
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Errorf("other fields changed:\n%s\n%s", ja, jb)
	}
	if !bytes.HasSuffix(got, []byte("\n")) || bytes.Count(got, []byte("\n")) != 1 {
		t.Errorf("copy %q is not one line", got)
	}
	noDate, err := RepeatArticle([]byte(`{"id":"n","paragraphs":["段"]}`), 1)
	if err != nil || !strings.Contains(string(noDate), `"id":"n-r2"`) || strings.Contains(string(noDate), "published_at") {
		t.Errorf("an article without a date: %s, %v; want id n-r2 and no date added", noDate, err)
	}
	for _, bad := range []struct{ name, line string }{
		{"no id", `{"paragraphs":["段"]}`},
		{"bad date", `{"id":"x","published_at":"soon","paragraphs":["段"]}`},
		{"date not a string", `{"id":"x","published_at":2012,"paragraphs":["段"]}`},
		{"not JSON", `{oops`},
	} {
		t.Run(bad.name, func(t *testing.T) {
			if _, err := RepeatArticle([]byte(bad.line), 1); err == nil {
				t.Errorf("no error for %s", bad.line)
			}
		})
	}
	if _, err := RepeatArticle(line, 0); err == nil {
		t.Error("copy 0 is the corpus itself, not a repeat")
	}
}

func TestWriteGrown(t *testing.T) {
	lines := [][]byte{
		[]byte(`{"id":"a","published_at":"2016-02-29T19:00:00+08:00","paragraphs":["一"]}` + "\n"),
		[]byte(`{"id":"b","published_at":"2020-01-01","paragraphs":["二"]}` + "\n"),
		[]byte(`{"id":"c","paragraphs":["三"]}` + "\n"),
	}
	type art struct {
		ID  string `json:"id"`
		Pub string `json:"published_at"`
	}
	for _, tc := range []struct {
		name   string
		n      int
		copies int
		want   []art
	}{
		{"fits: the first n as they are", 2, 0, []art{{"a", "2016-02-29T19:00:00+08:00"}, {"b", "2020-01-01"}}},
		{"exactly the corpus", 3, 0, []art{{"a", "2016-02-29T19:00:00+08:00"}, {"b", "2020-01-01"}, {"c", ""}}},
		{"four times", 12, 3, []art{
			{"a", "2016-02-29T19:00:00+08:00"}, {"b", "2020-01-01"}, {"c", ""},
			{"a-r2", "2015-02-28T19:00:00+08:00"}, {"b-r2", "2019-01-01"}, {"c-r2", ""},
			{"a-r3", "2014-02-28T19:00:00+08:00"}, {"b-r3", "2018-01-01"}, {"c-r3", ""},
			{"a-r4", "2013-02-28T19:00:00+08:00"}, {"b-r4", "2017-01-01"}, {"c-r4", ""},
		}},
		{"part of a copy", 5, 1, []art{{"a", "2016-02-29T19:00:00+08:00"}, {"b", "2020-01-01"}, {"c", ""}, {"a-r2", "2015-02-28T19:00:00+08:00"}, {"b-r2", "2019-01-01"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			copies, err := WriteGrown(&out, lines, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if copies != tc.copies {
				t.Errorf("copies %d, want %d", copies, tc.copies)
			}
			var got []art
			ids := map[string]bool{}
			sc := bufio.NewScanner(&out)
			for sc.Scan() {
				var a art
				if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
					t.Fatalf("line %q: %v", sc.Text(), err)
				}
				if ids[a.ID] {
					t.Errorf("id %q twice", a.ID)
				}
				ids[a.ID] = true
				got = append(got, a)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d articles, want %d: %+v", len(got), len(tc.want), got)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("article %d: %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
	clash := [][]byte{[]byte(`{"id":"x","paragraphs":["一"]}`), []byte(`{"id":"x-r2","paragraphs":["二"]}`)}
	if _, err := WriteGrown(&bytes.Buffer{}, clash, 4); err == nil || !strings.Contains(err.Error(), `"x-r2"`) {
		t.Errorf("error %v, want one naming the id x-r2 written twice", err)
	}
}

func TestGrowthSteps(t *testing.T) {
	size := func(n int, p99 float64) GrowthSize {
		return GrowthSize{Articles: n, Concurrent: LoadResult{Clients: 8, P99MS: p99}}
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	for _, tc := range []struct {
		name    string
		sizes   []GrowthSize
		steps   []GrowthStep
		overall *GrowthStep
		notes   int
	}{
		{"4× apart, within the bar", []GrowthSize{size(200, 10), size(800, 15)},
			[]GrowthStep{{From: 200, To: 800, DataFactor: 4, P99Ratio: 1.5, PerFourX: 1.5, Holds: true}}, nil, 0},
		{"4× apart, over the bar", []GrowthSize{size(200, 10), size(800, 16)},
			[]GrowthStep{{From: 200, To: 800, DataFactor: 4, P99Ratio: 1.6, PerFourX: 1.6, Holds: false}}, nil, 0},
		{"2× apart: the ratio squared per 4×", []GrowthSize{size(100, 10), size(200, 12)},
			[]GrowthStep{{From: 100, To: 200, DataFactor: 2, P99Ratio: 1.2, PerFourX: 1.44, Holds: true}}, nil, 0},
		{"16× apart: the square root per 4×", []GrowthSize{size(100, 10), size(1600, 20)},
			[]GrowthStep{{From: 100, To: 1600, DataFactor: 16, P99Ratio: 2, PerFourX: math.Sqrt2, Holds: true}}, nil, 0},
		{"three sizes: steps and overall", []GrowthSize{size(100, 10), size(400, 14), size(1600, 21)},
			[]GrowthStep{
				{From: 100, To: 400, DataFactor: 4, P99Ratio: 1.4, PerFourX: 1.4, Holds: true},
				{From: 400, To: 1600, DataFactor: 4, P99Ratio: 1.5, PerFourX: 1.5, Holds: true},
			},
			&GrowthStep{From: 100, To: 1600, DataFactor: 16, P99Ratio: 2.1, PerFourX: math.Sqrt(2.1), Holds: true}, 0},
		{"a size without answers is left out", []GrowthSize{size(100, 10), size(400, 0), size(1600, 40)},
			[]GrowthStep{{From: 100, To: 1600, DataFactor: 16, P99Ratio: 4, PerFourX: 2, Holds: false}}, nil, 1},
		{"one size: no step", []GrowthSize{size(100, 10)}, nil, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps, overall, notes := GrowthSteps(tc.sizes)
			if len(steps) != len(tc.steps) || len(notes) != tc.notes || (overall == nil) != (tc.overall == nil) {
				t.Fatalf("steps %+v, overall %+v, notes %q; want %+v, %+v, %d notes", steps, overall, notes, tc.steps, tc.overall, tc.notes)
			}
			if overall != nil {
				steps, tc.steps = append(steps, *overall), append(tc.steps, *tc.overall)
			}
			for i, got := range steps {
				want := tc.steps[i]
				if got.From != want.From || got.To != want.To || got.Holds != want.Holds ||
					!near(got.DataFactor, want.DataFactor) || !near(got.P99Ratio, want.P99Ratio) || !near(got.PerFourX, want.PerFourX) {
					t.Errorf("step %d: %+v, want %+v", i, got, want)
				}
			}
		})
	}
}

func TestGrowthMarkdown(t *testing.T) {
	r := &GrowthReport{Command: "zhsearch bench growth --sizes 200,800", Corpus: "x.jsonl.gz", CorpusArticles: 500, Queries: 20, QueriesFrom: 200, Bar: GrowthBar,
		Sizes: []GrowthSize{
			{Articles: 200, Ingest: &IngestResult{DocsPerSec: 1500, IndexMB: 12, PeakRSSMiB: 400}, Concurrent: LoadResult{Clients: 8, QPS: 2000, P99MS: 10}, Single: LoadResult{Clients: 1, P50MS: 0.8}},
			{Articles: 800, Copies: 1, Ingest: &IngestResult{DocsPerSec: 1400, IndexMB: 45, PeakRSSMiB: 500}, Concurrent: LoadResult{Clients: 8, QPS: 1500, P99MS: 16}, Single: LoadResult{Clients: 1, P50MS: 1.1}},
			{Articles: 3200, Copies: 6},
		}}
	r.Steps, r.Overall, _ = GrowthSteps(r.Sizes)
	var b strings.Builder
	r.WriteMarkdown(&b)
	md := b.String()
	for _, want := range []string{
		"| articles | copies | ingest docs/s | index MB | import peak RSS MiB | 8 clients QPS | 1 client p50 ms | 8 clients p99 ms |",
		"| 200 | 0 | 1,500 | 12 | 400 | 2,000 | 0.80 | 10.0 |",
		"| 800 | 1 | 1,400 | 45 | 500 | 1,500 | 1.10 | 16.0 |",
		"| 3,200 | 6 | not measured | not measured | not measured | not measured | not measured | not measured |",
		"| 200 | 800 | 4.00× | 1.60× | 1.60× | no |",
		"at most 1.5× per 4× of data",
		"Command: `zhsearch bench growth --sizes 200,800`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
