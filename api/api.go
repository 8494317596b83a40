// Package api serves zhsearch's versioned JSON API over HTTP with echo.
//
// It talks to what it serves only through interfaces it declares (Backend,
// and Store, Synonyms, Alerts and the others Config takes; a Backend that
// also implements AnalyzeBackend, DictionaryBackend or another of the kind
// gets its endpoints), in package index's request and result types, so it
// can be tested with fakes and knows nothing of how articles are stored.
// Every error answers in one shape:
//
//	{"error": {"code": "invalid_query", "message": "…"}}
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/pinyin"
	"github.com/zhsearch/zhsearch/query"
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

// Config configures the API server. Zero limits take the Default values.
type Config struct {
	Backend Backend
	Logger  *slog.Logger

	// Store, when set, enables the write endpoints and the article listing.
	Store Store
	// Snapshots, when set, enables POST /v1/admin/snapshot (admin.go).
	Snapshots Snapshotter
	// Synonyms, when set, enables /v1/synonyms (synonyms.go).
	Synonyms Synonyms
	// Pinyin, when set, adds pinyin suggestions to /v1/suggest and, to a
	// pinyin query that found nothing, the word it spells (did_you_mean).
	Pinyin Pinyin
	// Location is the newsroom's zone, for relative dates (since=-7d,
	// today); nil is Asia/Shanghai.
	Location *time.Location
	// Now is the clock relative dates count from; nil is time.Now.
	Now func() time.Time
	// MaxExport bounds the hits one GET /v1/export streams; zero is
	// DefaultMaxExport.
	MaxExport int
	// WriteMiddleware runs on every write endpoint after the built-in
	// guard, which is not this: authMiddleware (middleware.go) lets a
	// request write by its method and path (accessOf) when it carries one
	// of APIKeys, or comes from loopback when there is none. This adds to
	// that guard (an audit log, a stricter rule), never replaces it; the
	// zhsearch command sets none.
	WriteMiddleware []echo.MiddlewareFunc
	// MaxArticleBytes and MaxRequestBytes bound writes; 0 means
	// DefaultMaxArticleBytes and DefaultMaxRequestBytes.
	MaxArticleBytes int
	MaxRequestBytes int64
	// WriteDeadline bounds each write to the index: one article, a page,
	// or one batch of an NDJSON stream (write.go). A write past it stores
	// nothing and answers 503; zero is DefaultWriteDeadline.
	WriteDeadline time.Duration
	// SearchTimeout bounds every search, suggestion and related query;
	// zero is DefaultSearchTimeout, the same as DefaultRequestTimeout.
	SearchTimeout time.Duration
	// APIKeys may write (articles, pages, dictionary, admin). With none,
	// writes are accepted only from loopback clients.
	APIKeys []string
	// ReadKeys, when set, are required (as are APIKeys) to read /v1.
	ReadKeys []string
	// CORSOrigins are the browser origins allowed to call the API ("*" for
	// any); empty leaves CORS off.
	CORSOrigins []string

	MaxBodyBytes          int64         // request body limit
	MaxHeaderBytes        int           // request line and headers; 0 is DefaultMaxHeaderBytes (headers.go)
	MaxQueryLen           int           // characters in q (and text, prefix); at most query.MaxRunes
	MaxSize               int           // hits per page
	RequestTimeout        time.Duration // deadline of every /v1 request
	MaxConcurrentSearches int           // searches running at once; more get 503

	// Version is reported by /metrics (zhsearch_build_info).
	Version string
	// Ready, if set, is checked by /readyz besides the index.
	Ready func(ctx context.Context) error
	// Replication, if set, is a JSON-encodable status /readyz reports as
	// "replication" (a replica's applied sequence and lag).
	Replication func() any
	// Dictionary, when set, serves the dictionary endpoints instead of a
	// Backend that implements DictionaryBackend (a replica publishes
	// added words to its peers).
	Dictionary DictionaryBackend
	// Collectors are extra metrics to serve on /metrics (index size on
	// disk, dictionary size…), registered on the server's own registry.
	Collectors []prometheus.Collector
	// Web, when set, is mounted on its routes (GET and HEAD).
	Web Pages
	// Alerts, when set, enables /v1/alerts (alerts.go).
	Alerts Alerts
}

// servesPaths is what Pages may also tell: whether it has a file at a
// URL path (web.Site does).
type servesPaths interface {
	Serves(path string) bool
}

// Pinyin suggests Chinese words for text typed in pinyin (pinyin.Index).
type Pinyin interface {
	Suggest(input string, n int) []pinyin.Suggestion
}

// DefaultSearchTimeout is the deadline of a search when none is
// configured: the request's own (--request-timeout), one deadline.
const DefaultSearchTimeout = DefaultRequestTimeout

