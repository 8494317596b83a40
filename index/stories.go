package index

import (
	"context"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
)

// CollapseStory keeps one hit per story: of near-duplicate articles
// (duplicates.go) only the best-ranked, which lists the others.
const CollapseStory = "story"

// StoryWindow is how many best hits collapse=story groups; hits past it
// are not collapsed, and the total counts them as they are. Reading a
// hit's fingerprint costs ~30 µs (a stored field): 300 hits, thirty
// pages of ten, add ~10 ms to a search (docs/duplicates.md).
const StoryWindow = 300

// fieldStoryDuplicates is where stories leaves, in a kept hit's Fields,
// the ids of the hits it stands for (storyDuplicates reads them).
const fieldStoryDuplicates = "_story_duplicates"

// stories runs an article search collapsed by story: it reads the best
// StoryWindow hits in the request's order with their fingerprints, and
// keeps each hit that is not a copy of a hit kept before it. A hit is
// compared with the kept hits it shares an LSH band with, so the cost is
// the window's reading, not its square.
func (ix *Index) stories(ctx context.Context, full bq.Query, r *Request, locs bool) ([]*search.DocumentMatch, uint64, search.FacetResults, error) {
	order := sortOrder(r.Sort)
	if r.Boost != "" {
		order = append(order, fieldPublished)
	}
	window := max(StoryWindow, r.Page*r.Size)
	req := bleve.NewSearchRequestOptions(full, window, 0, false)
	req.SortBy(order)
	req.Fields = []string{fieldFingerprint}
	addFacets(req, r.Facets)
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, 0, nil, err
	}
	hits := res.Hits
	if r.Boost != "" { // as reranked does
		boostRecent(hits, len(order)-1, r.Now)
	}
	kept := groupStories(hits)
	total := uint64(len(kept)) + res.Total - uint64(len(hits))
	from := min((r.Page-1)*r.Size, len(kept))
	page := kept[from:min(from+r.Size, len(kept))]
	if len(page) == 0 {
		return nil, total, res.Facets, nil
	}
	for _, h := range page { // the stored article is read by buildHit
		delete(h.Fields, fieldFingerprint)
	}
	if locs {
		if err := ix.locate(ctx, full, page); err != nil {
			return nil, 0, nil, err
		}
	}
	return page, total, res.Facets, nil
}

// groupStories keeps, of hits in rank order, each one that is no copy of
// a hit kept before it, and records on each kept hit the ids of the
// copies it stands for. A copy joins the best-ranked kept hit it copies.
func groupStories(hits []*search.DocumentMatch) []*search.DocumentMatch {
	type story struct {
		hit *search.DocumentMatch
		rec fpRecord
	}
	var kept []story
	byBand := map[string][]int{} // band key → indexes into kept
	for _, h := range hits {
		raw, _ := h.Fields[fieldFingerprint].(string)
		rec, err := decodeFP([]byte(raw))
		if err != nil { // no fingerprint (no text): a story of its own
			kept = append(kept, story{hit: h})
			continue
		}
		bands := rec.fp.Bands()
		best := -1
		for _, b := range bands {
			for _, k := range byBand[b] {
				if best >= 0 && k >= best {
					continue
				}
				if _, _, ok := kept[k].rec.duplicateOf(&rec); ok {
					best = k
				}
			}
		}
		if best >= 0 {
			head := kept[best].hit
			ids, _ := head.Fields[fieldStoryDuplicates].([]string)
			head.Fields[fieldStoryDuplicates] = append(ids, h.ID)
			continue
		}
		if h.Fields == nil {
			h.Fields = map[string]any{}
		}
		for _, b := range bands {
			byBand[b] = append(byBand[b], len(kept))
		}
		kept = append(kept, story{hit: h, rec: rec})
	}
	out := make([]*search.DocumentMatch, len(kept))
	for i, s := range kept {
		out[i] = s.hit
	}
	return out
}

// storyDuplicates is the number and ids of the near-duplicates a hit of
// a collapse=story search stands for.
func storyDuplicates(h *search.DocumentMatch) (int, []string) {
	ids, _ := h.Fields[fieldStoryDuplicates].([]string)
	return len(ids), ids
}
