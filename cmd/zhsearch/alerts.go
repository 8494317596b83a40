package main

import (
	"context"
	"log/slog"
	"path/filepath"

	"github.com/zhsearch/zhsearch/alert"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/synonym"
)

// alertsFile is where the alerts live inside a data directory.
func alertsFile(data string) string { return filepath.Join(data, "alerts.db") }

// openAlerts opens the saved searches of the data directory (a temporary
// file for an index in memory) and makes every write of ix match them.
// An import (noDeliver) records matches and webhook deliveries; the
// server delivers them when it starts.
func openAlerts(ctx context.Context, cfg *Config, ix *index.Index, syn *synonym.Store, noDeliver bool, coord alert.Coordinator, log *slog.Logger) (*alert.Service, error) {
	path := ""
	if cfg.Data != "" {
		path = alertsFile(cfg.Data)
	}
	opts := alert.Options{Path: path, Index: ix, Location: cfg.Timezone, AllowHosts: cfg.AlertHosts, NoDeliver: noDeliver, Coordinator: coord, Logger: log}
	if syn != nil {
		opts.Synonyms = func() index.Expander {
			if set := syn.Current(); set != nil {
				return set
			}
			return nil
		}
	}
	s, err := alert.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	ix.SetWriteHook(s.Written)
	return s, nil
}
