package index

import (
	"context"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/zhsearch/zhsearch/query"
)

// Matching written articles against saved searches.
//
// A saved search (package alert) is a Request: a query and filters. To
// learn which of a group of articles just written it matches, the
// articles are put in a small index of their own, in memory (scorch
// without a directory), built from the documents the write analysed (no
// second segmentation) with the index's mapping, and each saved search is
// compiled by the compiler Search uses and run there: a saved search
// matches exactly the articles a search with the same parameters would
// find among them. Its query runs on the small index, whose counts decide
// whether a text is "broad" (broadq.go: a very common word widened to its
// bigrams in any order), so it is matched exactly here, and a lone final
// character expands to the terms the new articles hold.

// CheckStanding reports whether r can be saved as a standing search: its
// query parses and compiles, and its filters are valid (ErrInvalidQuery
// otherwise, with a message saying what to change). Only the query, the
// filters and the synonyms of r are used.
func (ix *Index) CheckStanding(r Request) error {
	r = standing(r)
	if _, err := ix.filters(&r); err != nil {
		return err
	}
	tree, err := query.Parse(r.Query)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidQuery, err)
	}
	tree, syn, _ := synonymGroups(tree, r.Synonyms, r.SynonymPhrases)
	c := compiler{typ: TypeArticle, seg: ix.seg, broadDocs: broadDocs, synonyms: syn}
	_, err = c.compile(tree)
	return err
}

// standing keeps the parts of a request a standing search uses.
func standing(r Request) Request {
	return Request{
		Query: r.Query, Type: TypeArticle, Since: r.Since, Until: r.Until,
		Sections: r.Sections, Authors: r.Authors, Tags: r.Tags, Sources: r.Sources,
		Synonyms: r.Synonyms, SynonymPhrases: r.SynonymPhrases,
	}
}

// Match runs standing searches (see CheckStanding) against articles just
// written: out[i] lists the ids of the articles reqs[i] matches, and
// errs[i] is set when reqs[i] could not be run (the others still are). Of
// an id written more than once in ws, the last version is matched.
//
// A search whose terms decide it (matchplan.go) is matched on the
// articles' terms; the others run on an in-memory index of the articles
// any of them may match.
func (ix *Index) Match(ctx context.Context, ws []*Written, reqs []Request) (out [][]string, errs []error, err error) {
	out, errs = make([][]string, len(reqs)), make([]error, len(reqs))
	if len(reqs) == 0 {
		return out, errs, nil
	}
	preps := lastVersions(ws)
	if len(preps) == 0 {
		return out, errs, nil
	}
	docs := make([]*document.Document, len(preps))
	for i, p := range preps {
		docs[i] = p.doc
	}
	bt := newBatchTerms(docs)
	// a batch this large could make a query broad in the in-memory index
	// (broadq.go), which the checks do not model
	termsDecide := len(preps) < broadDocs
	var rest []int      // the requests for the in-memory index
	var cands [][]int32 // their candidates
	for i, r := range reqs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		r = standing(r)
		p, err := ix.planOf(r)
		if err != nil {
			errs[i] = err
			continue
		}
		c := bt.candidates(p.clauses)
		switch {
		case len(c) == 0:
			out[i] = []string{}
		case p.exact && termsDecide && !hasFilters(r):
			ids := []string{}
			for _, d := range c {
				if bt.holds(d, p.checks) {
					ids = append(ids, preps[d].a.ID)
				}
			}
			slices.Sort(ids)
			out[i] = ids
		default:
			rest, cands = append(rest, i), append(cands, c)
		}
	}
	if len(rest) == 0 {
		return out, errs, nil
	}
	var in []int32
	for _, c := range cands {
		in = unionSorted(in, c)
	}
	sub := make([]*prepared, len(in))
	for j, d := range in {
		sub[j] = preps[d]
	}
	mem, err := ix.batchIndex(sub)
	if err != nil {
		return nil, nil, err
	}
	defer mem.Close()
	small := &Index{bi: mem, loc: ix.loc, seg: ix.seg}
	for _, i := range rest {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		out[i], errs[i] = small.matchOne(ctx, standing(reqs[i]), len(sub))
	}
	return out, errs, nil
}

// matchOne runs one standing search on a batch index of n articles.
func (ix *Index) matchOne(ctx context.Context, r Request, n int) ([]string, error) {
	tree, err := query.Parse(r.Query)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
	}
	tree, syn, _ := synonymGroups(tree, r.Synonyms, r.SynonymPhrases)
	c := compiler{typ: TypeArticle, seg: ix.seg, broadDocs: broadDocs, synonyms: syn}
	q, err := c.compile(tree)
	if err != nil {
		return nil, err
	}
	if q, err = ix.withFilters(q, &r); err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(q, n, 0, false)
	req.Score = "none"
	req.SortBy([]string{"_id"})
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("matching: %w", err)
	}
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids, nil
}

// lastVersions lists the last version of each article in ws, in the
// order of their first write.
func lastVersions(ws []*Written) []*prepared {
	last := map[string]int{}
	var out []*prepared
	for _, w := range ws {
		for _, p := range w.preps {
			if i, ok := last[p.a.ID]; ok {
				out[i] = p
				continue
			}
			last[p.a.ID] = len(out)
			out = append(out, p)
		}
	}
	return out
}

// batchIndex builds the in-memory index of articles from the documents
// their write analysed: copies without the stored article (nothing here
// reads it) and without the _id field the first index added to them
// (each index adds its own).
func (ix *Index) batchIndex(preps []*prepared) (bleve.Index, error) {
	mem, err := bleve.NewUsing("", ix.bi.Mapping(), scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("opening the batch index: %w", err)
	}
	b := mem.NewBatch()
	for _, p := range preps {
		id := p.a.ID
		doc := document.NewDocument(id)
		for _, f := range p.doc.Fields {
			if name := f.Name(); name != "_id" && name != fieldStored {
				doc.AddField(f)
			}
		}
		if err := b.IndexAdvanced(doc); err != nil {
			_ = mem.Close()
			return nil, fmt.Errorf("indexing %q in the batch index: %w", id, err)
		}
	}
	if err := mem.Batch(b); err != nil {
		_ = mem.Close()
		return nil, fmt.Errorf("writing the batch index: %w", err)
	}
	return mem, nil
}
