package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/pinyin"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// newPinyin returns the pinyin suggester and fills it in the background
// (reading the archive's words takes seconds on a large index, and the
// server need not wait): the archive's words ranked by how many articles
// use them, and the newsroom dictionary's words.
func newPinyin(ctx context.Context, ix *index.Index, seg *tokenizer.Segmenter, log *slog.Logger) *pinyin.Index {
	surnames, err := tokenizer.Surnames(10)
	if err != nil {
		log.Warn("no surname table: names are read like other words", "err", err)
	}
	py := pinyin.New(pinyin.Options{
		IsName:   func(w string) bool { return seg.Pos(w) == tokenizer.PosPersonName },
		Surnames: surnames,
	})
	go func() {
		start := time.Now()
		if err := ix.WordCounts(ctx, func(w string, n uint64) { py.Add(w, float64(n)) }); err != nil {
			log.Warn("reading the archive's words for pinyin suggestions", "err", err)
		}
		if dict, err := ix.Dictionary(ctx); err == nil {
			for _, w := range dict.Words {
				py.Add(w.Word, 1)
			}
		}
		log.Info("pinyin suggestions ready", "words", py.Len(), "took", time.Since(start).Round(time.Millisecond))
	}()
	return py
}
