package main

import (
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/index"
)

// TestPrintResultNumbersParagraphsFromOne: the CLI shows a paragraph hit's
// paragraph as the web page does, 1-based (the API's paragraph field is
// the 0-based index: 0 is "paragraph 1").
func TestPrintResultNumbersParagraphsFromOne(t *testing.T) {
	first, third := 0, 2
	res := &index.Result{Total: 2, Type: index.TypeParagraph, Query: "网格化", Page: 1, Size: 10, Hits: []index.Hit{
		{ID: "a#0", Type: index.TypeParagraph, Title: "标题", ArticleID: "a", Paragraph: &first},
		{ID: "a#2", Type: index.TypeParagraph, Title: "标题", ArticleID: "a", Paragraph: &third},
	}}
	var b strings.Builder
	printResult(&b, res, false)
	for _, want := range []string{"paragraph 1 of a", "paragraph 3 of a"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "paragraph 0") {
		t.Errorf("output counts from 0:\n%s", b.String())
	}
}
