package api

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// TransportErrors wraps the listener an http.Server serving this API
// accepts on, so that the answers net/http writes by itself, before any
// handler runs, come in the API's JSON error shape like every other
// refusal: 431 for a request line and headers past the server's
// MaxHeaderBytes (TransportHeaderBytes), 400 for a request that is not
// HTTP/1.1 (a bad request line, no Host header), 501 for a transfer
// encoding it does not know, 505 for an unknown HTTP version. net/http
// has no hook for these: it writes each as one plain-text answer
// straight to the connection and closes it, so the wrapped connection
// recognises that answer (its fixed header block, which no answer of a
// handler has: those carry a Date and the API's own headers) and writes
// the JSON one in its place. Every other write goes through untouched.
// apiLimit is the API's own header limit (Config.MaxHeaderBytes, 0 for
// DefaultMaxHeaderBytes), named in the 431's message.
//
// Should net/http change its wording, the plain answer goes out as it
// was; TestTransportErrorsJSON (cmd/zhsearch) fails on it.
func TransportErrors(ln net.Listener, apiLimit int) net.Listener {
	if apiLimit <= 0 {
		apiLimit = DefaultMaxHeaderBytes
	}
	return &jsonErrorListener{Listener: ln, apiLimit: apiLimit}
}

type jsonErrorListener struct {
	net.Listener
	apiLimit int
}

func (l *jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c, apiLimit: l.apiLimit}, nil
}

// jsonErrorConn is an accepted connection whose pre-handler plain-text
// answers are rewritten (TransportErrors).
type jsonErrorConn struct {
	net.Conn
	apiLimit int
}

// plainAnswer is what net/http's conn.serve writes for a request it
// cannot read (Go 1.26 net/http/server.go, the errorHeaders constant):
// the status line, two fixed headers, then a one-line text.
var plainAnswer = regexp.MustCompile(`^HTTP/1\.1 ([45]\d\d) ([^\r\n]*)\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n([^\r\n]*)$`)

func (c *jsonErrorConn) Write(p []byte) (int, error) {
	if len(p) < 512 && plainAnswer.Match(p) {
		if _, err := c.Conn.Write(jsonAnswer(p, c.apiLimit)); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// jsonAnswer is the JSON answer in place of the plain one p.
func jsonAnswer(p []byte, apiLimit int) []byte {
	m := plainAnswer.FindSubmatch(p)
	status, _ := strconv.Atoi(string(m[1]))
	// The status line may carry net/http's reason: "400 Bad Request:
	// missing required Host header".
	reason := ""
	if _, r, ok := strings.Cut(string(m[2]), ": "); ok {
		reason = r
	}
	var body Error
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		body = Error{Code: "headers_too_large", Message: "the request line and headers take more than " +
			strconv.Itoa(TransportHeaderBytes) + " bytes; the limit is " + strconv.Itoa(apiLimit)}
	case http.StatusNotImplemented:
		body = Error{Code: "not_implemented", Message: "unsupported transfer encoding: send the body with Content-Length or Transfer-Encoding: chunked"}
	case http.StatusHTTPVersionNotSupported:
		body = Error{Code: "http_version_not_supported", Message: "unsupported HTTP version: use HTTP/1.1"}
	default:
		body = Error{Code: codeForStatus(status), Message: "the request is not valid HTTP/1.1"}
		if reason != "" {
			body.Message += ": " + reason
		}
	}
	raw, _ := json.Marshal(errorBody{Error: body})
	raw = append(raw, '\n')
	head := "HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n" +
		"Content-Type: application/json\r\n" +
		"Content-Length: " + strconv.Itoa(len(raw)) + "\r\n" +
		"X-Content-Type-Options: nosniff\r\n" +
		"Connection: close\r\n\r\n"
	return append([]byte(head), raw...)
}

// ReadFrom keeps net/http's sendfile path for static files.
func (c *jsonErrorConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// CloseWrite keeps net/http's half-close after a 431, which lets the
// client read the answer before the connection is reset.
func (c *jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
