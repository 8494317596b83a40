package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/query"
)

// Defaults of the limits, used when a Config field is zero.
const (
	DefaultMaxBodyBytes          = 64 << 20
	DefaultMaxQueryLen           = query.MaxRunes // the parser's limit: an operator may lower it, never raise it
	DefaultRequestTimeout        = 10 * time.Second
	DefaultMaxConcurrentSearches = 16
)

// ContentSecurityPolicy is sent with every answer. The web page and the
// widget load scripts and styles only from files of this origin: no inline
// script, no eval. frame-ancestors is widened by the CORS origins, so a
// newsroom that may call the API may also frame the page.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"

// access is who may call a route.
type access int

const (
	accessOpen  access = iota // health, metrics, the OpenAPI document, the web page
	accessRead                // the read API: open unless read keys are set
	accessWrite               // writes and admin: API key, or loopback when no key is set
)

// accessOf classifies a route by method and path: any method that changes
// state, and everything under /v1/admin, is a write; the rest of /v1 reads.
func accessOf(method, path string) access {
	if !strings.HasPrefix(path, "/v1/") {
		return accessOpen
	}
	if strings.HasPrefix(path, "/v1/admin") {
		return accessWrite
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return accessRead
	}
	return accessWrite
}

// searchRoutes are the routes whose cost is a search: they share the pool
// of concurrent searches.
var searchRoutes = map[string]bool{
	"/v1/search":               true,
	"/v1/suggest":              true,
	"/v1/articles/:id/related": true,
	"/v1/analyze":              true,
	"/v1/export":               true,
}

// keySet holds digests of keys, compared in constant time.
type keySet [][sha256.Size]byte

func newKeySet(keys []string) keySet {
	var ks keySet
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" {
			ks = append(ks, sha256.Sum256([]byte(k)))
		}
	}
	return ks
}

