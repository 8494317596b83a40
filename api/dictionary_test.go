package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

// newServer serves a fresh in-memory index holding one article.
func newServer(t *testing.T) (*httptest.Server, *index.Index) {
	t.Helper()
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	a := &article.Article{ID: "a1", Title: "二七经开区培育专精特新企业", Paragraphs: []article.Paragraph{
		{Text: "二七经开区今年新增专精特新企业12家。"}, {Text: "别的段落。"},
	}}
	a.Normalize()
	if err := ix.Put(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Backend: ix}))
	t.Cleanup(srv.Close)
	return srv, ix
}

func do(t *testing.T, method, u, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

type analyzed struct {
	Mode   string `json:"mode"`
	Tokens []struct {
		Term     string `json:"term"`
		Start    int    `json:"start"`
		End      int    `json:"end"`
		Position int    `json:"position"`
		Kind     string `json:"kind"`
		Field    string `json:"field"`
	} `json:"tokens"`
}

func analyze(t *testing.T, base, text, mode string) analyzed {
	t.Helper()
	code, body := do(t, "GET", base+"/v1/analyze?"+url.Values{"text": {text}, "mode": {mode}}.Encode(), "")
	if code != http.StatusOK {
		t.Fatalf("analyze: %d %s", code, body)
	}
	var a analyzed
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func wordTerms(a analyzed) []string {
	var out []string
	for _, t := range a.Tokens {
		if t.Field == "words" && t.Kind == "word" {
			out = append(out, t.Term)
		}
	}
	return out
}

// TestDictionaryKeepsWordsWhole shows the example end to end: gse
// splits 二七经开区 and 专精特新; after POST /v1/dictionary, analyze keeps
// them whole at once, and the stored article is re-indexed in the background.
func TestDictionaryKeepsWordsWhole(t *testing.T) {
	srv, ix := newServer(t)
	text := "二七经开区专精特新"
	if got := wordTerms(analyze(t, srv.URL, text, "query")); len(got) == 2 {
		t.Fatalf("gse already keeps them whole: %q", got)
	}
	code, body := do(t, "POST", srv.URL+"/v1/dictionary",
		`{"words":[{"word":"二七经开区","freq":1000,"pos":"ns"},{"word":"专精特新"}]}`)
	if code != http.StatusAccepted {
		t.Fatalf("POST: %d %s", code, body)
	}
	for _, mode := range []string{"query", "index"} {
		a := analyze(t, srv.URL, text, mode)
		if got := wordTerms(a); strings.Join(got, " ") != "二七经开区 专精特新" {
			t.Errorf("%s analysis after adding: %q", mode, got)
		}
		for _, tok := range a.Tokens {
			if text[tok.Start:tok.End] != tok.Term {
				t.Errorf("%s: token %+v: text there is %q", mode, tok, text[tok.Start:tok.End])
			}
		}
		if mode == "index" && !strings.Contains(string(mustJSON(t, a)), `"kind":"bigram"`) {
			t.Errorf("index analysis shows no bigrams")
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ix.WaitReindex(ctx); err != nil {
		t.Fatal(err)
	}
	code, body = do(t, "GET", srv.URL+"/v1/dictionary", "")
	var d index.Dictionary
	if code != http.StatusOK || json.Unmarshal(body, &d) != nil {
		t.Fatalf("GET /v1/dictionary: %d %s", code, body)
	}
	listed := map[string]bool{}
	for _, w := range d.Words {
		listed[w.Word] = true
	}
	if !listed["二七经开区"] || !listed["专精特新"] {
		t.Errorf("dictionary lists %+v", d.Words)
	}
	if d.Reindex.State != index.ReindexDone || d.Reindex.Total != 1 || d.Reindex.Done != 1 {
		t.Errorf("re-index progress %+v, want done 1 of 1", d.Reindex)
	}
	code, body = do(t, "GET", srv.URL+"/v1/dictionary/reindex", "")
	if code != http.StatusOK || !strings.Contains(string(body), `"state":"done"`) {
		t.Errorf("GET /v1/dictionary/reindex: %d %s", code, body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDictionaryBadInput(t *testing.T) {
	srv, _ := newServer(t)
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"not JSON", `words`, 400, "invalid_json"},
		{"wrong shape", `{"word":"二七经开区"}`, 400, "invalid_json"},
		{"words not a list", `{"words":"二七经开区"}`, 400, "invalid_json"},
		{"no words", `{"words":[]}`, 400, "invalid_word"},
		{"missing word", `{"words":[{"freq":10}]}`, 400, "invalid_word"},
		{"empty word", `{"words":[{"word":""}]}`, 400, "invalid_word"},
		{"space in word", `{"words":[{"word":"二七 经开区"}]}`, 400, "invalid_word"},
		{"negative freq", `{"words":[{"word":"二七经开区","freq":-5}]}`, 400, "invalid_word"},
		{"freq a string", `{"words":[{"word":"二七经开区","freq":"high"}]}`, 400, "invalid_json"},
		{"two values", `{"words":[{"word":"甲乙"}]} {}`, 400, "invalid_json"},
		{"too large", `{"words":[{"word":"` + strings.Repeat("长", 400000) + `"}]}`, 413, "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, "POST", srv.URL+"/v1/dictionary", tt.body)
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if code != tt.status || json.Unmarshal(body, &e) != nil || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("got %d %s, want %d with code %s", code, body, tt.status, tt.code)
			}
		})
	}
	for _, tt := range []struct{ name, query, code string }{
		{"no text", "mode=index", "missing_text"},
		{"bad mode", "text=经济&mode=fast", "invalid_parameter"},
	} {
		t.Run("analyze "+tt.name, func(t *testing.T) {
			code, body := do(t, "GET", srv.URL+"/v1/analyze?"+tt.query, "")
			if code != 400 || !strings.Contains(string(body), `"code":"`+tt.code+`"`) {
				t.Errorf("got %d %s, want 400 %s", code, body, tt.code)
			}
		})
	}
}

// TestDictionaryPaged: GET /v1/dictionary answers a page of words
// (limit, from offset) with the whole count and where the next page
// starts; walking the pages gives every word once, in order.
func TestDictionaryPaged(t *testing.T) {
	srv, _ := newServer(t)
	if code, body := do(t, "POST", srv.URL+"/v1/dictionary", `{"words":[{"word":"分页词甲"},{"word":"分页词乙"},{"word":"分页词丙"},{"word":"分页词丁"},{"word":"分页词戊"}]}`); code != 202 {
		t.Fatalf("POST: %d %s", code, body)
	}
	type page struct {
		Count      int              `json:"count"`
		Offset     int              `json:"offset"`
		Limit      int              `json:"limit"`
		NextOffset *int             `json:"next_offset"`
		Words      []map[string]any `json:"words"`
	}
	get := func(query string) page {
		t.Helper()
		code, body := do(t, "GET", srv.URL+"/v1/dictionary"+query, "")
		var p page
		if code != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("GET %s: %d %s", query, code, body)
		}
		return p
	}
	all := get("?limit=10000")
	if all.Count < 5 || len(all.Words) != all.Count || all.NextOffset != nil {
		t.Fatalf("one page of everything: %+v", all)
	}
	if def := get(""); def.Limit != api.DefaultDictionaryLimit || def.Offset != 0 {
		t.Errorf("default page: limit %d offset %d", def.Limit, def.Offset)
	}
	var walked []any
	pages := 0
	for off := 0; ; pages++ {
		p := get("?limit=2&offset=" + strconv.Itoa(off))
		if p.Count != all.Count || len(p.Words) > 2 || p.Offset != off {
			t.Fatalf("page at %d: %+v", off, p)
		}
		for _, w := range p.Words {
			walked = append(walked, w["word"])
		}
		if p.NextOffset == nil {
			break
		}
		if *p.NextOffset != off+2 {
			t.Fatalf("next_offset %d after offset %d", *p.NextOffset, off)
		}
		off = *p.NextOffset
	}
	if len(walked) != all.Count || pages != (all.Count-1)/2 {
		t.Fatalf("walked %d words in %d pages, want %d", len(walked), pages+1, all.Count)
	}
	for i, w := range all.Words {
		if walked[i] != w["word"] {
			t.Fatalf("word %d: %v paged, %v whole", i, walked[i], w["word"])
		}
	}
	if past := get("?offset=" + strconv.Itoa(all.Count+5)); len(past.Words) != 0 || past.NextOffset != nil {
		t.Errorf("past the end: %+v", past)
	}
	for _, q := range []string{"?limit=0", "?limit=10001", "?limit=x", "?offset=-1"} {
		code, body := do(t, "GET", srv.URL+"/v1/dictionary"+q, "")
		if code != 400 || !strings.Contains(string(body), `"code":"invalid_parameter"`) {
			t.Errorf("GET %s: %d %s, want 400 invalid_parameter", q, code, body)
		}
	}
}

// TestDictionaryFull: a POST that would take the dictionary past its
// bound answers 409 dictionary_full naming the bound and how to raise it,
// and adds nothing.
func TestDictionaryFull(t *testing.T) {
	srv, ix := newServer(t)
	ix.SetMaxWords(2)
	code, body := do(t, "POST", srv.URL+"/v1/dictionary", `{"words":[{"word":"满额词甲"},{"word":"满额词乙"},{"word":"满额词丙"}]}`)
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if code != http.StatusConflict || json.Unmarshal(body, &e) != nil || e.Error.Code != "dictionary_full" ||
		!strings.Contains(e.Error.Message, "bound of 2 words") || !strings.Contains(e.Error.Message, "--max-dict-words") {
		t.Fatalf("past the bound: %d %s; want 409 dictionary_full naming the bound and the setting", code, body)
	}
	if a := analyze(t, srv.URL, "满额词甲", "query"); len(wordTerms(a)) == 1 {
		t.Errorf("a refused word was added: %v", wordTerms(a))
	}
}
