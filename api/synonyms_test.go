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
	"github.com/zhsearch/zhsearch/synonym"
)

type synonymAnswer struct {
	Count   int      `json:"count"`
	Rules   []string `json:"rules"`
	Added   *int     `json:"added"`
	Removed *int     `json:"removed"`
	Expand  []string `json:"expand"`
	Error   struct {
		Code, Message string
	} `json:"error"`
}

// noBackend is a Backend the synonym endpoints never call.
type noBackend struct{ api.Backend }

// synonymServer serves a synonym store kept in dir, with one API key.
func synonymServer(t *testing.T, dir string, fed *[]string) *httptest.Server {
	t.Helper()
	st, err := synonym.OpenStore(context.Background(), synonym.StoreOptions{Dir: dir,
		AddWords: func(_ context.Context, w []string) error { *fed = append(*fed, w...); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Backend: noBackend{}, Synonyms: st, APIKeys: []string{"k"}}))
	t.Cleanup(srv.Close)
	return srv
}

func synReq(t *testing.T, method, u, ctype, key, body string) (int, synonymAnswer) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a synonymAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s %s: %v in %s", method, u, err, raw)
	}
	return resp.StatusCode, a
}

func TestSynonymsEndpoints(t *testing.T) {
	dir := t.TempDir()
	var fed []string
	srv := synonymServer(t, dir, &fed)
	base := srv.URL + "/v1/synonyms"
	expand := func(srv *httptest.Server, w string) []string {
		_, a := synReq(t, "GET", srv.URL+"/v1/synonyms?expand="+url.QueryEscape(w), "", "", "")
		return a.Expand
	}

	t.Run("writes need the key", func(t *testing.T) {
		if code, a := synReq(t, "PUT", base, "application/json", "", `{"rules":["a, b"]}`); code != http.StatusUnauthorized {
			t.Errorf("PUT without a key: %d %+v", code, a)
		}
		if code, _ := synReq(t, "DELETE", base+"?all=true", "", "", ""); code != http.StatusUnauthorized {
			t.Errorf("DELETE without a key: %d", code)
		}
	})
	t.Run("put as text, hot", func(t *testing.T) {
		code, a := synReq(t, "PUT", base, "text/plain; charset=utf-8", "k", "# 机构\n世卫组织, 世界卫生组织, WHO\n土豆 => 马铃薯\n")
		if code != 200 || a.Count != 2 {
			t.Fatalf("PUT: %d %+v", code, a)
		}
		if got := expand(srv, "世卫组织"); !slices.Equal(got, []string{"世卫组织", "世界卫生组织", "who"}) {
			t.Errorf("the next lookup expands 世卫组织 to %q", got)
		}
		if got := expand(srv, "马铃薯"); !slices.Equal(got, []string{"马铃薯"}) {
			t.Errorf("a one-way rule works backwards: %q", got)
		}
		if !slices.Contains(fed, "世界卫生组织") || !slices.Contains(fed, "马铃薯") {
			t.Errorf("the rules' words did not reach the dictionary: %q", fed)
		}
	})
	t.Run("post adds", func(t *testing.T) {
		code, a := synReq(t, "POST", base, "application/json", "k", `{"rules":["新冠 => 新型冠状病毒肺炎", "土豆 => 马铃薯"]}`)
		if code != 200 || a.Count != 3 || a.Added == nil || *a.Added != 1 {
			t.Fatalf("POST: %d %+v", code, a)
		}
	})
	t.Run("bad rules name the line or the index", func(t *testing.T) {
		code, a := synReq(t, "POST", base, "text/plain", "k", "a, b\nlonely\n")
		if code != 400 || a.Error.Code != "invalid_rule" || !strings.HasPrefix(a.Error.Message, "body:2:") {
			t.Errorf("text: %d %+v", code, a)
		}
		code, a = synReq(t, "PUT", base, "application/json", "k", `{"rules":["a, b", "a => "]}`)
		if code != 400 || a.Error.Code != "invalid_rule" || !strings.HasPrefix(a.Error.Message, "rules[1]:") {
			t.Errorf("json: %d %+v", code, a)
		}
		code, a = synReq(t, "PUT", base, "application/json", "k", `{"words":["a"]}`)
		if code != 400 || a.Error.Code != "invalid_json" {
			t.Errorf("wrong shape: %d %+v", code, a)
		}
		if _, a := synReq(t, "GET", base, "", "", ""); a.Count != 3 {
			t.Errorf("a refused write changed the list: %+v", a)
		}
	})
	t.Run("survives a restart", func(t *testing.T) {
		again := synonymServer(t, dir, &fed)
		if got := expand(again, "新冠"); !slices.Equal(got, []string{"新冠", "新型冠状病毒肺炎"}) {
			t.Errorf("after a restart 新冠 expands to %q", got)
		}
	})
	t.Run("delete", func(t *testing.T) {
		code, a := synReq(t, "DELETE", base+"?rule="+url.QueryEscape("土豆=>马铃薯"), "", "k", "")
		if code != 200 || a.Removed == nil || *a.Removed != 1 || a.Count != 2 {
			t.Fatalf("DELETE: %d %+v", code, a)
		}
		if code, a := synReq(t, "DELETE", base+"?rule="+url.QueryEscape("土豆=>马铃薯"), "", "k", ""); code != 404 {
			t.Errorf("deleting it again: %d %+v", code, a)
		}
		if code, _ := synReq(t, "DELETE", base, "", "k", ""); code != 400 {
			t.Errorf("DELETE naming nothing: %d", code)
		}
		if code, a := synReq(t, "DELETE", base+"?all=true", "", "k", ""); code != 200 || a.Count != 0 {
			t.Errorf("DELETE all: %d %+v", code, a)
		}
	})
}

