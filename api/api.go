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
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

// Backend is what the API needs from the search index.
type Backend interface {
	Search(ctx context.Context, r index.Request) (*index.Result, error)
	Get(ctx context.Context, id string) (*article.Article, error)
	Stats(ctx context.Context) (index.Stats, error)
	Suggest(ctx context.Context, prefix string, n int) ([]string, error)
	Related(ctx context.Context, id string, n int) (*index.Result, error)
}

// Pages is a web front end served beside the API (package web): a
// handler and the URL patterns, in echo syntax, it answers.
type Pages interface {
	http.Handler
	Routes() []string
}

// Config configures the API server.
type Config struct {
	Backend Backend
	Logger  *slog.Logger

	// Store, when set, enables the write endpoints and the article listing.
	Store Store
	// WriteMiddleware runs on every write endpoint (e.g. authentication).
	WriteMiddleware []echo.MiddlewareFunc
	// MaxArticleBytes and MaxRequestBytes bound writes; 0 means
	// DefaultMaxArticleBytes and DefaultMaxRequestBytes.
	MaxArticleBytes int
	MaxRequestBytes int64
	// SearchTimeout bounds every search, suggestion and related query;
	// zero is DefaultSearchTimeout.
	SearchTimeout time.Duration
	// Web, when set, is mounted on its routes (GET and HEAD).
	Web Pages
}

// DefaultSearchTimeout is the deadline of a search when none is configured.
const DefaultSearchTimeout = 5 * time.Second

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
	if cfg.SearchTimeout <= 0 {
		cfg.SearchTimeout = DefaultSearchTimeout
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
	// write: the group of write endpoints, the ones auth protects.
	write := v1.Group("")
	if cfg.Store != nil {
		s.writeRoutes(v1, write)
	}
	s.dictionaryRoutes(v1, write)
	s.analyzeRoutes(v1)
	v1.GET("/articles/:id/related", s.related)
	v1.GET("/suggest", s.suggest)
	if cfg.Web != nil {
		h := echo.WrapHandler(cfg.Web)
		for _, r := range cfg.Web.Routes() {
			e.GET(r, h)
			e.HEAD(r, h)
		}
	}
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }
