package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

var (
	srvOnce sync.Once
	srvURL  string
	srvErr  error
)

// testServer serves an index of the hand-written test corpus and the seed
// page through a real httptest server, shared by the tests that only read.
func testServer(t *testing.T) string {
	t.Helper()
	srvOnce.Do(func() {
		ix, err := index.Open(index.Options{})
		if err != nil {
			srvErr = err
			return
		}
		raw, err := os.ReadFile(filepath.Join("..", "index", "testdata", "corpus.json"))
		if err != nil {
			srvErr = err
			return
		}
		var arts []*article.Article
		if srvErr = json.Unmarshal(raw, &arts); srvErr != nil {
			return
		}
		seeds, _ := filepath.Glob(filepath.Join("..", "seeds", "*.txt"))
		for _, s := range seeds {
			f, err := os.Open(s)
			if err != nil {
				srvErr = err
				return
			}
			page, err := article.ParsePage(f, article.PageMeta{Source: "seed", Page: filepath.Base(s)})
			f.Close()
			if err != nil {
				srvErr = err
				return
			}
			for i := range page.Articles {
				arts = append(arts, &page.Articles[i])
			}
		}
		for _, a := range arts {
			a.Normalize()
		}
		if srvErr = ix.Put(context.Background(), arts...); srvErr != nil {
			return
		}
		srvURL = httptest.NewServer(New(Config{Backend: ix})).URL // lives for the test binary
	})
	if srvErr != nil {
		t.Fatal(srvErr)
	}
	return srvURL
}

// get fetches path+query and decodes the JSON body, checking the status.
func get(t *testing.T, base, path string, params url.Values, want int, into any) {
	t.Helper()
	u := base + path
	if params != nil {
		u += "?" + params.Encode()
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		var b struct{ Error Error }
		_ = json.NewDecoder(resp.Body).Decode(&b)
		t.Fatalf("GET %s: status %d (%+v), want %d", u, resp.StatusCode, b.Error, want)
	}
	if into != nil {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
	}
}

type result struct {
	Total      int                           `json:"total"`
	Page       int                           `json:"page"`
	Size       int                           `json:"size"`
	Sort       string                        `json:"sort"`
	Type       string                        `json:"type"`
	NextCursor string                        `json:"next_cursor"`
	Facets     map[string][]index.FacetValue `json:"facets"`
	Hits       []struct {
		ID          string        `json:"id"`
		Type        string        `json:"type"`
		Title       string        `json:"title"`
		TitleHTML   string        `json:"title_html"`
		ArticleID   string        `json:"article_id"`
		Paragraph   *int          `json:"paragraph"`
		Subhead     string        `json:"subhead"`
		PublishedAt string        `json:"published_at"`
		Paragraphs  []int         `json:"paragraphs"`
		Snippets    []string      `json:"snippets"`
		Explain     []index.Match `json:"explain"`
	} `json:"hits"`
}

