package index

import (
	"context"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2/document"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// Names of people, places and organisations (tokenizer/entities.go has
// how they are recognised). They are found at write time in the words
// prepare already has, so they cost a dictionary look-up a word and no
// second segmentation, and are kept as keyword fields: filters
// (person=钟南山), facets, and stored, so that an article's names are read
// back with its document (Index.Entities). The dictionary's re-index
// (dictionary.go) prepares the articles holding new words again, which
// finds their names again: adding 钟南山 as nr re-tags them.
const (
	fieldPerson = "person"
	fieldPlace  = "place"
	fieldOrg    = "org"
)

// optsEntity indexes a name as one keyword term, with doc values for the
// facets and stored for Index.Entities.
const optsEntity = bleveindex.IndexField | bleveindex.StoreField | bleveindex.DocValues

// addEntities adds the names among an article's words (the tokens of its
// word field, in order) to its document.
func (ix *Index) addEntities(doc *document.Document, words []tokenizer.Token) {
	if ix.noEntities {
		return
	}
	e := ix.seg.Entities(words)
	for _, f := range []struct {
		name  string
		names []string
	}{{fieldPerson, e.Person}, {fieldPlace, e.Place}, {fieldOrg, e.Org}} {
		for i, n := range f.names {
			// no analyzer: the value is the one term (a keyword field)
			doc.AddField(document.NewTextFieldWithIndexingOptions(f.name, []uint64{uint64(i)}, []byte(n), optsEntity))
		}
	}
}

// normalizeNames folds filter values as the analysis folds text
// (traditional to simplified, full-width to half-width), so that
// person=鍾南山 finds the articles indexed under 钟南山.
func normalizeNames(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = tokenizer.Normalize(strings.TrimSpace(v))
	}
	return out
}

// Entities returns the names recognised in a stored article, as its
// document holds them; ErrNotFound if the article is unknown.
func (ix *Index) Entities(ctx context.Context, id string) (tokenizer.Entities, error) {
	e := tokenizer.Entities{Person: []string{}, Place: []string{}, Org: []string{}}
	if err := ctx.Err(); err != nil {
		return e, err
	}
	doc, err := ix.bi.Document(id)
	if err != nil {
		return e, fmt.Errorf("reading article %q: %w", id, err)
	}
	found := false
	if doc != nil {
		doc.VisitFields(func(f bleveindex.Field) {
			switch f.Name() {
			case fieldStored:
				found = true
			case fieldPerson:
				e.Person = append(e.Person, string(f.Value()))
			case fieldPlace:
				e.Place = append(e.Place, string(f.Value()))
			case fieldOrg:
				e.Org = append(e.Org, string(f.Value()))
			}
		})
	}
	if !found {
		return e, fmt.Errorf("article %q: %w", id, ErrNotFound)
	}
	return e, nil
}
