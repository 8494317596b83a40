package article

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zhsearch/zhsearch/seeds"
)

// FuzzParsePage: any input parses without panicking, and every article it
// yields is normalised: a title, no empty paragraph, paragraphs numbered in
// order, valid UTF-8, and no byline left as a paragraph of its own.
// Seed corpus: testdata/fuzz/FuzzParsePage, plus the seed page.
func FuzzParsePage(f *testing.F) {
	for _, p := range seeds.Pages() {
		f.Add(p.Text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		page, err := ParsePage(strings.NewReader(text), PageMeta{Source: "fuzz"})
		if err != nil {
			if utf8.ValidString(text) && !strings.Contains(err.Error(), "reading page") {
				t.Fatalf("valid UTF-8 rejected: %v", err)
			}
			return
		}
		for _, a := range page.Articles {
			if a.Title == "" || a.ID == "" {
				t.Fatalf("article without title or id: %+v", a)
			}
			for i, p := range a.Paragraphs {
				if p.Index != i || strings.TrimSpace(p.Text) == "" || !utf8.ValidString(p.Text) {
					t.Fatalf("paragraph %d = %+v", i, p)
				}
				if parseByline(p.Text) != nil {
					t.Fatalf("byline kept as paragraph %q", p.Text)
				}
			}
		}
	})
}

// FuzzReadNDJSON: any input is read to its end without panicking; every
// line gives an article or an error naming a line within the input, lines
// ascend, and every article is valid.
// Seed corpus: testdata/fuzz/FuzzReadNDJSON.
func FuzzReadNDJSON(f *testing.F) {
	f.Add([]byte(`{"id": "a", "title": "t", "paragraphs": ["x"]}` + "\n" + `{"title": "t", "body": "x\n\ny"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Count(string(data), "\n") + 1
		last := 0
		err := ReadNDJSON(strings.NewReader(string(data)), ReadOptions{MaxArticleBytes: 4096}, func(it Item) error {
			if it.Line <= last || it.Line > lines {
				t.Fatalf("line %d after %d, input has %d lines", it.Line, last, lines)
			}
			last = it.Line
			if (it.Err == nil) == (it.Article == nil) {
				t.Fatalf("line %d: article %v and error %v", it.Line, it.Article, it.Err)
			}
			if it.Article != nil {
				if err := it.Article.Validate(); err != nil {
					t.Fatalf("line %d: invalid article accepted: %v", it.Line, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("reading from memory failed: %v", err)
		}
	})
}
