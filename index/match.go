package index

import (
	"context"
	"fmt"

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
// find among them. Its query is compiled against the small index, so a
// query that Search would find "broad" (compiler.broad, which widens a
// very common word to its bigrams in any order) is matched exactly here,
// and a lone final character expands to the terms the new articles hold.

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
	c := compiler{typ: TypeArticle, seg: ix.seg, ix: ix, synonyms: syn}
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
func (ix *Index) Match(ctx context.Context, ws []*Written, reqs []Request) (out [][]string, errs []error, err error) {
	out, errs = make([][]string, len(reqs)), make([]error, len(reqs))
	if len(reqs) == 0 {
		return out, errs, nil
	}
	mem, n, err := ix.batchIndex(ws)
	if err != nil {
		return nil, nil, err
	}
	if mem == nil {
		return out, errs, nil
	}
	defer mem.Close()
	small := &Index{bi: mem, loc: ix.loc, seg: ix.seg, broadDocs: ix.broadDocs}
	for i, r := range reqs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		out[i], errs[i] = small.matchOne(ctx, standing(r), n)
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
	c := compiler{typ: TypeArticle, seg: ix.seg, ix: ix, synonyms: syn}
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

// batchIndex builds the in-memory index of the last version of each
// article in ws, from the documents their write analysed: copies without
// the stored article (nothing here reads it) and without the _id field
// the first index added to them (each index adds its own). It returns nil
// when ws holds no article.
func (ix *Index) batchIndex(ws []*Written) (bleve.Index, int, error) {
	last := map[string]*prepared{}
	var order []string
	for _, w := range ws {
		for _, p := range w.preps {
			if _, ok := last[p.a.ID]; !ok {
				order = append(order, p.a.ID)
			}
			last[p.a.ID] = p
		}
	}
	if len(order) == 0 {
		return nil, 0, nil
	}
	mem, err := bleve.NewUsing("", ix.bi.Mapping(), scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("opening the batch index: %w", err)
	}
	b := mem.NewBatch()
	for _, id := range order {
		src := last[id].doc
		doc := document.NewDocument(id)
		for _, f := range src.Fields {
			if name := f.Name(); name != "_id" && name != fieldStored {
				doc.AddField(f)
			}
		}
		if err := b.IndexAdvanced(doc); err != nil {
			_ = mem.Close()
			return nil, 0, fmt.Errorf("indexing %q in the batch index: %w", id, err)
		}
	}
	if err := mem.Batch(b); err != nil {
		_ = mem.Close()
		return nil, 0, fmt.Errorf("writing the batch index: %w", err)
	}
	return mem, len(order), nil
}
