package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/synonym"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// openSynonyms opens the synonym list kept in the data directory (in
// memory without one), its words fed to the index's dictionary, and adds
// the rules of the --synonyms file that it does not hold yet.
//
// Replicated, the list is the stream's: it is kept in memory and in the
// index (package replica loads it from there and applies the stream's
// lists to it), a synonyms.txt left by single-node mode is not read, and
// the --synonyms file is only parsed here (a bad file stops start-up);
// its rules are returned to be published through the stream
// (replication.background), so that every node holds the same list.
func openSynonyms(ctx context.Context, cfg *Config, ix *index.Index, replicated bool, log *slog.Logger) (*synonym.Store, []synonym.Rule, error) {
	dir := cfg.Data
	if replicated {
		dir = ""
		if cfg.Data != "" {
			if _, err := os.Stat(filepath.Join(cfg.Data, synonym.FileName)); err == nil {
				log.Warn("replicated: the synonym list is the stream's; the file of single-node mode is not read (publish it with PUT /v1/synonyms or --synonyms)", "file", filepath.Join(cfg.Data, synonym.FileName))
			}
		}
	}
	st, err := synonym.OpenStore(ctx, synonym.StoreOptions{
		Dir: dir,
		AddWords: func(ctx context.Context, words []string) error {
			ws := make([]tokenizer.Word, len(words))
			for i, w := range words {
				ws[i] = tokenizer.Word{Word: w}
			}
			_, err := ix.AddWords(ctx, ws...)
			return err
		},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("synonyms: %w", err)
	}
	if cfg.Synonyms == "" {
		return st, nil, nil
	}
	f, err := openRegularFile(cfg.Synonyms)
	if err != nil {
		return nil, nil, fmt.Errorf("--synonyms: %w", err)
	}
	defer f.Close()
	rules, err := synonym.Parse(f, cfg.Synonyms)
	if err != nil {
		return nil, nil, fmt.Errorf("--synonyms: %w", err)
	}
	if _, err := synonym.NewSet(rules); err != nil {
		return nil, nil, fmt.Errorf("--synonyms %s: %w", cfg.Synonyms, err)
	}
	if len(rules) == 0 {
		log.Warn("the synonym file holds no rules", "synonyms", cfg.Synonyms)
		return st, nil, nil
	}
	if replicated {
		return st, rules, nil
	}
	set, added, err := st.Add(ctx, rules)
	if err != nil {
		return nil, nil, fmt.Errorf("--synonyms %s: %w", cfg.Synonyms, err)
	}
	log.Info("synonyms loaded", "synonyms", cfg.Synonyms, "rules", len(rules), "new", added, "total", set.Len())
	return st, nil, nil
}