// has reports whether key is one of the set. Every key is compared, and
// the comparison is on fixed-length digests, so neither the position of a
// match nor the length of a key shows in the time taken.
func (ks keySet) has(key string) bool {
	d := sha256.Sum256([]byte(key))
	found := 0
	for i := range ks {
		found |= subtle.ConstantTimeCompare(d[:], ks[i][:])
	}
	return found == 1
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get(echo.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// isLoopback reports whether the TCP peer is on this machine. It reads the
// connection's address, never a forwarding header a client could forge.
func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func unauthorized(c echo.Context, msg string) error {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="zhsearch"`)
	return &apiError{http.StatusUnauthorized, "unauthorized", msg}
}

// authMiddleware enforces the access rules of accessOf.
func (s *Server) authMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		path := c.Path()
		if path == "" { // no route matched: judge by the URL, so auth comes before a 404
			path = req.URL.Path
		}
		switch accessOf(req.Method, path) {
		case accessWrite:
			if len(s.apiKeys) == 0 {
				if !isLoopback(req.RemoteAddr) {
					return &apiError{http.StatusForbidden, "forbidden",
						"writes are accepted only from this machine while no API key is configured (set ZHSEARCH_API_KEY)"}
				}
				return next(c)
			}
			key, ok := bearer(req)
			switch {
			case !ok:
				return unauthorized(c, "this endpoint needs an API key: send Authorization: Bearer <key>")
			case s.apiKeys.has(key):
				return next(c)
			case s.readKeys.has(key):
				return &apiError{http.StatusForbidden, "forbidden", "this key may read but not write"}
			default:
				return unauthorized(c, "the API key is not valid")
			}
		case accessRead:
			if len(s.readKeys) == 0 {
				return next(c)
			}
			key, ok := bearer(req)
			switch {
			case !ok:
				return unauthorized(c, "this endpoint needs a read key: send Authorization: Bearer <key>")
			case s.readKeys.has(key), s.apiKeys.has(key):
				return next(c)
			default:
				return unauthorized(c, "the key is not valid")
			}
		}
		return next(c)
	}
}

// limitMiddleware checks the query length and the page size before a
// search-like handler runs, so they all share the same limits.
func (s *Server) limitMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !searchRoutes[c.Path()] {
			return next(c)
		}
		for _, name := range []string{"q", "text", "prefix"} {
			if n := utf8.RuneCountInString(c.QueryParam(name)); n > s.cfg.MaxQueryLen {
				return &apiError{http.StatusBadRequest, "query_too_long",
					name + ": " + strconv.Itoa(n) + " characters; the limit is " + strconv.Itoa(s.cfg.MaxQueryLen)}
			}
		}
		// Only a limit the operator lowered is checked here; the index
		// answers sizes past its own maximum in the same words.
		if v := c.QueryParam("size"); v != "" && s.cfg.MaxSize < index.MaxSize && c.Path() == "/v1/search" {
			if n, err := strconv.Atoi(v); err == nil && n > s.cfg.MaxSize {
				return &apiError{http.StatusBadRequest, "invalid_query", "size must be between 1 and " + strconv.Itoa(s.cfg.MaxSize)}
			}
		}
		return next(c)
	}
}

// searchQueueWait is how long a search waits for a free slot before it
// is refused: long enough to smooth a burst, far shorter than a timeout.
const searchQueueWait = 250 * time.Millisecond

// searchLimitMiddleware bounds the searches running at once. A search over
// the limit may wait briefly for a slot, in a queue as long as the limit
// itself; past that wait, or with the queue full, it is refused with 503
// and Retry-After. A queue without bound only turns overload into
// timeouts and memory.
func (s *Server) searchLimitMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !searchRoutes[c.Path()] {
			return next(c)
		}
		run := func() error {
			defer func() { <-s.searchSlots }()
			return next(c)
		}
		select {
		case s.searchSlots <- struct{}{}:
			return run()
		default:
		}
		select {
		case s.searchQueue <- struct{}{}:
		default:
			return s.overloaded(c)
		}
		timer := time.NewTimer(s.queueWait)
		defer timer.Stop()
		select {
		case s.searchSlots <- struct{}{}:
			<-s.searchQueue
			return run()
		case <-timer.C:
			<-s.searchQueue
			return s.overloaded(c)
		case <-c.Request().Context().Done():
			<-s.searchQueue
			return c.Request().Context().Err()
		}
	}
}

func (s *Server) overloaded(c echo.Context) error {
	s.metrics.rejected.Inc()
	c.Response().Header().Set("Retry-After", "1")
	return &apiError{http.StatusServiceUnavailable, "overloaded",
		"too many searches at once (limit " + strconv.Itoa(cap(s.searchSlots)) + "); retry in a second"}
}

// timeoutMiddleware gives every read of /v1 a deadline; the backend passes
// the context down into bleve's SearchInContext, which stops at it. Writes
// are left to the server's write timeout: cutting a bulk import short
// halfway would store part of it.
func (s *Server) timeoutMiddleware() echo.MiddlewareFunc {
	return middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{
		Timeout: s.cfg.RequestTimeout,
		// An export streams for as long as it has hits; each of its pages
		// has the search deadline instead (export.go). A stream of alert
		// matches lasts until the client leaves (alerts.go).
		Skipper: func(c echo.Context) bool {
			return accessOf(c.Request().Method, c.Path()) != accessRead || c.Path() == "/v1/export" || c.Path() == "/v1/alerts/stream"
		},
		ErrorHandler: func(err error, c echo.Context) error {
			if errors.Is(err, context.DeadlineExceeded) {
				return &apiError{http.StatusServiceUnavailable, "timeout",
					"the request took longer than " + s.cfg.RequestTimeout.String() + "; narrow the query"}
			}
			return err
		},
	})
}

// securityHeaders sets the headers that keep the web page and the API
// answers from being sniffed, framed by strangers or leaking referrers.
func (s *Server) securityHeaders() echo.MiddlewareFunc {
	csp := ContentSecurityPolicy + "; frame-ancestors 'self'"
	xfo := "SAMEORIGIN"
	for _, o := range s.cfg.CORSOrigins {
		if o == "*" {
			csp = ContentSecurityPolicy + "; frame-ancestors *"
			xfo = ""
			break
		}
		csp += " " + o
		xfo = "" // X-Frame-Options cannot list origins; CSP frame-ancestors does
	}
	return middleware.SecureWithConfig(middleware.SecureConfig{
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         xfo,
		ContentSecurityPolicy: csp,
		ReferrerPolicy:        "strict-origin-when-cross-origin",
	})
}

// corsMiddleware answers preflights and sets CORS headers for the origins
// the operator listed; with none, CORS stays off and browsers on other
// origins cannot read the API.
func (s *Server) corsMiddleware() echo.MiddlewareFunc {
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  s.cfg.CORSOrigins,
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete},
		AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, echo.HeaderXRequestID},
		ExposeHeaders: []string{echo.HeaderXRequestID, "Retry-After"},
		MaxAge:        600,
	})
}

// requestLogger logs one line a request and records its metrics. It logs
// the route, never the query string, a header or a body, so neither keys
// nor readers' queries reach the log.
func (s *Server) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		HandleError:     true,
		LogLatency:      true,
		LogMethod:       true,
		LogURIPath:      true,
		LogRoutePath:    true,
		LogRequestID:    true,
		LogStatus:       true,
		LogRemoteIP:     true,
		LogError:        true,
		LogValuesFunc:   s.logRequest,
		LogResponseSize: true,
	})
}

func (s *Server) logRequest(c echo.Context, v middleware.RequestLoggerValues) error {
	route := s.routeLabel(v.RoutePath)
	s.metrics.observe(v.Method, route, v.Status, v.Latency)
	level := slog.LevelInfo
	if v.Status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("request_id", v.RequestID),
		slog.String("method", v.Method),
		slog.String("route", route),
		slog.String("path", v.URIPath),
		slog.Int("status", v.Status),
		slog.Float64("latency_ms", float64(v.Latency.Microseconds())/1000),
		slog.Int64("bytes_out", v.ResponseSize),
		slog.String("remote_ip", v.RemoteIP),
	}
	s.cfg.Logger.LogAttrs(c.Request().Context(), level, "request", attrs...)
	return nil
}

// routeLabel names a request's route for logs and metrics: the route
// pattern, or "unmatched" so that scanners cannot blow up label counts.
func (s *Server) routeLabel(path string) string {
	s.routesOnce.Do(func() {
		s.routes = map[string]bool{}
		for _, r := range s.echo.Routes() {
			s.routes[r.Path] = true
		}
	})
	if s.routes[path] {
		return path
	}
	return "unmatched"
}

// validRequestID drops a client's X-Request-Id longer than 128 characters
// or with a character outside [A-Za-z0-9._-], so that the request-id
// middleware after it gives the request a fresh one: the id is echoed in
// the answer and written to the log, where a hostile one could forge
// lines or bloat them.
func validRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if id := h.Get(echo.HeaderXRequestID); id != "" && !goodRequestID(id) {
			h.Del(echo.HeaderXRequestID)
		}
		return next(c)
	}
}

func goodRequestID(id string) bool {
	if len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