// A rule written through /v1/synonyms applies to the next search: the
// answer lists the expansion, synonyms=off searches the text as typed,
// and an unknown value is a 400.
func TestSearchWithSynonyms(t *testing.T) {
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	arts := []*article.Article{
		{ID: "a", Title: "新闻一", Paragraphs: []article.Paragraph{{Text: "世界卫生组织今天发布报告。"}}},
		{ID: "b", Title: "新闻二", Paragraphs: []article.Paragraph{{Text: "世卫组织今天发布报告。"}}},
	}
	for _, a := range arts {
		a.Normalize()
	}
	if err := ix.Put(context.Background(), arts...); err != nil {
		t.Fatal(err)
	}
	st, err := synonym.OpenStore(context.Background(), synonym.StoreOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Backend: ix, Synonyms: st, APIKeys: []string{"k"}}))
	t.Cleanup(srv.Close)
	if code, ans := synReq(t, "POST", srv.URL+"/v1/synonyms", "text/plain", "k", "世卫组织, 世界卫生组织\n"); code != http.StatusOK {
		t.Fatalf("POST /v1/synonyms: %d %+v", code, ans)
	}
	search := func(params string) (int, struct {
		Total    int                 `json:"total"`
		Synonyms map[string][]string `json:"synonyms"`
	}) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/v1/search?q=" + url.QueryEscape("世卫组织") + params)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Total    int                 `json:"total"`
			Synonyms map[string][]string `json:"synonyms"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	for _, tc := range []struct {
		params   string
		code     int
		total    int
		expanded bool
	}{
		{"", 200, 2, true},
		{"&synonyms=on", 200, 2, true},
		{"&synonyms=off", 200, 1, false},
		{"&synonyms=maybe", 400, 0, false},
	} {
		t.Run(tc.params, func(t *testing.T) {
			code, out := search(tc.params)
			if code != tc.code || out.Total != tc.total || (len(out.Synonyms["世卫组织"]) > 0) != tc.expanded {
				t.Errorf("%d, total %d, synonyms %v; want %d, total %d, expanded %v", code, out.Total, out.Synonyms, tc.code, tc.total, tc.expanded)
			}
		})
	}
}
