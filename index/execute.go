package index

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
)

// sorted runs a plain page: by page number or after a cursor.
func (ix *Index) sorted(ctx context.Context, full bq.Query, r *Request, locs bool) ([]*search.DocumentMatch, uint64, search.FacetResults, string, error) {
	order := sortOrder(r.Sort)
	seen := (r.Page - 1) * r.Size
	var after *cursor
	if r.Cursor != "" {
		c, err := decodeCursor(r.Cursor, r)
		if err != nil {
			return nil, 0, nil, "", err
		}
		after, seen = &c, c.Seen
	}
	var res *bleve.SearchResult
	var err error
	if r.Sort == SortRelevance && after == nil {
		res, err = ix.byScore(ctx, full, r, tieSlack)
		if err != nil {
			return nil, 0, nil, "", err
		}
	}
	if res == nil {
		if res, err = ix.byOrder(ctx, full, r, order, after); err != nil {
			return nil, 0, nil, "", err
		}
	}
	if err := ix.loadStored(res.Hits); err != nil {
		return nil, 0, nil, "", err
	}
	if locs {
		if err := ix.locate(ctx, full, res.Hits); err != nil {
			return nil, 0, nil, "", err
		}
	}
	next := ""
	if n := len(res.Hits); n == r.Size && uint64(seen+n) < res.Total {
		last := res.Hits[n-1]
		c := cursor{Sort: r.Sort, Type: r.Type, Seen: seen + n, After: make([][]byte, len(order))}
		for i, o := range order {
			switch o {
			case "-_score", "_score":
				c.After[i] = []byte(strconv.FormatFloat(last.Score, 'g', -1, 64))
			case "_id":
				c.After[i] = []byte(last.ID)
			default:
				c.After[i] = []byte(last.Sort[i])
			}
		}
		next = encodeCursor(c)
	}
	return res.Hits, res.Total, res.Facets, next, nil
}

// tieSlack is how many hits byScore reads on each side of the page: ties
// with the page's first or last score must end within them for byScore to
// answer. Relevance ties are common in broad searches (equal counts in
// articles of equal length: 网消 ties 2-9 articles at a time among the
// 73,739 articles of xwlb that hold it), and each fallback to byOrder
// reads every candidate's id: 网消 took 40-60 ms with one hit of slack
// and falls back no more with 32.
const tieSlack = 32

// byScore serves a page in relevance order without the _id tie-break
// that byOrder sorts by: bleve then skips reading every candidate's id
// (18 % of the CPU of the protocol's queries on all of xwlb, 37 % of a
// broad query's). It asks for slack hits more on each side of the page:
// when the hits that tie with the page's first or last score reach the
// edge of that window, the tie-break decides which of them the page holds
// and they may go on beyond it, so it returns nil and byOrder answers.
// Otherwise every hit that ties with the page's edges is in the window,
// and sorting the window by score and id puts the page's hits where
// byOrder does, so that pages and cursors agree either way.
func (ix *Index) byScore(ctx context.Context, full bq.Query, r *Request, slack int) (*bleve.SearchResult, error) {
	from := (r.Page - 1) * r.Size
	lo := max(from-slack, 0)
	want := from - lo + r.Size + slack
	req := bleve.NewSearchRequestOptions(full, want, lo, false)
	req.SortBy([]string{"-_score"})
	addFacets(req, r.Facets)
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	hits := res.Hits
	start := min(from-lo, len(hits))
	end := min(start+r.Size, len(hits))
	if start < end {
		if lo > 0 && hits[0].Score == hits[start].Score {
			return nil, nil // the first score's ties may begin before the window
		}
		if len(hits) == want && hits[len(hits)-1].Score == hits[end-1].Score {
			return nil, nil // the last score's ties may go on after it
		}
	}
	slices.SortStableFunc(hits, func(a, b *search.DocumentMatch) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		return strings.Compare(a.ID, b.ID)
	})
	res.Hits = hits[start:end]
	return res, nil
}

