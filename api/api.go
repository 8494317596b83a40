// Package api serves zhsearch's versioned JSON API over HTTP with echo.
//
// It talks to the search backend only through the Backend interface it
// declares, so it can be tested without an index and knows nothing of how
// articles are stored. Every error answers in one shape:
//
//	{"error": {"code": "invalid_query", "message": "…"}}
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

// Backend is what the API needs from the search index.
type Backend interface {
	Search(ctx context.Context, r index.Request) (*index.Result, error)
	Get(ctx context.Context, id string) (*article.Article, error)
	Stats(ctx context.Context) (index.Stats, error)
}

// Config configures the API server.
type Config struct {
	Backend Backend
	Logger  *slog.Logger
}

// Server is the HTTP API.
type Server struct {
	cfg  Config
	echo *echo.Echo
}

// New builds the API's routes and middleware.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	s := &Server{cfg: cfg, echo: e}
	e.HTTPErrorHandler = s.handleError
	e.JSONSerializer = jsonSerializer{}

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	v1 := e.Group("/v1")
	v1.GET("/search", s.search)
	v1.GET("/articles/:id", s.getArticle)
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Error is the body of every error answer.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type errorBody struct {
	Error Error `json:"error"`
}

// apiError is an error with a status and a machine-readable code.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badParam(name, msg string) error {
	return &apiError{http.StatusBadRequest, "invalid_parameter", name + ": " + msg}
}

// handleError is the one place errors become status codes.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := http.StatusInternalServerError, Error{Code: "internal", Message: "internal error"}
	var ae *apiError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
		status, body = ae.status, Error{Code: ae.code, Message: ae.msg}
	case errors.Is(err, index.ErrInvalidQuery):
		status, body = http.StatusBadRequest, Error{Code: "invalid_query", Message: err.Error()}
	case errors.Is(err, index.ErrNotFound):
		status, body = http.StatusNotFound, Error{Code: "not_found", Message: err.Error()}
	case errors.Is(err, context.DeadlineExceeded):
		status, body = http.StatusServiceUnavailable, Error{Code: "timeout", Message: "the search took too long; narrow the query"}
	case errors.Is(err, context.Canceled):
		status, body = 499, Error{Code: "canceled", Message: "the request was canceled"}
	case errors.As(err, &he):
		status = he.Code
		body = Error{Code: codeForStatus(he.Code), Message: http.StatusText(he.Code)}
		if m, ok := he.Message.(string); ok && he.Code < 500 {
			body.Message = m
		}
	}
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.cfg.Logger.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, errorBody{Error: body})
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	}
	if status < 500 {
		return "bad_request"
	}
	return "internal"
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	st, err := s.cfg.Backend.Stats(c.Request().Context())
	if err != nil {
		return &apiError{http.StatusServiceUnavailable, "not_ready", "the index is not ready"}
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "articles": st.Articles, "paragraphs": st.Paragraphs})
}

// intParam reads an optional integer query parameter.
func intParam(c echo.Context, name string) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badParam(name, "must be a whole number")
	}
	return n, nil
}

func (s *Server) search(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	if q == "" {
		return &apiError{http.StatusBadRequest, "missing_query", "q: the query is missing or empty; pass ?q=words"}
	}
	req := index.Request{Query: q, Type: c.QueryParam("type")}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &req.Page}, {"size", &req.Size}, {"snippet_len", &req.SnippetLen}, {"snippets", &req.Snippets}} {
		n, err := intParam(c, p.name)
		if err != nil {
			return err
		}
		*p.dst = n
	}
	res, err := s.cfg.Backend.Search(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) getArticle(c echo.Context) error {
	a, err := s.cfg.Backend.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

// jsonSerializer writes JSON without escaping <, > and & as \u003c…: the
// snippets' <mark> tags stay readable, and JSON needs no such escaping.
type jsonSerializer struct{}

func (jsonSerializer) Serialize(c echo.Context, i any, indent string) error {
	enc := json.NewEncoder(c.Response())
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	return enc.Encode(i)
}

func (jsonSerializer) Deserialize(c echo.Context, i any) error {
	dec := json.NewDecoder(c.Request().Body)
	if err := dec.Decode(i); err != nil {
		return &apiError{http.StatusBadRequest, "invalid_json", "the body is not valid JSON: " + err.Error()}
	}
	return nil
}
