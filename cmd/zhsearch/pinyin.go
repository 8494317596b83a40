package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/pinyin"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// lazyPinyin is the pinyin suggester the API sees: it suggests nothing
// until the background build has finished, so that the server starts
// listening without waiting for it.
type lazyPinyin struct{ ix atomic.Pointer[pinyin.Index] }

func (l *lazyPinyin) Suggest(input string, n int) []pinyin.Suggestion {
	if ix := l.ix.Load(); ix != nil {
		return ix.Suggest(input, n)
	}
	return nil
}

// newPinyin returns the pinyin suggester and builds it in the background
// (the surname table and the archive's words take seconds on a large
// index): the archive's words ranked by how many articles use them, and
// the newsroom dictionary's words.
func newPinyin(ctx context.Context, ix *index.Index, seg *tokenizer.Segmenter, log *slog.Logger) *lazyPinyin {
	l := &lazyPinyin{}
	go func() {
		start := time.Now()
		surnames, err := tokenizer.Surnames(10)
		if err != nil {
			log.Warn("no surname table: names are read like other words", "err", err)
		}
		py := pinyin.New(pinyin.Options{
			IsName:   func(w string) bool { return seg.Pos(w) == tokenizer.PosPersonName },
			Surnames: surnames,
		})
		if err := ix.WordCounts(ctx, func(w string, n uint64) { py.Add(w, float64(n)) }); err != nil {
			log.Warn("reading the archive's words for pinyin suggestions", "err", err)
			return
		}
		if dict, err := ix.Dictionary(ctx); err == nil {
			for _, w := range dict.Words {
				py.Add(w.Word, 1)
			}
		}
		l.ix.Store(py)
		log.Info("pinyin suggestions ready", "words", py.Len(), "took", time.Since(start).Round(time.Millisecond))
	}()
	return l
}
