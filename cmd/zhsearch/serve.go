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
	"strconv"
	"strings"
	"time"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/seeds"
	"github.com/zhsearch/zhsearch/tokenizer"
	"github.com/zhsearch/zhsearch/web"
)

// config is everything the server is told at start-up.
type config struct {
	Listen string
	Data   string // index directory; "" keeps the index in memory
	Seed   bool   // seed a new index with the embedded pages
	Dict   string // newsroom dictionary file, "" for none
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("zhsearch serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Listen, "listen", envOr(getenv, "ZHSEARCH_LISTEN", "127.0.0.1:8080"), "address to serve HTTP on (env ZHSEARCH_LISTEN)")
	fs.StringVar(&cfg.Data, "data", getenv("ZHSEARCH_DATA"), "directory of a persistent index, opened or created; empty: in memory (env ZHSEARCH_DATA)")
	seed, err := envBool(getenv, "ZHSEARCH_SEED", true)
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch serve: %v\n", err)
		return 2
	}
	fs.BoolVar(&cfg.Seed, "seed", seed, "index the embedded seed page into a new index (env ZHSEARCH_SEED)")
	fs.StringVar(&cfg.Dict, "dict", envOr(getenv, "ZHSEARCH_DICT", ""), "newsroom dictionary file, one `word [freq [pos]]` a line (env ZHSEARCH_DICT)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := serveWith(ctx, cfg, log); err != nil {
		log.Error("zhsearch stopped", "err", err)
		return 1
	}
	return 0
}

// envBool reads a boolean environment variable; def when unset.
func envBool(getenv func(string) string, name string, def bool) (bool, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want true or false", name, v)
	}
	return b, nil
}

// seedIndex indexes the embedded newspaper pages.
func seedIndex(ctx context.Context, ix *index.Index) error {
	for _, p := range seeds.Pages() {
		page, err := article.ParsePage(strings.NewReader(p.Text), article.PageMeta{Source: "seed", Page: p.Name})
		if err != nil {
			return fmt.Errorf("seed page %s: %w", p.Name, err)
		}
		arts := make([]*article.Article, len(page.Articles))
		for i := range page.Articles {
			arts[i] = &page.Articles[i]
		}
		if err := ix.Put(ctx, arts...); err != nil {
			return fmt.Errorf("seed page %s: %w", p.Name, err)
		}
	}
	return nil
}

func serveWith(ctx context.Context, cfg config, log *slog.Logger) error {
	start := time.Now()
	if _, err := tokenizer.Shared(); err != nil {
		return err
	}
	ix, err := index.Open(index.Options{Path: cfg.Data})
	if err != nil {
		return err
	}
	defer ix.Close()
	if err := loadDictFile(ctx, ix, cfg.Dict, log); err != nil {
		return err
	}
	if ix.Created() && cfg.Seed {
		if err := seedIndex(ctx, ix); err != nil {
			return err
		}
	}
	stats, err := ix.Stats(ctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           api.New(api.Config{Backend: ix, Store: ix, Logger: log, Web: web.New(web.Options{Modified: start})}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	log.Info(fmt.Sprintf("zhsearch listening on http://%s serving %d articles, %d paragraphs", ln.Addr(), stats.Articles, stats.Paragraphs),
		"addr", ln.Addr().String(), "data", dataDesc(cfg.Data), "articles", stats.Articles, "paragraphs", stats.Paragraphs, "startup", time.Since(start).Round(time.Millisecond))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// dataDesc says where the index lives, for the start-up log.
func dataDesc(dir string) string {
	if dir == "" {
		return "memory"
	}
	return dir
}
