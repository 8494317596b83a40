package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zhsearch/zhsearch/alert"
	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/internal/measure"
	"github.com/zhsearch/zhsearch/replica"
	"github.com/zhsearch/zhsearch/seeds"
	"github.com/zhsearch/zhsearch/synonym"
	"github.com/zhsearch/zhsearch/tokenizer"
	"github.com/zhsearch/zhsearch/web"
)

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, rest, err := parseConfig("zhsearch serve", args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch serve: %v\n", err)
		return 2
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "zhsearch serve: unexpected argument %q\n", rest[0])
		return 2
	}
	log := newLogger(cfg, stderr)
	err = serveWith(ctx, cfg, log)
	if errors.Is(err, errStopped) {
		log.Info("zhsearch stopped by a signal before it served", "err", err)
		return 0
	}
	if err != nil {
		log.Error("zhsearch stopped", "err", err)
		return 1
	}
	return 0
}

// newLogger builds the slog logger the settings ask for.
func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// seedIndex indexes the embedded newspaper pages.
func seedIndex(ctx context.Context, ix *index.Index) error {
	return seedPages(func(arts []*article.Article) error { return ix.Put(ctx, arts...) })
}

// seedPages parses the embedded newspaper pages and hands each page's
// articles to put.
func seedPages(put func([]*article.Article) error) error {
	for _, p := range seeds.Pages() {
		page, err := article.ParsePage(strings.NewReader(p.Text), article.PageMeta{Source: "seed", Page: p.Name})
		if err != nil {
			return fmt.Errorf("seed page %s: %w", p.Name, err)
		}
		arts := make([]*article.Article, len(page.Articles))
		for i := range page.Articles {
			arts[i] = &page.Articles[i]
		}
		if err := put(arts); err != nil {
			return fmt.Errorf("seed page %s: %w", p.Name, err)
		}
	}
	return nil
}

// indexDir is where the bleve index lives inside a data directory, next to
// the lock file.
func indexDir(data string) string { return filepath.Join(data, "index") }

// openIndex opens the index the settings name: in memory, or in the data
// directory under its lock. close flushes and closes the index, then releases the lock.
// log receives what the index does on its own (nil: slog's default).
// locked, if set, runs once the directory is locked, before the
// segmentation dictionary loads: a directory in use fails without it.
func openIndex(ctx context.Context, cfg *Config, log *slog.Logger, locked func()) (ix *index.Index, closeFn func() error, err error) {
	release := func() {}
	path := ""
	if cfg.Data != "" {
		if release, err = lockDataDir(cfg.Data); err != nil {
			return nil, nil, err
		}
		path = indexDir(cfg.Data)
	}
	if locked != nil {
		locked()
	}
	ix, err = index.Open(index.Options{Path: path, Location: cfg.Timezone, CompactIdle: cfg.CompactIdle, Logger: log})
	if err != nil {
		release()
		return nil, nil, err
	}
	closeFn = func() error {
		defer release()
		return ix.Close()
	}
	return ix, closeFn, nil
}

// seedIfNew indexes the seed page into a new index unless --seed=false.
func seedIfNew(ctx context.Context, cfg *Config, ix *index.Index) error {
	if ix.Created() && cfg.Seed {
		return seedIndex(ctx, ix)
	}
	return nil
}

// domainCollectors are the metrics only the program can measure.
func domainCollectors(cfg *Config, seg *tokenizer.Segmenter) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "zhsearch_index_size_bytes",
			Help: "Bytes the index takes on disk (0 for an in-memory index).",
		}, func() float64 {
			if cfg.Data == "" {
				return 0
			}
			n, _ := measure.DirSize(indexDir(cfg.Data))
			return float64(n)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "zhsearch_dictionary_words",
			Help: "Words in the segmentation dictionary, newsroom words included.",
		}, func() float64 { return float64(seg.DictSize()) }),
	}
}

// msgLoadingDictionary is logged when the segmentation dictionary starts
// loading (seconds): the settings and the data directory's lock are
// checked before it, so a mistake fails at once.
const msgLoadingDictionary = "loading the segmentation dictionary"

