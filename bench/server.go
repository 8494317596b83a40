package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a zhsearch server child process on a loopback port.
type Server struct {
	*Proc
	URL string
	// Ready is the time from exec to the first answered search.
	Ready time.Duration
	// Articles is what the server logged it serves (-1 if it did not say).
	Articles int64

	pprofEnv []string // ZHSEARCH_PPROF=ADDR when started for profiling
}

var articlesRE = regexp.MustCompile(`"?articles"?[=:](\d+)`)

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// helpOf returns what `bin sub --help` prints, to learn which flags the
// binary under test has (branches add them over time).
func helpOf(bin, sub string) string {
	key := bin + "\x00" + sub
	if h, ok := helpCache.Load(key); ok {
		return h.(string)
	}
	out, _ := exec.Command(bin, sub, "--help").CombinedOutput()
	helpCache.Store(key, string(out))
	return string(out)
}

var helpCache sync.Map

// StartServer runs `bin serve --data dir --listen 127.0.0.1:PORT` (without
// the seed pages when the binary can leave them out) and waits until it
// answers probe, a search query, with 200 OK: Ready is the time from exec
// to that answer, polling every 5 ms.
func StartServer(ctx context.Context, bin, dir, probe string, env []string, timeout time.Duration) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{"serve", "--data", dir, "--listen", addr}
	if strings.Contains(helpOf(bin, "serve"), "-seed") {
		args = append(args, "--seed=false")
	}
	var articles atomic.Int64
	articles.Store(-1)
	p, err := startProc(bin, args, env, func(line string) {
		if strings.Contains(line, "listening") {
			if m := articlesRE.FindStringSubmatch(line); m != nil {
				n, _ := strconv.ParseInt(m[1], 10, 64)
				articles.Store(n)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	s := &Server{Proc: p, URL: "http://" + addr}
	probeURL := s.URL + "/v1/search?size=1&q=" + url.QueryEscape(probe)
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(probeURL)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.Ready = time.Since(p.Start)
				break
			}
		}
		select {
		case <-p.Done():
			return nil, fmt.Errorf("server exited before answering: %w", p.Wait())
		case <-ctx.Done():
			_ = p.Stop(10 * time.Second)
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = p.Stop(10 * time.Second)
			return nil, fmt.Errorf("server did not answer %s within %s:\n%s", probeURL, timeout, p.Tail())
		}
	}
	// the log line may come a moment after the first answer
	for i := 0; i < 100 && articles.Load() < 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	s.Articles = articles.Load()
	return s, nil
}

// searchResponse is the part of /v1/search's answer the bench reads.
type searchResponse struct {
	Total uint64 `json:"total"`
	Hits  []struct {
		ID       string   `json:"id"`
		Snippets []string `json:"snippets"`
	} `json:"hits"`
}

// Search calls /v1/search with the given parameters.
func (s *Server) Search(ctx context.Context, client *http.Client, params url.Values) (*searchResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/v1/search?"+params.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("search %s: %s: %s", params.Encode(), resp.Status, body)
	}
	var r searchResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("search %s: decoding: %w", params.Encode(), err)
	}
	return &r, nil
}
