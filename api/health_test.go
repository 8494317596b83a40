package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/index"
)

// panickingBackend's searches panic the way bleve does on a damaged
// segment.
type panickingBackend struct{ fakeBackend }

func (p *panickingBackend) Search(ctx context.Context, r index.Request) (*index.Result, error) {
	var b []byte
	_ = b[:len(r.Query)+10] // slice bounds out of range, as zap's on a damaged segment
	return nil, nil
}

// TestPanicMarksNotReady: a search that panics answers 500 in the error
// shape; the server logs the cause once, counts every panic, and /readyz
// answers 503 naming the cause from then on, while other routes still
// answer.
func TestPanicMarksNotReady(t *testing.T) {
	s, logs := newTestServer(t, Config{Backend: &panickingBackend{}})
	if rec := doReq(s, http.MethodGet, "/readyz", "127.0.0.1:1", "", nil); rec.Code != http.StatusOK {
		t.Fatalf("readyz before any panic: %d %s", rec.Code, rec.Body)
	}
	for range 3 {
		rec := doReq(s, http.MethodGet, "/v1/search?q=x", "127.0.0.1:1", "", nil)
		if rec.Code != http.StatusInternalServerError || errorCode(t, rec) != "internal" {
			t.Fatalf("panicking search: %d %s", rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "slice bounds") {
			t.Errorf("the panic leaked to the client: %s", rec.Body)
		}
	}
	rec := doReq(s, http.MethodGet, "/readyz", "127.0.0.1:1", "", nil)
	if rec.Code != http.StatusServiceUnavailable || errorCode(t, rec) != "not_ready" ||
		!strings.Contains(rec.Body.String(), "slice bounds out of range") || !strings.Contains(rec.Body.String(), "/v1/search") {
		t.Errorf("readyz after a panic: %d %s", rec.Code, rec.Body)
	}
	if n := strings.Count(logs.String(), "a request panicked"); n != 1 {
		t.Errorf("the cause was logged %d times, want once:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("the log lacks the stack:\n%s", logs)
	}
	if rec := doReq(s, http.MethodGet, "/healthz", "127.0.0.1:1", "", nil); rec.Code != http.StatusOK {
		t.Errorf("healthz after a panic: %d", rec.Code)
	}
	metrics := doReq(s, http.MethodGet, "/metrics", "127.0.0.1:1", "", nil).Body.String()
	if !strings.Contains(metrics, "zhsearch_panics_total 3") {
		t.Errorf("metrics do not count 3 panics:\n%s", grepLines(metrics, "panic"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
