package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/index"
)

// Durability is what a Store may also tell about making writes durable
// (index.Index does): /readyz reports a full disk, /metrics the failed
// persists.
type Durability interface {
	// Health is nil while writes can be made durable, an error wrapping
	// index.ErrDiskFull while the disk is full.
	Health(ctx context.Context) error
	PersistStats() index.PersistStats
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	if why := s.panics.cause(); why != "" {
		return &apiError{http.StatusServiceUnavailable, "not_ready", "not ready: " + why}
	}
	if s.durability != nil {
		if err := s.durability.Health(c.Request().Context()); err != nil {
			if errors.Is(err, index.ErrDiskFull) {
				return &apiError{http.StatusServiceUnavailable, "disk_full",
					"not ready: disk full: writes answer 507 and store nothing until space is freed; searches are served"}
			}
			return &apiError{http.StatusServiceUnavailable, "not_ready",
				"not ready: writes cannot be made durable and store nothing; searches are served"}
		}
	}
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(c.Request().Context()); err != nil {
			return &apiError{http.StatusServiceUnavailable, "not_ready", "not ready: " + err.Error()}
		}
	}
	st, err := s.cfg.Backend.Stats(c.Request().Context())
	if err != nil {
		return &apiError{http.StatusServiceUnavailable, "not_ready", "the index is not ready"}
	}
	body := map[string]any{"status": "ready", "articles": st.Articles, "paragraphs": st.Paragraphs}
	if s.cfg.Replication != nil {
		body["replication"] = s.cfg.Replication()
	}
	return c.JSON(http.StatusOK, body)
}

// Panics.
//
// A panic in a handler is a bug or a damaged index (bleve reads its
// segments without bounds checks: a corrupt one panics with "slice bounds
// out of range" in every search that touches it). Answering each with a
// 500 and going on would keep a broken server in rotation, so the first
// panic marks the server not ready for good: /readyz answers 503 with its
// cause until a restart (which verifies the index, index.Verify). Each
// distinct cause is logged once, with its stack; every panic is counted
// (zhsearch_panics_total).

// maxPanicCauses bounds the distinct causes remembered for logging.
const maxPanicCauses = 64

// panicState is what the server knows of the panics it recovered.
type panicState struct {
	mu     sync.Mutex
	first  string          // the first panic's cause and route; "" if none
	logged map[string]bool // causes already logged
}

// cause is why the server is not ready after a panic, or "".
func (p *panicState) cause() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.first
}

// record notes a panic and reports whether its cause is new (to be logged).
func (p *panicState) record(cause, method, route string) (first, log bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.first == "" {
		first = true
		p.first = fmt.Sprintf("a request (%s %s) panicked: %s; the index may be damaged: stop the server and run zhsearch verify --data DIR",
			method, route, cause)
	}
	if p.logged == nil {
		p.logged = map[string]bool{}
	}
	if p.logged[cause] || len(p.logged) >= maxPanicCauses {
		return first, false
	}
	p.logged[cause] = true
	return first, true
}

// recoverMiddleware turns a panic into a 500 in the error shape, marks the
// server not ready and logs the cause once. http.ErrAbortHandler is let
// through: net/http uses it to abort a response on purpose.
func (s *Server) recoverMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			cause := fmt.Sprint(p)
			route := s.routeLabel(c.Path())
			first, log := s.panics.record(cause, c.Request().Method, route)
			s.metrics.panics.Inc()
			if log {
				s.cfg.Logger.Error("a request panicked; the server is marked not ready",
					"method", c.Request().Method, "route", route, "panic", cause, "first", first,
					"stack", string(debug.Stack()))
			}
			err = &apiError{http.StatusInternalServerError, "internal", "internal error"}
		}()
		return next(c)
	}
}
