package dupeval

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/article"
)

func TestReadPairs(t *testing.T) {
	for _, tc := range []struct {
		name, text, err string // err: "" or a piece of the message
		n               int
	}{
		{"valid", "# comment\na\tb\t1\tcopy\n\nc\td\t0\ttopic\na\ta~edit\t1\tedit\nx\ty\t?\trewrite\n", "", 4},
		{"three fields", "a\tb\t1\n", "pairs.tsv:1: 3 fields", 0},
		{"bad label", "# c\na\tb\tyes\tcopy\n", "pairs.tsv:2: label \"yes\"", 0},
		{"same id", "a\ta\t1\tcopy\n", "pairs.tsv:1: a pair needs two different ids", 0},
		{"edit first", "a~edit\ta\t1\tedit\n", "pairs.tsv:1: a synthetic edit", 0},
		{"edit of another", "a\tb~edit\t1\tedit\n", "pairs.tsv:1: b~edit is not an edit of a", 0},
		{"empty", "# only a comment\n", "no pairs", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pairs.tsv")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			pairs, err := readPairs(path)
			if tc.err == "" {
				if err != nil || len(pairs) != tc.n {
					t.Fatalf("%d pairs, %v; want %d", len(pairs), err, tc.n)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestWireEdit(t *testing.T) {
	a := &article.Article{ID: "x", Title: "原标题", PublishedAt: "2024-06-03T08:00:00+08:00", Source: "新华社", URL: "https://example.com/x",
		Paragraphs: []article.Paragraph{{Text: "第一段是导语，说明发生了什么事情。"}, {Text: "第二段"}, {Text: "第三段"}, {Text: "第四段"}}}
	e := wireEdit(a)
	var paras []string
	for _, p := range e.Paragraphs {
		paras = append(paras, p.Text)
	}
	if e.ID != "x~edit" || e.Title != "转载：第一段是导语，说明发生了什么事情。" || e.URL != "" || e.PublishedAt != "2024-06-03T14:00:00+08:00" ||
		strings.Join(paras, "|") != "（本报记者 张明 通讯员 刘芳 报道）|第一段是导语，说明发生了什么事情。|第二段|第四段" {
		t.Errorf("edit: %+v", e)
	}
	if len(a.Paragraphs) != 4 || a.ID != "x" {
		t.Error("the original changed")
	}
}

// TestRun decides a few pairs of a tiny corpus: an exact copy and a wire
// edit are duplicates, a different story is not; a pair naming a line
// the index refuses is an error naming the pairs file and line.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	story := func(id, topic string) string {
		var ps []string
		for i := range 5 {
			ps = append(ps, fmt.Sprintf(`"%s第%d段：记者今天从市政府新闻发布会上获悉，全市将新建改建口袋公园一百二十个，让市民出门见绿、开窗见景。"`, topic, i+1))
		}
		return fmt.Sprintf(`{"id": %q, "title": "%s新闻", "published_at": "2024-06-03T08:00:00+08:00", "paragraphs": [%s]}`, id, topic, strings.Join(ps, ", "))
	}
	corpus := filepath.Join(dir, "news.jsonl")
	lines := []string{story("a", "郑州"), story("b", "郑州"), story("c", "开封"), `{"id": "bad", "title": "坏\u0000标题", "body": "正文。"}`}
	if err := os.WriteFile(corpus, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pairsFile := filepath.Join(dir, "pairs.tsv")
	os.WriteFile(pairsFile, []byte("# a\tb\tlabel\tkind\na\tb\t1\tcopy\na\ta~edit\t1\tedit\na\tc\t0\ttopic\n"), 0o644)
	pairs, err := ReadPairs(pairsFile)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), pairs, []string{corpus})
	if err != nil {
		t.Fatal(err)
	}
	said := map[string]bool{}
	for _, d := range r.decisions {
		said[d.p.b] = d.said
	}
	if len(r.decisions) != 3 || !said["b"] || !said["a~edit"] || said["c"] {
		t.Errorf("decisions %+v; want b and a~edit duplicates of a, c not", r.decisions)
	}
	var out bytes.Buffer
	r.WriteText(&out, false)
	if !strings.HasPrefix(out.String(), "3 pairs (2 duplicates, 1 different stories, 0 rewrites not scored); 4 articles indexed in ") ||
		!strings.Contains(out.String(), "precision 1.000 (2/2)  recall 1.000 (2/2)") {
		t.Errorf("report:\n%s", out.String())
	}

	os.WriteFile(pairsFile, []byte("a\tb\t1\tcopy\nnews.jsonl:4\ta\t0\ttopic\n"), 0o644)
	pairs, err = ReadPairs(pairsFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), pairs, []string{corpus}); err == nil || !strings.Contains(err.Error(), "pairs.tsv:2: article news.jsonl:4 is one the index refuses") {
		t.Errorf("a refused article: %v", err)
	}
}