// Server is the HTTP API.
type Server struct {
	cfg         Config
	echo        *echo.Echo
	apiKeys     keySet
	readKeys    keySet
	metrics     *metrics
	routesOnce  sync.Once
	routes      map[string]bool // route patterns, for metric labels
	searchSlots chan struct{}   // a token a running search
	searchQueue chan struct{}   // a token a search waiting for a slot
	queueWait   time.Duration   // how long a search may wait in the queue
	panics      panicState      // panics recovered (health.go)
	durability  Durability      // the Store's, if it tells (health.go)
}

// New builds the API's routes and middleware.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SearchTimeout <= 0 {
		cfg.SearchTimeout = DefaultSearchTimeout
	}
	if cfg.WriteDeadline <= 0 {
		cfg.WriteDeadline = DefaultWriteDeadline
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if cfg.MaxQueryLen <= 0 || cfg.MaxQueryLen > query.MaxRunes {
		cfg.MaxQueryLen = DefaultMaxQueryLen
	}
	if cfg.MaxSize <= 0 || cfg.MaxSize > index.MaxSize {
		cfg.MaxSize = index.MaxSize
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxConcurrentSearches <= 0 {
		cfg.MaxConcurrentSearches = DefaultMaxConcurrentSearches
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.Location == nil {
		if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
			cfg.Location = loc
		} else {
			cfg.Location = time.FixedZone("CST", 8*3600)
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxExport <= 0 {
		cfg.MaxExport = DefaultMaxExport
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// The client's address is the TCP peer's: forwarding headers are not
	// trusted, so the loopback rule for writes cannot be forged.
	e.IPExtractor = echo.ExtractIPDirect()
	s := &Server{
		cfg: cfg, echo: e,
		apiKeys: newKeySet(cfg.APIKeys), readKeys: newKeySet(cfg.ReadKeys),
		searchSlots: make(chan struct{}, cfg.MaxConcurrentSearches),
		searchQueue: make(chan struct{}, cfg.MaxConcurrentSearches),
		queueWait:   searchQueueWait,
	}
	s.durability, _ = cfg.Store.(Durability)
	s.metrics = newMetrics(s)
	if s.cfg.Store != nil {
		s.cfg.Store = countingStore{Store: s.cfg.Store, m: s.metrics}
	}
	e.HTTPErrorHandler = s.handleError
	e.JSONSerializer = jsonSerializer{}
	e.Pre(validQuery)    // hostile.go
	e.Pre(s.headerLimit) // headers.go

	// Outermost first: an id for the request, one log line and the metrics
	// of its final status, panics turned into 500s, headers every answer
	// carries, CORS (preflights answered before auth), then auth and limits.
	e.Use(validRequestID, middleware.RequestID())
	e.Use(s.requestLogger())
	e.Use(s.metrics.countInFlight)
	e.Use(s.recoverMiddleware) // health.go
	e.Use(s.securityHeaders())
	if len(cfg.CORSOrigins) > 0 {
		e.Use(s.corsMiddleware())
	}
	e.Use(s.authMiddleware)
	e.Use(middleware.BodyLimit(strconv.FormatInt(cfg.MaxBodyBytes, 10)))
	e.Use(s.limitMiddleware)
	e.Use(s.timeoutMiddleware())
	e.Use(s.searchLimitMiddleware)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler())
	e.GET("/openapi.json", s.openAPI)
	v1 := e.Group("/v1")
	v1.GET("/search", s.search)
	v1.GET("/articles/:id", s.getArticle)
	// write: the group of write endpoints, the ones auth protects.
	write := v1.Group("")
	if cfg.Store != nil {
		s.writeRoutes(v1, write)
	}
	s.dictionaryRoutes(v1, write)
	s.synonymRoutes(v1, write)
	s.analyzeRoutes(v1)
	s.examplesRoutes(v1)
	if cfg.Snapshots != nil {
		s.adminRoutes(write)
	}
	if cfg.Alerts != nil {
		s.alertRoutes(v1, write)
	}
	v1.GET("/articles/:id/related", s.related)
	s.entitiesRoutes(v1)
	s.duplicatesRoutes(v1)
	v1.GET("/suggest", s.suggest)
	v1.GET("/export", s.export)
	if cfg.Web != nil {
		h := echo.WrapHandler(cfg.Web)
		if sv, ok := cfg.Web.(servesPaths); ok {
			// An unknown file answers in the API's error shape, as any
			// other unknown path does.
			wrapped := h
			h = func(c echo.Context) error {
				if !sv.Serves(c.Request().URL.Path) {
					return echo.ErrNotFound
				}
				return wrapped(c)
			}
		}
		for _, r := range cfg.Web.Routes() {
			e.GET(r, h)
			e.HEAD(r, h)
		}
	}
	return s
}

// Routes lists the method and path of every route, for documentation
// checks.
func (s *Server) Routes() [][2]string {
	var out [][2]string
	for _, r := range s.echo.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		out = append(out, [2]string{r.Method, r.Path})
	}
	return out
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }
