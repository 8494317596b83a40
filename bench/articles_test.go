package bench

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadArticles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lines := `{"id": "a", "title": "一", "paragraphs": ["一。"]}` + "\n" +
		`{"id": "b", "title": "二", "paragraphs": ["二。"]}` + "\n" +
		`{"id": "a", "title": "一again", "paragraphs": ["一。"]}` + "\n" +
		`{"id": "c", "title": "三", "paragraphs": ["三。"]}` + "\n"
	good := write("good.jsonl", lines)
	gzipped := write("good.jsonl.gz", gzipString(lines))
	bad := write("bad.jsonl", `{"id": "a", "title": "一", "paragraphs": ["一。"]}`+"\n{oops\n")
	for _, tc := range []struct {
		name  string
		path  string
		limit int
		ids   string // the ids read, in order
		err   string
	}{
		{"each id once, the first", good, 0, "a b c", ""},
		{"gzipped", gzipped, 0, "a b c", ""},
		{"limit", good, 2, "a b", ""},
		{"a bad line names file and line", bad, 0, "", "bad.jsonl:2"},
		{"missing", filepath.Join(dir, "none.jsonl"), 0, "", "pass --corpus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arts, err := ReadArticles(tc.path, tc.limit)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, a := range arts {
				ids = append(ids, a.ID)
			}
			if got := strings.Join(ids, " "); got != tc.ids || arts[0].Title != "一" {
				t.Errorf("ids %q (first titled %q), want %q and the first version", got, arts[0].Title, tc.ids)
			}
		})
	}
}

func gzipString(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}
