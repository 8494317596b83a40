package article

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDecodeJSON(t *testing.T) {
	cases := []struct {
		name, in string
		strict   bool
		wantErr  string // substring; "" means success
		check    func(t *testing.T, a *Article, warnings []string)
	}{
		{name: "corpus schema", in: `{"id": "xwlb-1", "title": "标题", "published_at": "2024-01-01T19:05:49+08:00", "source": "CNTV", "section": "新闻联播", "tags": ["a", " "], "url": "https://x/1", "summary": "", "paragraphs": ["一。", "", "二。"]}`,
			check: func(t *testing.T, a *Article, w []string) {
				check(t, "id", a.ID, "xwlb-1")
				check(t, "published_at", a.PublishedAt, "2024-01-01T19:05:49+08:00")
				checkList(t, "tags", a.Tags, []string{"a"})
				if len(a.Paragraphs) != 2 || a.Paragraphs[1].Index != 1 || a.Paragraphs[1].Text != "二。" {
					t.Errorf("paragraphs = %+v", a.Paragraphs)
				}
				if len(w) != 0 {
					t.Errorf("warnings %q", w)
				}
			}},
		{name: "kicker authors body", in: `{"title": "标题", "kicker": "引题", "authors": ["张三"], "body": "第一段\n第一段续。\n\n\n第二段。\r\n\r\n第三段。"}`,
			check: func(t *testing.T, a *Article, _ []string) {
				check(t, "kicker", a.Kicker, "引题")
				checkList(t, "authors", a.Authors, []string{"张三"})
				var got []string
				for _, p := range a.Paragraphs {
					got = append(got, p.Text)
				}
				checkList(t, "paragraphs", got, []string{"第一段第一段续。", "第二段。", "第三段。"})
				if len(a.ID) != 16 {
					t.Errorf("id %q: want a derived id", a.ID)
				}
			}},
		{name: "paragraph objects round trip", in: `{"id": "x", "title": "标题", "paragraphs": [{"index": 7, "text": "一。", "subhead": "小标题"}, "二。"]}`,
			check: func(t *testing.T, a *Article, _ []string) {
				if a.Paragraphs[0] != (Paragraph{Index: 0, Text: "一。", Subhead: "小标题"}) || a.Paragraphs[1] != (Paragraph{Index: 1, Text: "二。"}) {
					t.Errorf("paragraphs = %+v", a.Paragraphs)
				}
			}},
		{name: "unknown field warns", in: `{"title": "标题", "body": "x", "color": 1, "paragraphs": null}`,
			check: func(t *testing.T, a *Article, w []string) {
				if len(w) != 1 || !strings.Contains(w[0], `"color"`) {
					t.Errorf("warnings = %q", w)
				}
			}},
		{name: "unknown paragraph field warns", in: `{"title": "标题", "paragraphs": [{"text": "x", "bold": true}]}`,
			check: func(t *testing.T, a *Article, w []string) {
				if len(w) != 1 || !strings.Contains(w[0], `paragraphs[]."bold"`) {
					t.Errorf("warnings = %q", w)
				}
			}},
		{name: "unknown field strict", in: `{"title": "标题", "body": "x", "color": 1}`, strict: true, wantErr: `unknown field "color"`},
		{name: "missing title", in: `{"body": "x"}`, wantErr: "missing title"},
		{name: "blank title", in: `{"title": "  ", "body": "x"}`, wantErr: "missing title"},
		{name: "empty text", in: `{"title": "t", "paragraphs": ["", " "]}`, wantErr: "no text"},
		{name: "no text", in: `{"title": "t"}`, wantErr: "no text"},
		{name: "both body and paragraphs", in: `{"title": "t", "body": "x", "paragraphs": ["y"]}`, wantErr: "not both"},
		{name: "bad date", in: `{"title": "t", "body": "x", "published_at": "2024/01/01"}`, wantErr: "RFC 3339"},
		{name: "date only", in: `{"title": "t", "body": "x", "published_at": "2024-01-01"}`},
		{name: "date before 1678", in: `{"title": "t", "body": "x", "published_at": "0001-01-01T00:00:00Z"}`, wantErr: "1678 to 2261"},
		{name: "date after 2261", in: `{"title": "t", "body": "x", "published_at": "2262-04-11"}`, wantErr: "1678 to 2261"},
		{name: "wrong type", in: `{"title": 5, "body": "x"}`, wantErr: "field title: expected a string"},
		{name: "wrong paragraph type", in: `{"title": "t", "paragraphs": [1]}`, wantErr: "paragraph must be a string or an object"},
		{name: "syntax", in: `{"title": "t",}`, wantErr: "invalid JSON"},
		{name: "truncated", in: `{"title": "t"`, wantErr: "unexpected end"},
		{name: "not an object", in: `["t"]`, wantErr: "must be a JSON object"},
		{name: "trailing text", in: `{"title": "t", "body": "x"} {}`, wantErr: "text after"},
		{name: "invalid utf-8", in: "{\"title\": \"t\xff\", \"body\": \"x\"}", wantErr: "UTF-8"},
		{name: "id with slash", in: `{"id": "a/b", "title": "t", "body": "x"}`, wantErr: "contains '/'"},
		{name: "empty", in: "  ", wantErr: "empty"},
		{name: "too many paragraphs", in: `{"title": "t", "body": "` + strings.Repeat(`a\n\n`, MaxParagraphs+1) + `"}`, wantErr: "paragraphs, over the limit"},
		{name: "too large", in: `{"title": "t", "body": "` + strings.Repeat("长", MaxArticleBytes/3+1) + `"}`, wantErr: "over the limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, w, err := DecodeJSON([]byte(tc.in), DecodeOptions{Strict: tc.strict})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v, want one containing %q wrapping ErrInvalid", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, a, w)
			}
		})
	}
}

func TestDecodeJSONIDOption(t *testing.T) {
	a, _, err := DecodeJSON([]byte(`{"title": "t", "body": "x"}`), DecodeOptions{ID: "from-url"})
	if err != nil || a.ID != "from-url" {
		t.Fatalf("a = %+v, err = %v", a, err)
	}
	if _, _, err := DecodeJSON([]byte(`{"id": "other", "title": "t", "body": "x"}`), DecodeOptions{ID: "from-url"}); err == nil {
		t.Error("a body id differing from the URL's was accepted")
	}
}

func TestDerivedIDIsDeterministic(t *testing.T) {
	in := []byte(`{"title": "标题", "source": "s", "published_at": "2024-01-01", "body": "x"}`)
	a, _, _ := DecodeJSON(in, DecodeOptions{})
	b, _, _ := DecodeJSON(in, DecodeOptions{})
	c, _, _ := DecodeJSON([]byte(`{"title": "标题", "source": "s", "published_at": "2024-01-02", "body": "x"}`), DecodeOptions{})
	if a.ID != b.ID || a.ID == c.ID {
		t.Errorf("ids %q %q %q", a.ID, b.ID, c.ID)
	}
}

type result struct {
	line int
	id   string
	err  string
}

func collect(t *testing.T, read func(fn func(Item) error) error) []result {
	t.Helper()
	var got []result
	err := read(func(it Item) error {
		r := result{line: it.Line}
		if it.Err != nil {
			r.err = it.Err.Error()
		} else {
			r.id = it.Article.ID
		}
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestReadNDJSON(t *testing.T) {
	in := "\ufeff{\"id\": \"a\", \"title\": \"t\", \"body\": \"x\"}\r\n" +
		"\n" +
		"{\"id\": \"b\", \"title\": \"t\"\n" +
		"{\"id\": \"c\", \"title\": \"t\", \"body\": \"x\"}\n" +
		"{\"id\": \"d\", \"title\": \"\xff\", \"body\": \"x\"}\n" +
		"{\"id\": \"e\", \"title\": \"t\", \"body\": \"" + strings.Repeat("x", 200) + "\"}\n" +
		"{\"id\": \"f\", \"title\": \"t\", \"body\": \"x\"}" // no final newline
	got := collect(t, func(fn func(Item) error) error {
		return ReadNDJSON(strings.NewReader(in), ReadOptions{MaxArticleBytes: 100}, fn)
	})
	want := []struct {
		line    int
		id, err string
	}{{1, "a", ""}, {3, "", "unexpected end"}, {4, "c", ""}, {5, "", "UTF-8"}, {6, "", "over the limit of 100"}, {7, "f", ""}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.line != w.line || g.id != w.id || (w.err == "") != (g.err == "") || !strings.Contains(g.err, w.err) {
			t.Errorf("item %d = %+v, want line %d id %q err ~%q", i, g, w.line, w.id, w.err)
		}
	}
}

func TestReadNDJSONLongLines(t *testing.T) {
	// Lines longer than the reader's buffer are read whole.
	long := strings.Repeat("长", 200_000) // 600 KB
	in := fmt.Sprintf("{\"title\": \"t\", \"body\": %q}\n{\"title\": \"u\", \"body\": \"x\"}\n", long)
	got := collect(t, func(fn func(Item) error) error { return ReadNDJSON(strings.NewReader(in), ReadOptions{}, fn) })
	if len(got) != 2 || got[0].err != "" || got[1].err != "" || got[1].line != 2 {
		t.Errorf("got %+v", got)
	}
}

func TestReadNDJSONStop(t *testing.T) {
	n := 0
	err := ReadNDJSON(strings.NewReader("{}\n{}\n{}\n"), ReadOptions{}, func(Item) error { n++; return ErrStop })
	if err != nil || n != 1 {
		t.Errorf("n = %d, err = %v", n, err)
	}
	boom := errors.New("boom")
	if err := ReadNDJSON(strings.NewReader("{}\n"), ReadOptions{}, func(Item) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
}

func TestReadJSON(t *testing.T) {
	cases := []struct {
		name, in string
		want     []result
	}{
		{"single object", "\n\n  {\"id\": \"a\",\n \"title\": \"t\", \"body\": \"x\"}\n", []result{{3, "a", ""}}},
		{"array", "[\n {\"id\": \"a\", \"title\": \"t\", \"body\": \"x\"},\n {\"id\": \"b\", \"title\": \"\", \"body\": \"x\"},\n {\"id\": \"c\", \"title\": \"t\", \"body\": \"x\"}\n]\n",
			[]result{{2, "a", ""}, {3, "", "missing title"}, {4, "c", ""}}},
		{"pretty array", "[\n  {\n    \"id\": \"a\",\n    \"title\": \"t\",\n    \"body\": \"x\"\n  },\n  {\n    \"id\": \"b\",\n    \"title\": \"t\",\n    \"body\": \"x\"\n  }\n]",
			[]result{{2, "a", ""}, {7, "b", ""}}},
		{"stream of objects", "{\"id\": \"a\", \"title\": \"t\", \"body\": \"x\"}\n{\"id\": \"b\", \"title\": \"t\", \"body\": \"x\"}\n", []result{{1, "a", ""}, {2, "b", ""}}},
		{"syntax error names its line", "[\n {\"id\": \"a\", \"title\": \"t\", \"body\": \"x\"},\n {\"id\": ,}\n]", []result{{2, "a", ""}, {3, "", "invalid JSON"}}},
		{"truncated array", "[\n {\"id\": \"a\", \"title\": \"t\", \"body\": \"x\"},\n", []result{{2, "a", ""}, {3, "", "unexpected end"}}},
		{"trailing garbage", "[{\"id\": \"a\", \"title\": \"t\", \"body\": \"x\"}] x", []result{{1, "a", ""}, {1, "", "invalid"}}},
		{"empty", "  \n", nil},
		{"bom", "\ufeff{\"id\": \"a\", \"title\": \"t\", \"body\": \"x\"}", []result{{1, "a", ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := collect(t, func(fn func(Item) error) error { return ReadJSON(strings.NewReader(tc.in), ReadOptions{}, fn) })
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.line != w.line || g.id != w.id || (w.err == "") != (g.err == "") || !strings.Contains(g.err, w.err) {
					t.Errorf("item %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestFormatAndDecompress(t *testing.T) {
	for name, want := range map[string]Format{"a.jsonl": FormatNDJSON, "a.JSONL.gz": FormatNDJSON, "a.ndjson": FormatNDJSON,
		"a.json": FormatJSON, "a.json.gz": FormatJSON, "p.txt": FormatPage, "p.md": FormatPage, "a.csv": FormatUnknown} {
		if f, _ := FormatOf(name); f != want {
			t.Errorf("FormatOf(%q) = %v, want %v", name, f, want)
		}
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintln(zw, `{"id": "a", "title": "t", "body": "x"}`)
	zw.Close()
	rc, err := Decompress(&buf, true)
	if err != nil {
		t.Fatal(err)
	}
	got := collect(t, func(fn func(Item) error) error { return ReadNDJSON(rc, ReadOptions{}, fn) })
	if len(got) != 1 || got[0].id != "a" {
		t.Errorf("got %+v", got)
	}
	if _, err := Decompress(strings.NewReader("not gzip"), true); !errors.Is(err, ErrInvalid) {
		t.Errorf("err = %v", err)
	}
}
