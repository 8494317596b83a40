package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/replica"
	"github.com/zhsearch/zhsearch/synonym"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// replication is a running replica: the node, and the embedded NATS
// server when --nats-embedded runs one.
type replication struct {
	node *replica.Node
	emb  *replica.Embedded
}

// startReplication starts the embedded NATS server (if asked) and the
// replica node over ix; nil when neither --replicate nor --nats-embedded
// is set (single-node mode).
func startReplication(ctx context.Context, cfg *Config, ix *index.Index, syn replica.SynonymList, alerts replica.AlertList, lease *replica.WebhookLease, log *slog.Logger) (*replication, error) {
	if len(cfg.Replicate) == 0 && !cfg.NATSEmbedded {
		return nil, nil
	}
	r := &replication{}
	urls := cfg.Replicate
	replicas := cfg.StreamReplicas
	if cfg.NATSEmbedded {
		store := ""
		if cfg.Data != "" {
			store = filepath.Join(cfg.Data, "nats")
		}
		name := cfg.NATSName
		if name == "" {
			_, port, _ := net.SplitHostPort(cfg.NATSListen)
			name = "zhsearch-" + port
		}
		log.Info("starting the embedded NATS server", "listen", cfg.NATSListen, "name", name, "store", store)
		emb, err := replica.RunEmbedded(ctx, replica.EmbeddedOptions{
			Name: name, Listen: cfg.NATSListen, StoreDir: store,
			ClusterName: "zhsearch", ClusterListen: cfg.NATSClusterListen, Routes: cfg.NATSRoutes,
			Logger: log,
		})
		if err != nil {
			return nil, fmt.Errorf("--nats-embedded: %w", err)
		}
		r.emb = emb
		if len(urls) == 0 {
			urls = []string{emb.ClientURL()}
		}
		if cfg.NATSClusterListen == "" && replicas > 1 {
			log.Info("the embedded NATS server runs alone: the stream keeps 1 copy", "stream_replicas", 1)
			replicas = 1
		}
		log.Info("embedded NATS server running", "url", emb.ClientURL(), "name", name, "store", store)
	}
	node, err := replica.Open(ctx, ix, replica.Options{
		URLs: urls, Replicas: replicas, MaxLag: uint64(cfg.MaxLag), PublishTimeout: cfg.PublishTimeout, Synonyms: syn, Alerts: alerts, Lease: lease, Logger: log,
	})
	if err != nil {
		r.stop()
		return nil, err
	}
	r.node = node
	log.Info("replicating through NATS JetStream", "nats", urls, "stream", replica.DefaultStream, "stream_replicas", replicas, "max_lag", cfg.MaxLag)
	return r, nil
}

// stop closes the node, then the embedded server.
func (r *replication) stop() {
	if r.node != nil {
		_ = r.node.Close()
	}
	if r.emb != nil {
		r.emb.Shutdown()
	}
}

// background does through the stream what a single node does at start:
// publish the newsroom dictionary (--dict), the rules of the --synonyms
// file the stream's list lacks (synRules) and, into an empty stream, the
// seed page. It retries while the stream has no quorum, so a node starts
// serving reads without waiting for it; every node publishing the same
// words or seed articles is harmless (the last version of each is kept).
func (r *replication) background(ctx context.Context, cfg *Config, ix *index.Index, synRules []synonym.Rule, log *slog.Logger) {
	try := func(what string, f func() error) {
		for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
			err := f()
			if err == nil || ctx.Err() != nil {
				return
			}
			if errors.Is(err, synonym.ErrBadRule) {
				log.Error("replication: "+what+" failed", "err", err)
				return
			}
			log.Warn("replication: "+what+" failed; retrying", "err", err, "in", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
	if cfg.Dict != "" {
		try("publishing the newsroom dictionary", func() error { return loadDictFile(ctx, r.node, cfg.Dict, log) })
	}
	if len(synRules) > 0 {
		try("publishing the --synonyms file", func() error {
			set, added, err := r.node.Synonyms().Add(ctx, synRules)
			if err == nil {
				log.Info("synonyms published", "synonyms", cfg.Synonyms, "rules", len(synRules), "new", added, "total", set.Len())
			}
			return err
		})
	}
	if cfg.Seed && ix.Created() {
		try("seeding", func() error {
			empty, err := r.node.StreamEmpty(ctx)
			if err != nil || !empty {
				return err
			}
			arts, err := seedArticles()
			if err != nil {
				return err
			}
			log.Info("the stream is empty: publishing the seed page", "articles", len(arts))
			return r.node.Put(ctx, arts...)
		})
	}
}

// wordAdder takes newsroom words: the index, or a replica that publishes
// them to its peers.
type wordAdder interface {
	AddWords(ctx context.Context, words ...tokenizer.Word) (index.AddResult, error)
}

var (
	_ wordAdder = (*index.Index)(nil)
	_ wordAdder = (*replica.Node)(nil)
)

// seedArticles are the articles of the embedded seed pages.
func seedArticles() ([]*article.Article, error) {
	var arts []*article.Article
	err := seedPages(func(page []*article.Article) error {
		arts = append(arts, page...)
		return nil
	})
	return arts, err
}
