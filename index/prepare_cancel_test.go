package index

import (
	"context"
	"errors"
	"testing"

	"github.com/zhsearch/zhsearch/article"
)

// TestCancelledWriteStoresNothing checks that a write whose context ends
// after its articles were analysed, before the batch is written, stores
// none of them: a write is all or nothing.
func TestCancelledWriteStoresNothing(t *testing.T) {
	ix := openMem(t)
	arts := []*article.Article{
		{ID: "c1", Title: "二七经开区", Paragraphs: []article.Paragraph{{Text: "二七经开区位居全省第六名。"}}},
		{ID: "c2", Title: "开发区", Paragraphs: []article.Paragraph{{Text: "先进制造业开发区。"}}},
	}
	ctx, cancel := context.WithCancel(t.Context())
	p, err := ix.Prepare(ctx, arts...)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := ix.Write(ctx, p); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write after cancel: %v, want context.Canceled", err)
	}
	if err := ix.Put(ctx, arts...); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put after cancel: %v, want context.Canceled", err)
	}
	for _, a := range arts {
		if _, err := ix.Get(t.Context(), a.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("article %s after a cancelled write: %v, want not found", a.ID, err)
		}
	}
}
