package api

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zhsearch/zhsearch/article"
)

// metrics are the server's Prometheus collectors, on a registry of its own
// (no global registry: two servers in one test process stay apart).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	searches *prometheus.CounterVec
	ingest   *prometheus.CounterVec
	rejected prometheus.Counter
	written  *prometheus.CounterVec
	panics   prometheus.Counter
	inFlight prometheus.Gauge
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhsearch_http_requests_total",
		Help: "HTTP requests answered, by method, route pattern and status.",
	}, []string{"method", "route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "zhsearch_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by method, route pattern and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route", "status"})
	m.searches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhsearch_searches_total",
		Help: "Searches (search, suggest, related, analyze) by route and outcome: ok, client_error, rejected, error.",
	}, []string{"route", "outcome"})
	m.ingest = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhsearch_ingest_requests_total",
		Help: "Write requests (articles, pages, dictionary, admin) by method, route and outcome: ok, client_error, error.",
	}, []string{"method", "route", "outcome"})
	m.rejected = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "zhsearch_searches_rejected_total",
		Help: "Searches refused with 503 because the limit of concurrent searches was reached.",
	})
	m.written = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhsearch_articles_written_total",
		Help: "Articles stored (op=put, each with all its paragraphs) or deleted (op=delete) through the API.",
	}, []string{"op"})
	m.panics = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "zhsearch_panics_total",
		Help: "Requests that panicked (answered 500); the first one marks the server not ready.",
	})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "zhsearch_http_requests_in_flight",
		Help: "HTTP requests being served now (this scrape included).",
	})
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "zhsearch_build_info",
		Help:        "Always 1; the labels name the running build.",
		ConstLabels: prometheus.Labels{"version": s.cfg.Version, "goversion": runtime.Version()},
	})
	build.Set(1)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency, m.searches, m.ingest, m.rejected, m.written, m.panics, m.inFlight, build,
		documentsCollector{s: s},
	)
	if d := s.durability; d != nil {
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "zhsearch_persist_failures_total",
				Help: "Failed attempts to persist the index to disk (a full disk; the index retries at once, so they come in runs).",
			}, func() float64 { return float64(d.PersistStats().FailedAttempts) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "zhsearch_writes_not_stored_total",
				Help: "Writes answered 507 (or 500 not_stored) because they could not be persisted; nothing of them was stored.",
			}, func() float64 { return float64(d.PersistStats().UndoneWrites) }),
		)
	}
	for _, c := range s.cfg.Collectors {
		m.reg.MustRegister(c)
	}
	return m
}

func outcome(status int) string {
	switch {
	case status < 400:
		return "ok"
	case status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests:
		return "rejected"
	case status < 500:
		return "client_error"
	}
	return "error"
}

// observe records one answered request.
func (m *metrics) observe(method, route string, status int, latency time.Duration) {
	st := strconv.Itoa(status)
	m.requests.WithLabelValues(method, route, st).Inc()
	m.latency.WithLabelValues(method, route, st).Observe(latency.Seconds())
	switch {
	case searchRoutes[route]:
		m.searches.WithLabelValues(route, outcome(status)).Inc()
	case accessOf(method, route) == accessWrite:
		m.ingest.WithLabelValues(method, route, outcome(status)).Inc()
	}
}

// countInFlight keeps zhsearch_http_requests_in_flight: what a shutdown
// waits for, and what tells an operator requests are piling up.
func (m *metrics) countInFlight(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		return next(c)
	}
}

// documentsCollector reports what the index holds at scrape time.
type documentsCollector struct{ s *Server }

var documentsDesc = prometheus.NewDesc("zhsearch_index_documents",
	"Documents in the index, by type (article, paragraph).", []string{"type"}, nil)

func (documentsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- documentsDesc }

func (d documentsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := d.s.cfg.Backend.Stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(documentsDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(documentsDesc, prometheus.GaugeValue, float64(st.Articles), "article")
	ch <- prometheus.MustNewConstMetric(documentsDesc, prometheus.GaugeValue, float64(st.Paragraphs), "paragraph")
}

func (s *Server) metricsHandler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{
		Registry:          s.metrics.reg,
		EnableOpenMetrics: false,
	}))
}

// countingStore counts the articles the write endpoints store and delete.
type countingStore struct {
	Store
	m *metrics
}

func (cs countingStore) Put(ctx context.Context, arts ...*article.Article) error {
	err := cs.Store.Put(ctx, arts...)
	if err == nil {
		cs.m.written.WithLabelValues("put").Add(float64(len(arts)))
	}
	return err
}

func (cs countingStore) Delete(ctx context.Context, id string) error {
	err := cs.Store.Delete(ctx, id)
	if err == nil {
		cs.m.written.WithLabelValues("delete").Inc()
	}
	return err
}
