package index

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// wordBounds are the byte offsets of text where the segmenter's precise
// mode neither starts nor ends inside a word: the places a snippet may cut.
func wordBounds(t *testing.T, text string) map[int]bool {
	t.Helper()
	seg, err := tokenizer.Shared()
	if err != nil {
		t.Fatal(err)
	}
	inside := map[int]bool{}
	for _, tok := range seg.Analyze([]byte(text), tokenizer.QueryMode) {
		for i := tok.Start + 1; i < tok.End; i++ {
			inside[i] = true
		}
	}
	out := map[int]bool{}
	for i := range text {
		out[i] = !inside[i]
	}
	out[len(text)] = true
	return out
}

var (
	markedRE = regexp.MustCompile(`<mark>(.*?)</mark>`)
	// halfRun finds a mark that starts or ends inside a run of digits
	// (3.<mark>5G</mark>) or of Latin letters (<mark>5G</mark>Hz).
	halfRun = regexp.MustCompile(`[0-9]\.?<mark>[0-9]|[A-Za-z]<mark>[A-Za-z]|[0-9]</mark>\.?[0-9]|[A-Za-z]</mark>[A-Za-z]`)
)

// TestSearchSnippetsMarkWholeWords: through Search, on the seed page and an
// article about 5G, no snippet ends in the middle of a word and a mark is
// a whole match: 企业 (not 企), and 5G not inside 3.5GHz.
func TestSearchSnippetsMarkWholeWords(t *testing.T) {
	ix, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	arts := testArticles(t)
	fiveG := &article.Article{ID: "t-5g", Title: "运营商扩建基站", Paragraphs: []article.Paragraph{
		{Text: "新建基站支持3.5GHz频段，覆盖全市主要街道，5G用户数量持续增长，2024年底前5G网络将覆盖所有乡镇。"},
	}}
	fiveG.Normalize()
	arts = append(arts, fiveG)
	if err := ix.Put(context.Background(), arts...); err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{} // paragraph id → text
	for _, a := range arts {
		for i, p := range a.Paragraphs {
			texts[fmt.Sprintf("%s#%d", a.ID, i)] = p.Text
		}
	}
	for _, q := range []string{"企业", "科技型企业", "5G", "专精特新 企业"} {
		for _, n := range []int{20, 24, 30, 40} {
			res, err := ix.Search(context.Background(), Request{Query: q, Type: TypeParagraph, SnippetLen: n, Size: 50})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				text := texts[h.ID]
				bounds := wordBounds(t, text)
				for _, s := range h.Snippets {
					for _, m := range markedRE.FindAllStringSubmatch(s, -1) {
						// a mark is query words, whole (adjacent ones merge)
						rest := tokenizer.Normalize(html.UnescapeString(m[1]))
						for _, w := range strings.Fields(tokenizer.Normalize(q)) {
							rest = strings.ReplaceAll(rest, w, "")
						}
						if rest != "" {
							t.Errorf("%s %d: %s marks %q: %s", q, n, h.ID, m[1], s)
						}
					}
					if halfRun.MatchString(s) {
						t.Errorf("%s %d: %s marks inside a Latin or digit run: %s", q, n, h.ID, s)
					}
					bare := html.UnescapeString(markRE.ReplaceAllString(s, ""))
					body := strings.TrimSuffix(strings.TrimPrefix(bare, "…"), "…")
					at := strings.Index(text, body)
					if at < 0 {
						t.Fatalf("%s: snippet %q not in the text", h.ID, s)
					}
					if (strings.HasPrefix(bare, "…") && !bounds[at]) || (strings.HasSuffix(bare, "…") && !bounds[at+len(body)]) {
						t.Errorf("%s %d: %s cuts a word: %s", q, n, h.ID, s)
					}
				}
			}
		}
	}
}