func serveWith(ctx context.Context, cfg *Config, log *slog.Logger) error {
	start := time.Now()
	// The heap of a search or a write is short-lived garbage: collect it
	// less often (GOGC 300 instead of 100, set once the index is open; a
	// third of the CPU a write spent was the collector's) and let the soft
	// memory limit, unless the operator set GOMEMLIMIT, bring collection
	// back before the heap nears it. Start-up (the dictionary, most of it)
	// runs without collections below that limit: they were a tenth of it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(900 << 20)
	}
	gcOn := sync.OnceFunc(func() {
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(300)
		}
	})
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(-1)
	}
	defer gcOn() // on every early return too
	if err := checkSnapshotDir(cfg); err != nil {
		return err
	}
	if err := checkInputFiles(cfg); err != nil {
		return err
	}
	var (
		ix         *index.Index
		closeIndex func() error
	)
	err := startStep(ctx, "loading the dictionary and opening the index", func() (err error) {
		ix, closeIndex, err = openIndex(ctx, cfg, log, func() { log.Info(msgLoadingDictionary) })
		return err
	}, func() { _ = closeIndex() })
	if err != nil {
		return err
	}
	ix.SetMaxWords(cfg.MaxDictWords)
	seg := ix.Segmenter()
	defer func() {
		if err := closeIndex(); err != nil {
			log.Error("closing the index", "err", err)
		} else {
			log.Info("index flushed and closed")
		}
	}()
	replicated := len(cfg.Replicate) > 0 || cfg.NATSEmbedded
	var (
		syn     *synonym.Store
		synFile []synonym.Rule
	)
	if err := startStep(ctx, "loading the synonyms", func() (err error) {
		syn, synFile, err = openSynonyms(ctx, cfg, ix, replicated, log)
		return err
	}, nil); err != nil {
		return err
	}
	// The alerts open before replication applies any write, so that every
	// write is matched; replicated, one node calls the webhooks (the lease).
	var (
		lease *replica.WebhookLease
		coord alert.Coordinator
	)
	if replicated {
		lease = replica.NewWebhookLease(0, 0)
		coord = lease
	}
	alerts, err := openAlerts(ctx, cfg, ix, syn, false, coord, log)
	if err != nil {
		return err
	}
	defer func() { // before the index closes (deferred earlier), after replication stops
		if err := alerts.Close(); err != nil {
			log.Error("closing the alerts", "err", err)
		}
	}()
	var rep *replication
	if err := startStep(ctx, "starting replication", func() (err error) {
		rep, err = startReplication(ctx, cfg, ix, syn, alerts, lease, log)
		return err
	}, func() {
		if rep != nil {
			rep.stop()
		}
	}); err != nil {
		return err
	}
	if rep != nil {
		defer rep.stop() // before the index closes
		go rep.background(ctx, cfg, ix, synFile, log)
	} else {
		if err := startStep(ctx, "loading --dict", func() error { return loadDictFile(ctx, ix, cfg.Dict, log) }, nil); err != nil {
			return err
		}
		if err := startStep(ctx, "indexing the seed page", func() error { return seedIfNew(ctx, cfg, ix) }, nil); err != nil {
			return err
		}
	}
	var stats index.Stats
	if err := startStep(ctx, "counting the index", func() (err error) {
		stats, err = ix.Stats(ctx)
		return err
	}, nil); err != nil {
		return err
	}
	gcOn()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", cfg.Listen, err)
	}
	apiCfg := api.Config{
		Backend:               ix,
		Store:                 ix,
		MaxRequestBytes:       cfg.MaxBodyBytes,
		Logger:                log,
		APIKeys:               cfg.APIKeys,
		ReadKeys:              cfg.ReadKeys,
		CORSOrigins:           cfg.CORSOrigins,
		MaxBodyBytes:          cfg.MaxBodyBytes,
		MaxQueryLen:           cfg.MaxQueryLen,
		MaxSize:               cfg.MaxSize,
		RequestTimeout:        cfg.RequestTimeout,
		WriteDeadline:         cfg.WriteDeadline,
		SearchTimeout:         cfg.RequestTimeout,
		MaxConcurrentSearches: cfg.MaxConcurrentSearches,
		Version:               version,
		Ready: func(context.Context) error {
			if seg.DictSize() == 0 {
				return errors.New("the dictionary is empty")
			}
			return nil
		},
		Collectors: domainCollectors(cfg, seg),
		Web:        web.New(web.Options{Modified: start}),
		Snapshots:  newSnapshotter(ix, *cfg),
		Synonyms:   syn,
		Pinyin:     newPinyin(ctx, ix, seg, log),
		Location:   cfg.Timezone,
		MaxExport:  cfg.MaxExport,
		Alerts:     alerts,
	}
	if rep != nil {
		// Writes go through the stream; reads stay on the local index.
		apiCfg.Store, apiCfg.Dictionary = rep.node, rep.node
		apiCfg.Synonyms = rep.node.Synonyms()
		apiCfg.Alerts = rep.node.Alerts(alerts)
		apiCfg.Replication = func() any { return rep.node.Status() }
		apiCfg.Collectors = append(apiCfg.Collectors, rep.node.Collectors()...)
		dictReady := apiCfg.Ready
		apiCfg.Ready = func(ctx context.Context) error {
			if err := dictReady(ctx); err != nil {
				return err
			}
			return rep.node.Ready(ctx)
		}
	}
	handler := api.New(apiCfg)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    api.TransportHeaderBytes, // the API answers past its own limit (api.DefaultMaxHeaderBytes) in JSON
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(alerts.StopStreams) // streams of matches end, so that shutdown does not wait for them
	where := "in memory"
	if cfg.Data != "" {
		where = cfg.Data
	}
	log.Info(fmt.Sprintf("zhsearch listening on http://%s serving %d articles, %d paragraphs", ln.Addr(), stats.Articles, stats.Paragraphs),
		"addr", ln.Addr().String(), "articles", stats.Articles, "paragraphs", stats.Paragraphs,
		"index", where, "version", version, "startup", time.Since(start).Round(time.Millisecond))
	// Loading the dictionary left tens of MiB of garbage the runtime would
	// keep for a while: hand it back, once the server answers.
	go debug.FreeOSMemory()
	if len(cfg.APIKeys) == 0 {
		log.Warn("no API key set (ZHSEARCH_API_KEY): write endpoints accept only loopback clients")
	} else {
		log.Info("write endpoints require an API key", "keys", len(cfg.APIKeys))
	}
	if len(cfg.ReadKeys) > 0 {
		log.Info("read endpoints require a read key", "keys", len(cfg.ReadKeys))
	}
	if len(cfg.CORSOrigins) > 0 {
		log.Info("CORS enabled", "origins", strings.Join(cfg.CORSOrigins, ","))
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(api.TransportErrors(ln, apiCfg.MaxHeaderBytes)) }() // net/http's own refusals in JSON too
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "grace", cfg.ShutdownGrace)
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("requests still running after the %s grace period were cut off: %w", cfg.ShutdownGrace, err)
	}
	return nil
}
