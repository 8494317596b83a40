package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/internal/measure"
)

// repeatReader yields n bytes: prefix, then fill repeated.
type repeatReader struct {
	prefix []byte
	fill   byte
	n      int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && r.n > 0 {
		if len(r.prefix) > 0 {
			p[k] = r.prefix[0]
			r.prefix = r.prefix[1:]
		} else {
			p[k] = r.fill
		}
		k++
		r.n--
	}
	return k, nil
}

// peakRSS reads a process's peak resident set (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	mem, err := measure.ProcMemory(pid)
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	return mem.Peak
}

// TestHostileRequests sends the real server what an attacker or a broken
// client would: each gets a 4xx quickly, the server's memory stays
// bounded, and a well-behaved client searching all along keeps getting
// answers.
func TestHostileRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	base, cmd := startServer(t, buildBinary(t))
	addr := strings.TrimPrefix(base, "http://")
	// No client timeout: an 80 MB upload on a busy machine may take
	// minutes; what is checked is the answer, and go test's -timeout
	// guards a hang.
	client := &http.Client{}

	// A well-behaved client searches all along.
	stop := make(chan struct{})
	var served, failed atomic.Int64
	var slowest atomic.Int64
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			resp, err := client.Get(base + "/v1/search?q=" + url.QueryEscape("二七经开区"))
			if err != nil || resp.StatusCode != 200 {
				failed.Add(1)
				if err == nil {
					resp.Body.Close()
				}
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			served.Add(1)
			if d := int64(time.Since(start)); d > slowest.Load() {
				slowest.Store(d)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()

	invalid := "\xff\xfe"
	type hostile struct {
		name, method, target, ctype string
		body                        func() io.Reader
		filler                      int // bytes of an extra header
	}
	many := make([]string, 5000)
	for i := range many {
		many[i] = "词" + strconv.Itoa(i)
	}
	cases := []hostile{
		{"80 MB JSON body", "POST", "/v1/articles", "application/json", func() io.Reader { return &repeatReader{[]byte(`{"title": "`), 'a', 80 << 20} }, 0},
		{"80 MB NDJSON line", "POST", "/v1/articles", "application/x-ndjson", func() io.Reader { return &repeatReader{[]byte(`{"title": "`), 'a', 80 << 20} }, 0},
		{"80 MB NDJSON of small bad lines", "POST", "/v1/articles", "application/x-ndjson", func() io.Reader { return &repeatReader{nil, '\n', 80 << 20} }, 0},
		{"80 MB page", "POST", "/v1/pages", "text/plain", func() io.Reader { return &repeatReader{[]byte("## 标题\n\n"), 'a', 80 << 20} }, 0},
		{"deep JSON nesting", "POST", "/v1/articles", "application/json", func() io.Reader { return &repeatReader{nil, '[', 900 << 10} }, 0},
		{"deep JSON nesting in a field", "POST", "/v1/articles", "application/json", func() io.Reader {
			return strings.NewReader(`{"title": "t", "body": "b", "tags": ` + strings.Repeat("[", 500000) + strings.Repeat("]", 500000) + `}`)
		}, 0},
		{"1 MB query string", "GET", "/v1/search?q=" + strings.Repeat("a", 1<<20), "", nil, 0},
		{"100 KB of headers", "GET", "/v1/search?q=a", "", nil, 100 << 10},
		{"100 KB of headers, unknown path", "GET", "/v1/nothing", "", nil, 100 << 10},
		{"unknown asset", "GET", "/assets/nothing.js", "", nil, 0},
		{"unknown path under /v1", "GET", "/v1/assets/app.js", "", nil, 0},
		{"query of 300 characters", "GET", "/v1/search?q=" + strings.Repeat("地", 300), "", nil, 0},
		{"5000 OR terms", "GET", "/v1/search?q=" + url.QueryEscape(strings.Join(many, " OR ")), "", nil, 0},
		{"regexp", "GET", "/v1/search?q=" + url.QueryEscape("/.*/"), "", nil, 0},
		{"wildcards", "GET", "/v1/search?q=" + url.QueryEscape("* ? *"), "", nil, 0},
		{"fuzzy and boost syntax only", "GET", "/v1/search?q=" + url.QueryEscape("~2 ^3 +-"), "", nil, 0},
		{"huge page", "GET", "/v1/search?q=a&page=99999999&size=100", "", nil, 0},
		{"huge size", "GET", "/v1/search?q=a&size=100000000", "", nil, 0},
		{"bad cursor", "GET", "/v1/search?q=a&cursor=" + strings.Repeat("A", 4000), "", nil, 0},
	}
	for _, p := range []string{"q", "type", "since", "until", "section", "author", "tag", "source", "id", "sort", "boost", "facets", "collapse", "cursor", "page", "size"} {
		q := url.Values{"q": {"地铁"}}
		q.Set(p, invalid)
		cases = append(cases, hostile{"invalid UTF-8 in search " + p, "GET", "/v1/search?" + q.Encode(), "", nil, 0})
	}
	cases = append(cases, hostile{"invalid UTF-8 in suggest", "GET", "/v1/suggest?q=" + url.QueryEscape(invalid), "", nil, 0})
	for _, f := range []string{"id", "title", "body", "kicker", "section", "source", "url", "summary", "published_at", "byline", "photo_by", "page"} {
		body := map[string]string{"title": "标题", "body": "正文。"}
		body[f] = "坏" + invalid
		var b bytes.Buffer
		b.WriteString("{")
		i := 0
		for k, v := range body {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%q: \"%s\"", k, v)
			i++
		}
		b.WriteString("}")
		raw := b.String()
		cases = append(cases, hostile{"invalid UTF-8 in article " + f, "POST", "/v1/articles", "application/json", func() io.Reader { return strings.NewReader(raw) }, 0})
		cases = append(cases, hostile{"invalid UTF-8 in NDJSON " + f, "POST", "/v1/articles", "application/x-ndjson", func() io.Reader { return strings.NewReader(raw + "\n") }, 0})
	}
	for _, f := range []string{"authors", "tags", "paragraphs"} {
		raw := fmt.Sprintf(`{"title": "标题", "body": "正文。", %q: ["坏%s"]}`, f, invalid)
		if f == "paragraphs" {
			raw = fmt.Sprintf(`{"title": "标题", "paragraphs": ["坏%s"]}`, invalid)
		}
		cases = append(cases, hostile{"invalid UTF-8 in article " + f, "POST", "/v1/articles", "application/json", func() io.Reader { return strings.NewReader(raw) }, 0})
	}
	cases = append(cases,
		hostile{"invalid UTF-8 page", "POST", "/v1/pages?published_at=2024-07-01", "text/plain", func() io.Reader { return strings.NewReader("## 标题" + invalid + "\n\n正文。") }, 0},
		hostile{"invalid UTF-8 in page parameters", "POST", "/v1/pages?source=" + url.QueryEscape(invalid), "text/plain", func() io.Reader { return strings.NewReader("## 标题\n\n正文。") }, 0},
		hostile{"invalid UTF-8 in an id", "PUT", "/v1/articles/" + url.PathEscape(invalid), "application/json", func() io.Reader { return strings.NewReader(`{"title": "t", "body": "b"}`) }, 0},
	)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != nil {
				body = tc.body()
			}
			req, err := http.NewRequest(tc.method, base+tc.target, body)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.filler > 0 {
				req.Header.Set("X-Filler", strings.Repeat("a", tc.filler))
			}
			resp, err := client.Do(req)
			if err != nil {
				// The server may answer and close before reading a huge
				// body, which the client sees as a broken pipe.
				if tc.body != nil && strings.Contains(err.Error(), "broken pipe") || strings.Contains(fmt.Sprint(err), "connection reset") {
					return
				}
				t.Fatalf("%v", err)
			}
			raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("status %d (%s), want a 4xx", resp.StatusCode, raw)
			}
			// Every refusal in the API's one error shape, whoever made it.
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if json.Unmarshal(raw, &e) != nil || e.Error.Code == "" || e.Error.Message == "" ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("status %d answered %q (%s), want the JSON error shape", resp.StatusCode, raw, resp.Header.Get("Content-Type"))
			}
			if tc.filler > 0 && (resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || e.Error.Code != "headers_too_large") {
				t.Errorf("headers too large: %d %s, want 431 headers_too_large", resp.StatusCode, raw)
			}
		})
	}

	// Slow clients: connections that send their headers a byte at a time
	// are closed by the server (ReadHeaderTimeout) and hold no one up.
	const slow = 200
	var conns []net.Conn
	for i := 0; i < slow; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("slow client %d: %v", i, err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "GET /v1/search?q=a HTTP/1.1\r\nHost: x\r\n")
	}
	// Each slow client writes a byte a second until the server hangs up;
	// it gives up only after minutes (the server's header timeout is 5 s),
	// so a client that gave up is a server that never hung up, however
	// busy the machine.
	hungUp := make(chan bool, slow)
	slowStart := time.Now()
	for _, c := range conns {
		go func(c net.Conn) {
			defer c.Close()
			for time.Since(slowStart) < 3*time.Minute {
				if _, err := c.Write([]byte("X")); err != nil {
					hungUp <- true
					return
				}
				c.SetReadDeadline(time.Now().Add(time.Second))
				if _, err := bufio.NewReader(c).ReadByte(); err != nil && !isTimeout(err) {
					hungUp <- true // closed (or answered 408/400, then closed)
					return
				}
			}
			hungUp <- false
		}(c)
	}
	kept := 0
	for i := 0; i < slow; i++ {
		if !<-hungUp {
			kept++
		}
	}
	if kept > 0 {
		t.Errorf("%d of %d slow clients kept their connections until they gave up", kept, slow)
	}
	// The well-behaved client is still answered after all that: wait for
	// one more search of it rather than count how many fit in the time.
	after := served.Load()
	for served.Load() == after && failed.Load() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	bg.Wait()
	rss := peakRSS(t, cmd.Process.Pid)
	t.Logf("well-behaved client: %d searches served, %d failed, slowest %s; server peak RSS %.0f MiB",
		served.Load(), failed.Load(), time.Duration(slowest.Load()).Round(time.Millisecond), float64(rss)/(1<<20))
	if failed.Load() > 0 {
		t.Errorf("the well-behaved client: %d served, %d failed", served.Load(), failed.Load())
	}
	if rss > 1<<30 {
		t.Errorf("server peak RSS %d MiB, want under 1 GiB", rss>>20)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
