package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/pinyin"
)

// TestPinyinQuery: pinyin:… searches the Chinese word the pinyin spells
// (the archive's most used reading), marks it, and says what it searched;
// a pinyin word that spells nothing known finds nothing.
func TestPinyinQuery(t *testing.T) {
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	arts := []*article.Article{
		{ID: "zns", Title: "钟南山谈防疫", Paragraphs: []article.Paragraph{{Text: "钟南山院士今天在广州说明情况。"}}},
		{ID: "zz", Title: "郑州地铁", Paragraphs: []article.Paragraph{{Text: "郑州地铁5号线今天开通。"}}},
		{ID: "latin", Title: "拼音", Paragraphs: []article.Paragraph{{Text: "他的网名叫 zhongnanshan。"}}},
	}
	for _, a := range arts {
		a.Normalize()
	}
	if err := ix.Put(context.Background(), arts...); err != nil {
		t.Fatal(err)
	}
	py := pinyin.New(pinyin.Options{})
	py.Add("钟南山", 5)
	py.Add("郑州", 9)
	py.Add("中南", 1)
	srv := httptest.NewServer(api.New(api.Config{Backend: ix, Pinyin: py}))
	defer srv.Close()
	for _, tc := range []struct {
		q       string
		want    []string
		spelled []string
		marked  string
	}{
		{"pinyin:zhongnanshan", []string{"zns"}, []string{"钟南山"}, "<mark>钟南山</mark>"},
		{"pinyin:zz", []string{"zz"}, []string{"郑州"}, "<mark>郑州</mark>"},
		{"pinyin:zhong南山", []string{"zns"}, []string{"钟南山"}, "<mark>钟南山</mark>"},
		{"pinyin:zhengzhou 地铁", []string{"zz"}, []string{"郑州"}, "<mark>郑州地铁</mark>"},
		{"pinyin:xyzzyq", nil, nil, ""},
		{"zhongnanshan", []string{"latin"}, nil, ""}, // without pinyin: the Latin text
	} {
		t.Run(tc.q, func(t *testing.T) {
			resp, err := http.Get(srv.URL + "/v1/search?q=" + url.QueryEscape(tc.q))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			var res struct {
				Hits []struct {
					ID        string `json:"id"`
					TitleHTML string `json:"title_html"`
				} `json:"hits"`
				Pinyin map[string][]string `json:"pinyin"`
			}
			if err := json.Unmarshal(b, &res); err != nil {
				t.Fatal(err)
			}
			var got []string
			titles := ""
			for _, h := range res.Hits {
				got = append(got, h.ID)
				titles += h.TitleHTML
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("hits %v, want %v (%s)", got, tc.want, b)
			}
			var spelled []string
			for _, w := range res.Pinyin {
				spelled = append(spelled, w...)
			}
			if !slices.Equal(spelled, tc.spelled) {
				t.Errorf("pinyin %v, want %v", res.Pinyin, tc.spelled)
			}
			if !strings.Contains(titles, tc.marked) {
				t.Errorf("titles %q lack %q", titles, tc.marked)
			}
		})
	}
}
