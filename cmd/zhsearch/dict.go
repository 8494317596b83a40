package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// loadDictFile adds the words of a newsroom dictionary file (--dict) to the
// index's segmenter before anything is indexed. Words the index does not
// yet know start a background re-index of the articles containing them.
func loadDictFile(ctx context.Context, ix wordAdder, path string, log *slog.Logger) error {
	if path == "" {
		return nil
	}
	f, err := tokenizer.OpenWordsFile(path)
	if err != nil {
		return fmt.Errorf("--dict: %w", err)
	}
	defer f.Close()
	words, err := tokenizer.ReadWords(f, path)
	if err != nil {
		return fmt.Errorf("--dict: %w", err)
	}
	if len(words) == 0 {
		log.Warn("the newsroom dictionary holds no words", "dict", path)
		return nil
	}
	res, err := ix.AddWords(ctx, words...)
	if err != nil {
		return fmt.Errorf("--dict %s: %w", path, err)
	}
	log.Info("newsroom dictionary loaded", "dict", path, "words", len(words), "new", res.Added)
	return nil
}
