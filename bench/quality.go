package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SearchParams are the protocol's search: a match with AND on the body
// (body: scopes the query as typed to the body text; zhsearch matches
// every word of it), articles, top 10, one highlighted snippet.
func SearchParams(q string) url.Values {
	scoped := "body:" + q
	if strings.ContainsAny(q, " \t\u3000") {
		scoped = "body:(" + q + ")"
	}
	return url.Values{"q": {scoped}, "size": {"10"}, "snippets": {"1"}}
}

// KindQuality is how well one kind of query finds its source article.
type KindQuality struct {
	Queries int `json:"queries"`
	// InTop10 and InAll are the fractions of queries whose source article
	// is among the first 10 hits / among all hits.
	InTop10 float64 `json:"in_top10"`
	InAll   float64 `json:"in_all"`
	// Marked is the fraction of top-10 hits with a <mark> in a snippet.
	Marked float64 `json:"marked"`
	// MedianTotal is the median number of hits of a query.
	MedianTotal uint64 `json:"median_total"`
	// Missed lists (up to 10) queries whose source was not found at all.
	Missed []Query `json:"missed,omitempty"`
}

// Quality scores every query against a running server. "Among all hits"
// uses the search API's id filter when the server has one (the query AND
// id=source has a hit); otherwise it pages through the hits 100 at a
// time, up to the API's 10,000-hit paging limit, and says so in Method.
type Quality struct {
	Method    string                 `json:"method"`
	Kinds     map[string]KindQuality `json:"kinds"`
	Truncated int                    `json:"truncated,omitempty"` // paging stopped at the limit
}

// hasIDFilter reports whether the server filters hits by id=: a query
// that has hits must have none with an id that does not exist.
func hasIDFilter(ctx context.Context, s *Server, c *http.Client, q string) (bool, error) {
	p := SearchParams(q)
	p.Set("id", "zhsearch-bench-no-such-article")
	r, err := s.Search(ctx, c, p)
	if err != nil {
		return false, err
	}
	return r.Total == 0, nil
}

// MeasureQuality runs each query once for its top 10 and once more to
// learn whether its source is among all hits.
func MeasureQuality(ctx context.Context, s *Server, queries []Query) (*Quality, error) {
	c := &http.Client{Timeout: 60 * time.Second}
	out := &Quality{Kinds: map[string]KindQuality{}}
	idFilter, err := hasIDFilter(ctx, s, c, queries[0].Text)
	if err != nil {
		return nil, err
	}
	out.Method = "id filter: q AND id=source"
	if !idFilter {
		out.Method = "paging through hits, 100 a page, up to 10000"
	}
	type acc struct {
		n, top, all, hits, marked int
		totals                    []uint64
		missed                    []Query
	}
	accs := map[string]*acc{}
	for _, q := range queries {
		a := accs[q.Kind]
		if a == nil {
			a = &acc{}
			accs[q.Kind] = a
		}
		a.n++
		r, err := s.Search(ctx, c, SearchParams(q.Text))
		if err != nil {
			return nil, err
		}
		a.totals = append(a.totals, r.Total)
		inTop := false
		for _, h := range r.Hits {
			a.hits++
			if h.ID == q.Source {
				inTop = true
			}
			if len(h.Snippets) > 0 && strings.Contains(strings.Join(h.Snippets, ""), "<mark>") {
				a.marked++
			}
		}
		inAll := inTop
		if !inAll {
			if idFilter {
				p := SearchParams(q.Text)
				p.Set("id", q.Source)
				p.Set("size", "1")
				r, err := s.Search(ctx, c, p)
				if err != nil {
					return nil, err
				}
				inAll = r.Total > 0
			} else {
				var truncated bool
				inAll, truncated, err = pageFor(ctx, s, c, q, r.Total)
				if err != nil {
					return nil, err
				}
				if truncated {
					out.Truncated++
				}
			}
		}
		if inTop {
			a.top++
		}
		if inAll {
			a.all++
		} else if len(a.missed) < 10 {
			a.missed = append(a.missed, q)
		}
	}
	for kind, a := range accs {
		k := KindQuality{Queries: a.n, InTop10: float64(a.top) / float64(a.n), InAll: float64(a.all) / float64(a.n), Missed: a.missed}
		if a.hits > 0 {
			k.Marked = float64(a.marked) / float64(a.hits)
		}
		k.MedianTotal = medianU64(a.totals)
		out.Kinds[kind] = k
	}
	return out, nil
}

// pageFor looks for q's source among its hits past the first page.
func pageFor(ctx context.Context, s *Server, c *http.Client, q Query, total uint64) (found, truncated bool, err error) {
	const size, limit = 100, 10000
	for page := 1; uint64((page-1)*size) < total; page++ {
		if page*size > limit {
			return false, true, nil
		}
		p := SearchParams(q.Text)
		p.Set("size", strconv.Itoa(size))
		p.Set("page", strconv.Itoa(page))
		p.Set("snippets", "1")
		r, err := s.Search(ctx, c, p)
		if err != nil {
			return false, false, fmt.Errorf("paging %q: %w", q.Text, err)
		}
		for _, h := range r.Hits {
			if h.ID == q.Source {
				return true, false, nil
			}
		}
		if len(r.Hits) == 0 {
			break
		}
	}
	return false, false, nil
}

func medianU64(v []uint64) uint64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
