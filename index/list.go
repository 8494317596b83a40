package index

import (
	"context"
	"errors"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"

	"github.com/zhsearch/zhsearch/article"
)

// Limits of a listing page.
const (
	DefaultListSize = 20
	MaxListSize     = 100
	// MaxListWindow bounds page×size: deep paging costs bleve memory
	// proportional to the offset.
	MaxListWindow = 10000
)

// Listing is one page of stored articles, newest first.
type Listing struct {
	Total    uint64             `json:"total"`
	Page     int                `json:"page"`
	Size     int                `json:"size"`
	Articles []*article.Article `json:"articles"`
}

// List returns page (1-based) of the stored articles, newest
// published_at first; articles without a date come last, ties by id.
// page and size of 0 take the defaults; others out of range are
// ErrInvalidQuery.
func (ix *Index) List(ctx context.Context, page, size int) (*Listing, error) {
	if page == 0 {
		page = 1
	}
	if size == 0 {
		size = DefaultListSize
	}
	switch {
	case page < 1:
		return nil, fmt.Errorf("%w: page must be 1 or more", ErrInvalidQuery)
	case size < 1 || size > MaxListSize:
		return nil, fmt.Errorf("%w: size must be between 1 and %d", ErrInvalidQuery, MaxListSize)
	case page*size > MaxListWindow:
		return nil, fmt.Errorf("%w: page×size must not exceed %d", ErrInvalidQuery, MaxListWindow)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), size, (page-1)*size, false)
	req.SortByCustom(search.SortOrder{
		&search.SortField{Field: fieldPublished, Desc: true, Type: search.SortFieldAsDate, Missing: search.SortFieldMissingLast},
		&search.SortDocID{},
	})
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("listing articles: %w", err)
	}
	l := &Listing{Total: res.Total, Page: page, Size: size, Articles: make([]*article.Article, 0, len(res.Hits))}
	for _, h := range res.Hits {
		a, err := ix.get(h.ID)
		if errors.Is(err, ErrNotFound) { // deleted since the search
			continue
		}
		if err != nil {
			return nil, err
		}
		l.Articles = append(l.Articles, a)
	}
	return l, nil
}
