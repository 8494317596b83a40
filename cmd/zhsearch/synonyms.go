package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/synonym"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// openSynonyms opens the synonym list kept in the data directory (in
// memory without one), its words fed to the index's dictionary, and adds
// the rules of the --synonyms file that it does not hold yet.
func openSynonyms(ctx context.Context, cfg *Config, ix *index.Index, log *slog.Logger) (*synonym.Store, error) {
	st, err := synonym.OpenStore(ctx, synonym.StoreOptions{
		Dir: cfg.Data,
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
		return nil, fmt.Errorf("synonyms: %w", err)
	}
	if cfg.Synonyms == "" {
		return st, nil
	}
	f, err := os.Open(cfg.Synonyms)
	if err != nil {
		return nil, fmt.Errorf("--synonyms: %w", err)
	}
	defer f.Close()
	rules, err := synonym.Parse(f, cfg.Synonyms)
	if err != nil {
		return nil, fmt.Errorf("--synonyms: %w", err)
	}
	if len(rules) == 0 {
		log.Warn("the synonym file holds no rules", "synonyms", cfg.Synonyms)
		return st, nil
	}
	set, added, err := st.Add(ctx, rules)
	if err != nil {
		return nil, fmt.Errorf("--synonyms %s: %w", cfg.Synonyms, err)
	}
	log.Info("synonyms loaded", "synonyms", cfg.Synonyms, "rules", len(rules), "new", added, "total", set.Len())
	return st, nil
}
