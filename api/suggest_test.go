package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

// TestSuggestFormsAndPhrasesAPI asks a server over a small archive for
// completions: words as the archive writes them (5G, iPhone), never the
// folded form the index keeps, and phrases that titles repeat.
func TestSuggestFormsAndPhrasesAPI(t *testing.T) {
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	for _, a := range []struct{ title, body string }{
		{"5G网络覆盖全市", "全市5G基站超过一万个。"},
		{"5G应用走进工厂", "工厂用5G连接机床。"},
		{"新款手机发布", "新款iPhone昨日发售。"},
		{"复工复产有序推进", "企业陆续复工。"},
		{"全市复工复产加快", "复工企业增多。"},
		{"新冠肺炎疫情防控有力", "疫情平稳。"},
		{"新冠肺炎患者出院", "患者康复。"},
	} {
		art := &article.Article{Title: a.title, Paragraphs: []article.Paragraph{{Text: a.body}}}
		art.Normalize()
		if err := ix.Put(context.Background(), art); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(New(Config{Backend: ix}))
	t.Cleanup(srv.Close)

	for _, c := range []struct {
		q, want, wantNot string
	}{
		{"5", "5G", "5g"},
		{"ＩＰＨ", "iPhone", "iphone"},
		{"复工", "复工复产", ""},
		{"新冠", "新冠肺炎", ""},
	} {
		t.Run(c.q, func(t *testing.T) {
			var r struct {
				Query       string   `json:"query"`
				Suggestions []string `json:"suggestions"`
			}
			get(t, srv.URL, "/v1/suggest", url.Values{"q": {c.q}}, http.StatusOK, &r)
			if r.Query != c.q || !slices.Contains(r.Suggestions, c.want) || c.wantNot != "" && slices.Contains(r.Suggestions, c.wantNot) {
				t.Errorf("q=%s: %+v, want %q and not %q", c.q, r, c.want, c.wantNot)
			}
		})
	}
}
