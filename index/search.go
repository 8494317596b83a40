package index

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/zhsearch/zhsearch/query"
)

// Search runs a request under ctx; the search stops when ctx is done.
func (ix *Index) Search(ctx context.Context, r Request) (*Result, error) {
	start := time.Now()
	if err := r.normalize(); err != nil {
		return nil, err
	}
	tree, err := query.Parse(r.Query)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
	}
	typed, spelled := pinyinTexts(tree, r.Pinyin)
	tree, syn, expanded := synonymGroups(typed, r.Synonyms, r.SynonymPhrases)
	q, plan, err := compileSearch(ix.seg, r.Type, typed, tree, syn)
	if err != nil {
		return nil, err
	}
	var out *Result
	if r.Type == TypeParagraph {
		out, err = ix.paragraphs(ctx, q, tree, &r, plan)
	} else {
		out, err = ix.run(ctx, q, &r, plan)
	}
	if err != nil {
		return nil, err
	}
	out.Synonyms = expanded
	out.Pinyin = spelled
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// withFilters adds a request's filters to a compiled query.
func (ix *Index) withFilters(q bq.Query, r *Request) (bq.Query, error) {
	fs, err := ix.filters(r)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return q, nil
	}
	return bleve.NewConjunctionQuery(append([]bq.Query{q}, fs...)...), nil
}

// run searches q (an article query, already compiled, without filters)
// for r and builds the page of hits.
func (ix *Index) run(ctx context.Context, q bq.Query, r *Request, hl *highlightPlan) (*Result, error) {
	full, err := ix.withFilters(q, r)
	if err != nil {
		return nil, err
	}
	out := &Result{Query: r.Query, Type: r.Type, Page: r.Page, Size: r.Size, Sort: r.Sort}
	var matches []*search.DocumentMatch
	var facets search.FacetResults
	// Term locations are only needed to explain hits: marks come from the
	// query's texts (a query without texts has nothing to mark).
	locs := r.Explain
	if r.Collapse == CollapseStory { // one hit per story (stories.go)
		matches, out.Total, facets, err = ix.stories(ctx, full, r, locs)
	} else if r.Boost != "" {
		matches, out.Total, facets, err = ix.reranked(ctx, full, r, locs)
	} else {
		matches, out.Total, facets, out.NextCursor, err = ix.sorted(ctx, full, r, locs)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, ErrInvalidQuery) {
			return nil, err
		}
		return nil, fmt.Errorf("searching: %w", err)
	}
	out.Facets = facetValues(facets, r.Facets)
	out.Hits = make([]Hit, 0, len(matches))
	for _, h := range matches {
		hit, err := ix.buildHit(h, r, hl)
		if errors.Is(err, ErrNotFound) { // deleted between search and fetch
			continue
		}
		if err != nil {
			return nil, err
		}
		hit.Duplicates, hit.DuplicateIDs = storyDuplicates(h) // collapse=story (stories.go)
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

func addFacets(req *bleve.SearchRequest, names []string) {
	for _, f := range names {
		size := FacetSize
		if f == "month" {
			size = 120
		}
		req.AddFacet(f, bleve.NewFacetRequest(facetFields[f], size))
	}
}

// facetValues turns bleve's facets into the API's shape: values by count
// (months newest first), every asked facet present even when empty.
func facetValues(res search.FacetResults, names []string) map[string][]FacetValue {
	if len(names) == 0 {
		return nil
	}
	out := make(map[string][]FacetValue, len(names))
	for _, name := range names {
		vals := []FacetValue{}
		if fr := res[name]; fr != nil && fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				if t.Term != "" {
					vals = append(vals, FacetValue{Value: t.Term, Count: t.Count})
				}
			}
		}
		if name == "month" {
			sort.SliceStable(vals, func(i, j int) bool { return vals[i].Value > vals[j].Value })
		}
		out[name] = vals
	}
	return out
}
