package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/zhsearch/zhsearch/index"
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
	// In calls of at most index.MaxWordsPerRequest: a file may hold more.
	added := 0
	for from := 0; from < len(words); from += index.MaxWordsPerRequest {
		res, err := ix.AddWords(ctx, words[from:min(from+index.MaxWordsPerRequest, len(words))]...)
		if errors.Is(err, index.ErrDictionaryFull) {
			return fmt.Errorf("--dict %s: %w; raise --max-dict-words (ZHSEARCH_MAX_DICT_WORDS)", path, err)
		}
		if err != nil {
			return fmt.Errorf("--dict %s: %w", path, err)
		}
		added += res.Added
	}
	log.Info("newsroom dictionary loaded", "dict", path, "words", len(words), "new", added)
	return nil
}