func (r result) ids() []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearchParameters(t *testing.T) {
	base := testServer(t)
	v := func(kv ...string) url.Values {
		out := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	cases := []struct {
		name   string
		params url.Values
		ids    []string
		check  func(t *testing.T, r result)
	}{
		{"q", v("q", "二七经开区"), []string{"1e2e3d5ca669c8dd", "t-econ-1"}, nil},
		{"type=paragraph", v("q", "换乘", "type", "paragraph"), []string{"t-metro-1#1"}, func(t *testing.T, r result) {
			h := r.Hits[0]
			if h.Type != "paragraph" || h.ArticleID != "t-metro-1" || h.Paragraph == nil || *h.Paragraph != 1 || h.Subhead != "换乘更方便" || h.Title == "" || h.PublishedAt == "" {
				t.Errorf("paragraph hit %+v", h)
			}
		}},
		{"since", v("q", "地铁", "since", "2024-06-01"), []string{"t-metro-1", "t-long"}, nil},
		{"until", v("q", "经济", "until", "2024-06-30"), []string{"t-trad", "t-long"}, nil},
		{"since rfc3339", v("q", "经济", "since", "2024-06-30T17:00:00Z"), []string{"t-econ-1"}, nil},
		{"section repeated", v("q", "地铁", "section", "经济", "section", "两岸"), []string{"t-long"}, nil},
		{"author", v("q", "地铁", "author", "李强", "sort", "newest"), []string{"t-metro-2", "t-old"}, nil},
		{"tag", v("q", "经济", "tag", "夜间经济"), []string{"t-long"}, nil},
		{"source", v("q", "安全", "source", "wire"), []string{"t-xss"}, nil},
		{"id", v("q", "地铁", "id", "t-old", "id", "t-undated"), []string{"t-old", "t-undated"}, nil},
		{"sort=newest", v("q", "地铁", "sort", "newest"), []string{"t-long", "t-metro-1", "t-metro-2", "t-old", "t-undated"}, nil},
		{"sort=oldest", v("q", "地铁", "sort", "oldest"), []string{"t-old", "t-metro-2", "t-metro-1", "t-long", "t-undated"}, nil},
		{"sort=relevance", v("q", "地铁", "sort", "relevance"), []string{"t-old", "t-metro-2", "t-metro-1", "t-undated", "t-long"}, nil},
		{"boost=recent", v("q", "地铁", "boost", "recent"), nil, func(t *testing.T, r result) {
			if r.Total != 5 || len(r.Hits) != 5 {
				t.Errorf("boost=recent: %d of %d", len(r.Hits), r.Total)
			}
		}},
		{"page and size", v("q", "地铁", "page", "2", "size", "2"), []string{"t-metro-1", "t-undated"}, func(t *testing.T, r result) {
			if r.Page != 2 || r.Size != 2 || r.Total != 5 || r.NextCursor == "" {
				t.Errorf("page 2: %+v", r)
			}
		}},
		{"facets", v("q", "地铁", "facets", "section,month", "facets", "author"), nil, func(t *testing.T, r result) {
			if !slices.Equal(r.Facets["section"], []index.FacetValue{{Value: "城市", Count: 4}, {Value: "经济", Count: 1}}) || len(r.Facets["month"]) != 3 || len(r.Facets["author"]) != 3 {
				t.Errorf("facets %+v", r.Facets)
			}
		}},
		{"explain", v("q", "地铁", "explain", "true", "size", "1"), []string{"t-old"}, func(t *testing.T, r result) {
			if len(r.Hits[0].Explain) == 0 || r.Hits[0].Explain[0].Field != "title" {
				t.Errorf("explain %+v", r.Hits[0].Explain)
			}
		}},
		{"collapse", v("q", "地铁", "type", "paragraph", "collapse", "article"), nil, func(t *testing.T, r result) {
			seen := map[string]bool{}
			for _, h := range r.Hits {
				if seen[h.ArticleID] {
					t.Errorf("article %s twice", h.ArticleID)
				}
				seen[h.ArticleID] = true
			}
			if r.Total != 5 || len(seen) != 5 {
				t.Errorf("collapse: total %d, %d articles", r.Total, len(seen))
			}
		}},
		{"snippets and snippet_len", v("q", "二七经开区", "snippets", "1", "snippet_len", "40"), nil, func(t *testing.T, r result) {
			for _, h := range r.Hits {
				if len(h.Snippets) != 1 || len([]rune(strings.NewReplacer("<mark>", "", "</mark>", "", "…", "").Replace(h.Snippets[0]))) > 40 {
					t.Errorf("snippets %q", h.Snippets)
				}
			}
		}},
		{"field scopes", v("q", "title:地铁 section:城市 -author:李强"), []string{"t-metro-1"}, nil},
		{"escaped document", v("q", "script"), []string{"t-xss"}, func(t *testing.T, r result) {
			for _, s := range append(r.Hits[0].Snippets, r.Hits[0].TitleHTML) {
				if strings.Contains(s, "<script") || strings.Contains(s, "A&B") {
					t.Errorf("raw markup: %q", s)
				}
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r result
			get(t, base, "/v1/search", c.params, http.StatusOK, &r)
			if c.ids != nil && !slices.Equal(r.ids(), c.ids) {
				t.Errorf("ids %q, want %q", r.ids(), c.ids)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

func TestSearchCursor(t *testing.T) {
	base := testServer(t)
	var all result
	get(t, base, "/v1/search", url.Values{"q": {"地铁"}, "sort": {"newest"}}, http.StatusOK, &all)
	var walked []string
	params := url.Values{"q": {"地铁"}, "sort": {"newest"}, "size": {"2"}}
	for i := 0; i < 5; i++ {
		var r result
		get(t, base, "/v1/search", params, http.StatusOK, &r)
		walked = append(walked, r.ids()...)
		if r.NextCursor == "" {
			break
		}
		params.Set("cursor", r.NextCursor)
	}
	if !slices.Equal(walked, all.ids()) {
		t.Errorf("cursor walk %q, want %q", walked, all.ids())
	}
}

func TestSearchErrors(t *testing.T) {
	base := testServer(t)
	for _, c := range []struct {
		name    string
		params  url.Values
		code    string
		message string // a part of the message
	}{
		{"missing q", url.Values{}, "missing_query", "pass ?q="},
		{"blank q", url.Values{"q": {"  "}}, "missing_query", "pass ?q="},
		{"unbalanced quote", url.Values{"q": {`"二七`}}, "invalid_query", "close the phrase"},
		{"unbalanced paren", url.Values{"q": {"(地铁"}}, "invalid_query", "add the missing ')'"},
		{"extra paren", url.Values{"q": {"地铁)"}}, "invalid_query", "remove the extra ')'"},
		{"unknown field", url.Values{"q": {"color:红"}}, "invalid_query", "unknown field"},
		{"empty after parsing", url.Values{"q": {"，。！"}}, "invalid_query", "nothing to search for"},
		{"only exclusions", url.Values{"q": {"-地铁"}}, "invalid_query", "add a word"},
		{"q too long", url.Values{"q": {strings.Repeat("地", 257)}}, "query_too_long", "the limit is 256"},
		{"bad since", url.Values{"q": {"地铁"}, "since": {"2024-02-30"}}, "invalid_query", "YYYY-MM-DD"},
		{"bad until", url.Values{"q": {"地铁"}, "until": {"last week"}}, "invalid_query", "RFC 3339"},
		{"since year 0", url.Values{"q": {"地铁"}, "since": {"0000-01-01"}}, "invalid_query", "1678 to 2261"},
		{"until past 2261", url.Values{"q": {"地铁"}, "until": {"9999-12-31T00:00:00Z"}}, "invalid_query", "1678 to 2261"},
		{"since after until", url.Values{"q": {"地铁"}, "since": {"2024-06-02"}, "until": {"2024-06-01"}}, "invalid_query", "swap"},
		{"size over 100", url.Values{"q": {"地铁"}, "size": {"101"}}, "invalid_query", "size must be between 1 and 100"},
		{"size not a number", url.Values{"q": {"地铁"}, "size": {"ten"}}, "invalid_parameter", "whole number"},
		{"page -1", url.Values{"q": {"地铁"}, "page": {"-1"}}, "invalid_parameter", "page: -1 is not allowed"},
		{"page too deep", url.Values{"q": {"地铁"}, "page": {"1002"}}, "invalid_query", "cursor"},
		{"huge page", url.Values{"q": {"地铁"}, "page": {"99999999999999999999"}}, "invalid_parameter", "whole number"},
		{"bad type", url.Values{"q": {"地铁"}, "type": {"video"}}, "invalid_query", "article or paragraph"},
		{"bad sort", url.Values{"q": {"地铁"}, "sort": {"random"}}, "invalid_query", "relevance, newest or oldest"},
		{"bad boost", url.Values{"q": {"地铁"}, "boost": {"old"}}, "invalid_query", "recent"},
		{"boost with date sort", url.Values{"q": {"地铁"}, "boost": {"recent"}, "sort": {"newest"}}, "invalid_query", "sort=relevance"},
		{"bad facet", url.Values{"q": {"地铁"}, "facets": {"section,color"}}, "invalid_query", "section,author,tag,month"},
		{"bad explain", url.Values{"q": {"地铁"}, "explain": {"maybe"}}, "invalid_parameter", "true or false"},
		{"collapse on articles", url.Values{"q": {"地铁"}, "collapse": {"article"}}, "invalid_query", "type=paragraph"},
		{"bad cursor", url.Values{"q": {"地铁"}, "cursor": {"%%%"}}, "invalid_query", "next_cursor"},
		{"cursor and page", url.Values{"q": {"地铁"}, "cursor": {"x"}, "page": {"2"}}, "invalid_query", "not both"},
		{"snippet_len too small", url.Values{"q": {"地铁"}, "snippet_len": {"3"}}, "invalid_query", "snippet_len"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body struct{ Error Error }
			get(t, base, "/v1/search", c.params, http.StatusBadRequest, &body)
			if body.Error.Code != c.code || !strings.Contains(body.Error.Message, c.message) {
				t.Errorf("error %+v, want code %s and a message with %q", body.Error, c.code, c.message)
			}
		})
	}
}

// TestNothingAClientSendsIs500 throws odd queries at the API: each must
// answer 200 or 400, never 500.
func TestNothingAClientSendsIs500(t *testing.T) {
	base := testServer(t)
	odd := []string{"\"\"", "()", "(", ")", "-", "--地铁", "OR", "地铁 OR", "OR 地铁", "title:", "title:()", `title:""`,
		"author:", "地铁 -\"\"", "((((((((((((((((((地铁))))))))))))))))))", "\x00", "\xff\xfe", "a:b:c", ":", "::地铁",
		"<script>", "&amp;", "%", "*", "地铁*", "?", "~", "^", "\\", "'", "“二七”", "（地铁）", "title：地铁", "|", "地铁 | 经济",
		strings.Repeat("a ", 100), strings.Repeat("(", 17) + "a" + strings.Repeat(")", 17), "section:\"聚焦高质量发展 全力以赴拼经济\""}
	for _, q := range odd {
		for _, extra := range []url.Values{{}, {"type": {"paragraph"}}, {"type": {"paragraph"}, "collapse": {"article"}}, {"boost": {"recent"}, "facets": {"month"}, "explain": {"1"}}} {
			params := url.Values{"q": {q}}
			for k, v := range extra {
				params[k] = v
			}
			resp, err := http.Get(base + "/v1/search?" + params.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest {
				t.Errorf("q=%q %v: status %d", q, extra, resp.StatusCode)
			}
		}
	}
}

func TestSuggestAPI(t *testing.T) {
	base := testServer(t)
	var r struct {
		Suggestions []string `json:"suggestions"`
	}
	get(t, base, "/v1/suggest", url.Values{"q": {"郑州地"}}, http.StatusOK, &r)
	if !slices.Contains(r.Suggestions, "郑州地铁12号线开通运营") || len(r.Suggestions) > 10 {
		t.Errorf("suggestions %q", r.Suggestions)
	}
	get(t, base, "/v1/suggest", url.Values{"q": {"地"}, "size": {"2"}}, http.StatusOK, &r)
	if len(r.Suggestions) == 0 || len(r.Suggestions) > 2 {
		t.Errorf("size=2: %q", r.Suggestions)
	}
	get(t, base, "/v1/suggest", url.Values{"q": {"火星探测"}}, http.StatusOK, &r)
	if r.Suggestions == nil || len(r.Suggestions) != 0 {
		t.Errorf("no match: %q", r.Suggestions)
	}
	for _, bad := range []url.Values{{}, {"q": {"地"}, "size": {"11"}}, {"q": {strings.Repeat("地", 65)}}} {
		var e struct{ Error Error }
		get(t, base, "/v1/suggest", bad, http.StatusBadRequest, &e)
		if e.Error.Code == "" || e.Error.Message == "" {
			t.Errorf("%v: %+v", bad, e)
		}
	}
}

func TestRelatedAPI(t *testing.T) {
	base := testServer(t)
	var r result
	get(t, base, "/v1/articles/t-metro-1/related", url.Values{"size": {"2"}}, http.StatusOK, &r)
	if len(r.Hits) == 0 || len(r.Hits) > 2 || slices.Contains(r.ids(), "t-metro-1") {
		t.Errorf("related: %q", r.ids())
	}
	var e struct{ Error Error }
	get(t, base, "/v1/articles/nope/related", nil, http.StatusNotFound, &e)
	get(t, base, "/v1/articles/t-metro-1/related", url.Values{"size": {"500"}}, http.StatusBadRequest, &e)
}

// slowBackend blocks every search until its context ends.
type slowBackend struct {
	done chan error
}

func (b *slowBackend) Search(ctx context.Context, r index.Request) (*index.Result, error) {
	<-ctx.Done()
	b.done <- ctx.Err()
	return nil, ctx.Err()
}
func (b *slowBackend) Get(context.Context, string) (*article.Article, error) {
	return nil, index.ErrNotFound
}
func (b *slowBackend) Stats(context.Context) (index.Stats, error) { return index.Stats{}, nil }
func (b *slowBackend) Suggest(context.Context, string, int) ([]string, error) {
	return nil, nil
}
func (b *slowBackend) Related(context.Context, string, int) (*index.Result, error) {
	return nil, index.ErrNotFound
}

func TestSearchDeadlineAndCancel(t *testing.T) {
	b := &slowBackend{done: make(chan error, 2)}
	srv := httptest.NewServer(New(Config{Backend: b, SearchTimeout: 50 * time.Millisecond}))
	defer srv.Close()

	var e struct{ Error Error }
	get(t, srv.URL, "/v1/search", url.Values{"q": {"地铁"}}, http.StatusServiceUnavailable, &e)
	if e.Error.Code != "timeout" {
		t.Errorf("deadline: %+v", e)
	}
	if err := <-b.done; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("backend saw %v", err)
	}

	// a client that goes away cancels the search long before the deadline
	srv2 := httptest.NewServer(New(Config{Backend: b, SearchTimeout: time.Hour}))
	defer srv2.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv2.URL+"/v1/search?q=x", nil)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	select {
	case err := <-b.done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("backend saw %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the search went on after the client left")
	}
}
