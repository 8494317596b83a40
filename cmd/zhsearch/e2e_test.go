package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildBinary compiles zhsearch once per test binary run, stamping a
// version the tests can check.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zhsearch-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "zhsearch")
		out, err := exec.Command("go", "build", "-ldflags", "-X main.version="+testVersion, "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

const testVersion = "v0.0.0-e2e"

var listenRE = regexp.MustCompile(`listening on http://(\S+) serving (\d+) articles, (\d+) paragraphs`)

// startServer runs the real binary on a random loopback port and returns
// its base URL once it answers.
func startServer(t *testing.T, bin string, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	exited := make(chan struct{}) // stderr closed: the process is gone
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	// No time limit of ours: on a busy machine the dictionary may take
	// minutes to load. A server that never starts fails by exiting, or
	// by go test's -timeout.
	select {
	case addr := <-found:
		base := "http://" + addr
		for {
			if resp, err := http.Get(base + "/healthz"); err == nil {
				resp.Body.Close()
				return base, cmd
			}
			select {
			case <-exited:
				t.Fatalf("server at %s exited before answering", base)
			case <-time.After(50 * time.Millisecond):
			}
		}
	case <-exited:
		t.Fatal("server exited before logging its address")
	}
	return "", nil
}

type searchResult struct {
	Query string `json:"query"`
	Type  string `json:"type"`
	Total int    `json:"total"`
	Page  int    `json:"page"`
	Size  int    `json:"size"`
	Hits  []struct {
		ID        string   `json:"id"`
		Type      string   `json:"type"`
		Title     string   `json:"title"`
		TitleHTML string   `json:"title_html"`
		Authors   []string `json:"authors"`
		ArticleID string   `json:"article_id"`
		Paragraph *int     `json:"paragraph"`
		Snippets  []string `json:"snippets"`
	} `json:"hits"`
}

func getJSON(t *testing.T, u string, want int, into any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d", u, resp.StatusCode, want)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: Content-Type %q", u, ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

func TestEndToEndSeedPage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	base, cmd := startServer(t, buildBinary(t))

	cases := []struct {
		q, typ    string
		wantTitle string
		wantMark  string
	}{
		{"二七经开区", "article", "二七经开区位居全省先进制造业开发区第二档(200亿至400亿元)第六名", "<mark>二七经开区</mark>"},
		{"网格化", "article", "“党建+网格化”共绘社区治理“同心圆”", "<mark>网格化</mark>"},
		{"二七经开区", "paragraph", "二七经开区位居全省先进制造业开发区第二档(200亿至400亿元)第六名", "<mark>二七经开区</mark>"},
		{"网格化", "paragraph", "“党建+网格化”共绘社区治理“同心圆”", "<mark>网格化</mark>"},
	}
	for _, tc := range cases {
		t.Run(tc.q+"/"+tc.typ, func(t *testing.T) {
			var res searchResult
			getJSON(t, fmt.Sprintf("%s/v1/search?q=%s&type=%s", base, url.QueryEscape(tc.q), tc.typ), 200, &res)
			if res.Query != tc.q || res.Type != tc.typ || res.Page != 1 || res.Size != 10 {
				t.Errorf("echoed request = %q %q page %d size %d", res.Query, res.Type, res.Page, res.Size)
			}
			if len(res.Hits) == 0 || res.Total < len(res.Hits) {
				t.Fatalf("total %d, %d hits", res.Total, len(res.Hits))
			}
			if tc.typ == "article" && res.Total != 1 {
				t.Errorf("total = %d, want 1 article", res.Total)
			}
			for _, h := range res.Hits {
				if h.Title != tc.wantTitle || h.Type != tc.typ {
					t.Errorf("hit %s: title %q type %q", h.ID, h.Title, h.Type)
				}
				if len(h.Snippets) == 0 || !strings.Contains(h.Snippets[0], tc.wantMark) {
					t.Errorf("hit %s: snippets %q lack %s", h.ID, h.Snippets, tc.wantMark)
				}
				if tc.typ == "paragraph" && (h.ArticleID == "" || h.Paragraph == nil) {
					t.Errorf("paragraph hit %s lacks article_id/paragraph", h.ID)
				}
				if tc.typ == "article" && (len(h.Authors) != 1 || h.Authors[0] != "景静") {
					t.Errorf("authors = %q", h.Authors)
				}
			}
			if tc.typ == "article" && !strings.Contains(res.Hits[0].TitleHTML, tc.wantMark) {
				t.Errorf("title_html %q lacks %s", res.Hits[0].TitleHTML, tc.wantMark)
			}
		})
	}

	t.Run("article", func(t *testing.T) {
		var res searchResult
		getJSON(t, base+"/v1/search?q="+url.QueryEscape("网格化"), 200, &res)
		var a struct {
			ID         string   `json:"id"`
			Title      string   `json:"title"`
			Authors    []string `json:"authors"`
			Paragraphs []struct {
				Index int    `json:"index"`
				Text  string `json:"text"`
			} `json:"paragraphs"`
		}
		getJSON(t, base+"/v1/articles/"+url.PathEscape(res.Hits[0].ID), 200, &a)
		if a.ID != res.Hits[0].ID || a.Title != res.Hits[0].Title || len(a.Paragraphs) != 5 {
			t.Errorf("article = %+v", a)
		}
		for i, p := range a.Paragraphs {
			if p.Index != i || p.Text == "" {
				t.Errorf("paragraph %d = %+v", i, p)
			}
		}
	})

	// The web page and the widget are in the binary, beside the API.
	for _, tc := range []struct{ path, ctype, contains string }{
		{"/", "text/html; charset=utf-8", "/assets/app.js"},
		{"/articles/" + url.PathEscape("1e2e3d5ca669c8dd"), "text/html; charset=utf-8", "/assets/app.js"},
		{"/widget.js", "text/javascript; charset=utf-8", "zhsearch.mount"},
		{"/widget-demo.html", "text/html; charset=utf-8", "widget.js"},
	} {
		t.Run("web"+tc.path, func(t *testing.T) {
			resp, err := http.Get(base + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || !strings.Contains(string(body), tc.contains) {
				t.Errorf("GET %s: %d %q, body lacks %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.contains)
			}
		})
	}

	for _, tc := range []struct {
		path, code string
		status     int
	}{
		{"/v1/search", "missing_query", 400},
		{"/v1/search?q=", "missing_query", 400},
		{"/v1/search?q=%20%20", "missing_query", 400},
		{"/v1/articles/nope", "not_found", 404},
		{"/v1/nothing", "not_found", 404},
	} {
		t.Run("error"+tc.path, func(t *testing.T) {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			getJSON(t, base+tc.path, tc.status, &e)
			if e.Error.Code != tc.code || e.Error.Message == "" {
				t.Errorf("error = %+v, want code %s", e.Error, tc.code)
			}
		})
	}

	// Ctrl-C stops it cleanly.
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGINT: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Error("server did not stop within 15s of SIGINT")
	}
}