// byOrder serves a page in the order sortOrder gives, from a page number,
// or after the decoded cursor when after is not nil.
func (ix *Index) byOrder(ctx context.Context, full bq.Query, r *Request, order []string, after *cursor) (*bleve.SearchResult, error) {
	req := bleve.NewSearchRequestOptions(full, r.Size, (r.Page-1)*r.Size, false)
	req.SortBy(order)
	addFacets(req, r.Facets)
	if after != nil {
		req.From = 0
		req.SearchAfter = make([]string, len(after.After))
		for i, v := range after.After {
			req.SearchAfter[i] = string(v)
		}
	}
	return ix.bi.SearchInContext(ctx, req)
}

// reranked serves boost=recent: it reads the top of the ranking without
// locations, re-ranks it, cuts the page, then fetches the page's hits
// again with their term locations.
func (ix *Index) reranked(ctx context.Context, full bq.Query, r *Request, locs bool) ([]*search.DocumentMatch, uint64, search.FacetResults, error) {
	window := RescoreWindow
	order := sortOrder(r.Sort)
	if r.Boost != "" {
		order = append(order, fieldPublished)
	}
	window = max(window, r.Page*r.Size)
	req := bleve.NewSearchRequestOptions(full, window, 0, false)
	req.SortBy(order)
	addFacets(req, r.Facets)
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, 0, nil, err
	}
	hits, total := res.Hits, res.Total
	if r.Boost != "" {
		boostRecent(hits, len(order)-1, r.Now)
	}
	from := min((r.Page-1)*r.Size, len(hits))
	page := hits[from:min(from+r.Size, len(hits))]
	if len(page) == 0 {
		return nil, total, res.Facets, nil
	}
	if err := ix.loadStored(page); err != nil {
		return nil, 0, nil, err
	}
	if locs {
		if err := ix.locate(ctx, full, page); err != nil {
			return nil, 0, nil, err
		}
	}
	return page, total, res.Facets, nil
}

// locate adds the term locations (for snippets and highlights) to the hits
// of a page. Asking bleve for locations in the search itself makes it
// merge and keep those of every candidate it scores (40 % of a query's
// allocated bytes in the profile); only the shown hits need them, so they
// are fetched by a second search of the same query restricted to the
// page's ids.
func (ix *Index) locate(ctx context.Context, full bq.Query, page []*search.DocumentMatch) error {
	if len(page) == 0 {
		return nil
	}
	ids := make([]string, len(page))
	for i, h := range page {
		ids[i] = h.ID
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(full, bleve.NewDocIDQuery(ids)), len(ids), 0, false)
	req.IncludeLocations = true
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return err
	}
	located := make(map[string]*search.DocumentMatch, len(res.Hits))
	for _, h := range res.Hits {
		located[h.ID] = h
	}
	for _, h := range page {
		if l := located[h.ID]; l != nil {
			h.Locations = l.Locations
			h.FieldTermLocations = l.FieldTermLocations
		}
	}
	return nil
}

// sortTime decodes a date sort value; the zero time when the document has
// no date.
func sortTime(v string) time.Time {
	ns, err := numeric.PrefixCoded(v).Int64()
	if err != nil {
		return time.Time{}
	}
	t := time.Unix(0, ns)
	if t.Year() < 1800 || t.Year() > 2200 { // the missing-value sentinel
		return time.Time{}
	}
	return t
}

// boostRecent multiplies each hit's relevance by its recency factor (its
// date is sort value at) and orders the hits by the result, best first,
// ties by id; now zero is the time of the call.
func boostRecent(hits []*search.DocumentMatch, at int, now time.Time) {
	if now.IsZero() {
		now = time.Now()
	}
	for _, h := range hits {
		h.Score = recent(h.Score, sortTime(h.Sort[at]), now)
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].ID < hits[j].ID
	})
}
