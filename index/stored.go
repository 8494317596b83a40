package index

import (
	"fmt"
	"sort"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

// Stored articles of hits.
//
// Asked for a hit's stored fields, bleve looks its document up by the
// external id (IndexSnapshot.Document): a term reader of _id in every
// segment, then a copy of every stored field. For ten hits on an index
// of nine segments that was 90 dictionary look-ups a search, a third of
// all the term readers a search opened (4.7 % of the protocol's CPU on
// 20,000 xwlb articles). loadStored reads the stored article at the
// hit's own document number instead, in the segment that holds it, and
// stops once it has the article.
//
// The number is the search's snapshot's; loadStored reads a snapshot of
// its own, taken after the search. Where a write or merge came between,
// the number may name another document (the stored _id, read first, says
// so) or a document deleted or replaced since (the snapshot's deletions
// say so): that hit is looked up by id as before, and a deleted one is
// not found.

// loadStored puts each hit's stored article in h.Fields[fieldStored], as
// a search request with Fields = storedFields would.
func (ix *Index) loadStored(hits []*search.DocumentMatch) error {
	if len(hits) == 0 {
		return nil
	}
	adv, err := ix.bi.Advanced()
	if err != nil {
		return fmt.Errorf("reading stored articles: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("reading stored articles: %w", err)
	}
	defer r.Close()
	snap, _ := r.(*scorch.IndexSnapshot)
	var segs []*scorch.SegmentSnapshot
	var offsets []uint64
	if snap != nil {
		segs = snap.Segments()
		var running uint64
		for _, s := range segs {
			offsets = append(offsets, running)
			running += uint64(s.FullSize())
		}
	}
	for _, h := range hits {
		raw, ok := "", false
		if len(segs) > 0 {
			num := h.IndexInternalID.Value()
			i := sort.Search(len(offsets), func(x int) bool { return offsets[x] > num }) - 1
			local := num - offsets[max(i, 0)]
			deleted := i >= 0 && segs[i].Deleted() != nil && segs[i].Deleted().Contains(uint32(local))
			if i >= 0 && local < uint64(segs[i].FullSize()) && !deleted {
				id := ""
				// The visitor never stops at _id: zapx v17.2.5 puts its
				// pooled reading context back twice when it does (once in
				// visitStoredFields, once deferred), and two later visits,
				// a merge's and a search's, then share one (a data race,
				// seen under -race). It stops at the next field instead.
				err := segs[i].VisitDocument(local, func(field string, _ byte, val []byte, _ []uint64) bool {
					switch {
					case field == "_id":
						id = string(val)
						return true
					case id != h.ID:
						return false
					case field == fieldStored:
						raw = string(val)
						return false
					}
					return true
				})
				ok = err == nil && id == h.ID && raw != ""
			}
		}
		if !ok { // another snapshot, or not a scorch index: by id
			doc, err := r.Document(h.ID)
			if err != nil {
				return fmt.Errorf("reading article %q: %w", h.ID, err)
			}
			raw = ""
			if doc != nil {
				doc.VisitFields(func(f bleveindex.Field) {
					if f.Name() == fieldStored {
						raw = string(f.Value())
					}
				})
			}
		}
		if raw == "" {
			continue // deleted since the search: buildHit says not found
		}
		if h.Fields == nil {
			h.Fields = map[string]any{}
		}
		h.Fields[fieldStored] = raw
	}
	return nil
}
