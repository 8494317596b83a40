package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/api"
)

// TestTransportErrorsJSON sends the real server, over raw TCP, requests
// that net/http refuses by itself before any handler runs — headers past
// its 1 MiB limit, a request that is not HTTP, no Host header, an unknown
// transfer encoding or HTTP version — and headers past the API's own
// 64 KiB limit. Every answer has the API's JSON error shape (code and
// message) and the right status, where net/http answers in plain text.
// A well-formed request on the same server is answered as before.
func TestTransportErrorsJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	base, _ := startServer(t, buildBinary(t))
	addr := strings.TrimPrefix(base, "http://")
	filler := func(n int) string { return "X-Filler: " + strings.Repeat("a", n) + "\r\n" }
	for _, tc := range []struct {
		name    string
		request string
		status  int
		code    string
		message string // in the message
	}{
		{"headers past net/http's limit", "GET /v1/search?q=a HTTP/1.1\r\nHost: x\r\n" + filler(api.TransportHeaderBytes+64<<10) + "\r\n",
			http.StatusRequestHeaderFieldsTooLarge, "headers_too_large", "more than 1048576 bytes; the limit is 65536"},
		{"many headers past net/http's limit", "GET /v1/search?q=a HTTP/1.1\r\nHost: x\r\n" + strings.Repeat(filler(1000), 1100) + "\r\n",
			http.StatusRequestHeaderFieldsTooLarge, "headers_too_large", "the limit is 65536"},
		{"headers past the API's limit", "GET /v1/search?q=a HTTP/1.1\r\nHost: x\r\n" + filler(100<<10) + "\r\n",
			http.StatusRequestHeaderFieldsTooLarge, "headers_too_large", "the limit is 65536"},
		{"not HTTP", "HELLO\r\n\r\n", http.StatusBadRequest, "bad_request", "not valid HTTP/1.1"},
		{"no Host header", "GET /v1/search?q=a HTTP/1.1\r\n\r\n", http.StatusBadRequest, "bad_request", "missing required Host header"},
		{"unknown transfer encoding", "POST /v1/articles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
			http.StatusNotImplemented, "not_implemented", "transfer encoding"},
		{"unknown HTTP version", "GET /v1/search?q=a HTTP/9.9\r\nHost: x\r\n\r\n", http.StatusHTTPVersionNotSupported, "http_version_not_supported", "HTTP version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, raw := rawRequest(t, addr, tc.request)
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatalf("status %d, body %q (%s): not the JSON error shape: %v", resp.StatusCode, raw, resp.Header.Get("Content-Type"), err)
			}
			if resp.StatusCode != tc.status || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.message) {
				t.Errorf("got %d %s %q, want %d %s with %q", resp.StatusCode, e.Error.Code, e.Error.Message, tc.status, tc.code, tc.message)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
		})
	}
	// The rewrite touches nothing else.
	resp, raw := rawRequest(t, addr, "GET /v1/search?q=%E6%96%B0%E9%97%BB HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	var ok struct {
		Hits []json.RawMessage `json:"hits"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &ok) != nil || ok.Hits == nil {
		t.Errorf("a good search: %d %q", resp.StatusCode, raw)
	}
}

// rawRequest writes req on a new connection, while reading the answer:
// a server refusing headers stops reading them, and a client that only
// wrote could block on a full socket.
func rawRequest(t *testing.T, addr, req string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A failure guard only: a server that never answers fails here
	// instead of at go test's -timeout.
	_ = c.SetDeadline(time.Now().Add(2 * time.Minute))
	go func() { _, _ = io.WriteString(c, req) }()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return resp, raw
}
