package index

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	bq "github.com/blevesearch/bleve/v2/search/query"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/dedup"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// Duplicate and near-duplicate stories (docs/duplicates.md).
//
// Every article carries a fingerprint of its text (package dedup:
// MinHash over five-character shingles of its kicker, subheads and
// paragraphs; not its title, which a republished copy often changes).
// Its LSH band keys are terms of the keyword field dup, so the articles
// that may be copies of one are a term lookup away; its signature and
// publication time are a stored field (fp) that the candidates' scores
// are computed from. Two articles are copies when the shorter's text is
// nearly all in the other (estimated containment DuplicateContainment or
// more: a copy with a new headline, a cut paragraph or an added byline),
// the shorter is not a small part of the other (estimated Jaccard
// similarity DuplicateSimilarity or more: a round-up quoting a story
// whole is not its copy), and, when both are dated, they were published
// at most DuplicateWindow apart.

const (
	fieldDupBands    = "dup" // the LSH band keys of the fingerprint
	fieldFingerprint = "fp"  // the encoded fingerprint record (fpRecord), stored only
)

// The duplicate decision, chosen on the labelled pairs of
// testdata/duplicates.tsv (zhsearch eval duplicates; docs/duplicates.md).
const (
	// DuplicateContainment is the least share of the shorter copy's
	// shingles that the other holds.
	DuplicateContainment = 0.85
	// DuplicateSimilarity is the least estimated Jaccard similarity of
	// two copies' shingles: the shorter keeps at least ~40 % of the text.
	DuplicateSimilarity = 0.4
	// DuplicateWindow is the most time between two dated copies: wire
	// copy is republished within days, while the same formula weeks or
	// years apart (a state visit, an annual session) is another story.
	DuplicateWindow = 7 * 24 * time.Hour
)

// Limits of Duplicates.
const (
	DefaultDuplicates = 20
	MaxDuplicates     = 100
	// maxCandidates bounds the articles one look-up compares (those in
	// the window sharing the most bands first): reading a candidate's
	// fingerprint costs ~30 µs (a stored field), and short formulaic
	// texts (a one-line 人民日报评论员文章 teaser) share a band with
	// thousands. A copy shares most of its bands and ranks first.
	maxCandidates = 100
)

// fpRecord is what the fp field holds: the publication time and the
// fingerprint.
type fpRecord struct {
	published time.Time // zero when undated
	fp        dedup.Fingerprint
}

const noPublished = math.MinInt64

func (r *fpRecord) encode() []byte {
	fp, _ := r.fp.MarshalBinary()
	out := make([]byte, 8, 8+len(fp))
	ns := int64(noPublished)
	if !r.published.IsZero() {
		ns = r.published.Unix()
	}
	binary.BigEndian.PutUint64(out, uint64(ns))
	return append(out, fp...)
}

func decodeFP(b []byte) (fpRecord, error) {
	var r fpRecord
	if len(b) < 8 {
		return r, dedup.ErrEncoding
	}
	if s := int64(binary.BigEndian.Uint64(b)); s != noPublished {
		r.published = time.Unix(s, 0)
	}
	return r, r.fp.UnmarshalBinary(b[8:])
}

// duplicateOf is the duplicate decision: whether o is a copy of r, by
// their estimated similarity and containment.
func (r *fpRecord) duplicateOf(o *fpRecord) (similarity, containment float64, ok bool) {
	similarity = r.fp.Similarity(&o.fp)
	if similarity < DuplicateSimilarity {
		return similarity, 0, false
	}
	containment = r.fp.Containment(&o.fp)
	return similarity, containment, containment >= DuplicateContainment && r.inWindow(o)
}

// inWindow reports whether r and o were published at most
// DuplicateWindow apart, or either is undated.
func (r *fpRecord) inWindow(o *fpRecord) bool {
	if r.published.IsZero() || o.published.IsZero() {
		return true
	}
	d := r.published.Sub(o.published)
	return d <= DuplicateWindow && d >= -DuplicateWindow
}

// fingerprintText is the text an article is fingerprinted by: all but
// its title.
func fingerprintText(a *article.Article) []string {
	texts := make([]string, 0, len(a.Paragraphs)+1)
	if a.Kicker != "" {
		texts = append(texts, a.Kicker)
	}
	for _, p := range a.Paragraphs {
		if p.Subhead != "" {
			texts = append(texts, p.Subhead)
		}
		texts = append(texts, p.Text)
	}
	return texts
}

// undatedKey is a term of the dup field that marks an undated article,
// so that a dated article's candidates are those in its window or
// undated. Band keys start with their band's number (below 26), so it
// is none of them.
const undatedKey = "\xff"

// Index options of the fingerprint's fields: the band keys are only
// looked up (no positions); the record is only read. The keys keep their
// frequency and norm, which only enter the score that orders the
// candidates and are alike for every key (frequency 1, an article's 26 or
// 27 keys): almost every key names one article, and zap keeps such a term
// in its dictionary entry alone (its "1-hit" encoding) only when its
// frequency is 1. Without them each key had postings of its own: 19 MB of
// the 188 MB that the first 20,000 xwlb articles took, against 7 MB with
// them (2026-12-04, zap fields).
const (
	optsDupBands    = bleveindex.IndexField
	optsFingerprint = bleveindex.StoreField
)

// addFingerprint adds an article's fingerprint to its document
// (prepare): its band keys (and undatedKey when it has no date) as the
// terms of one field value, and its record as a stored field. An article without letters or digits has
// none.
func (ix *Index) addFingerprint(doc *document.Document, a *article.Article) {
	if ix.noFingerprint {
		return
	}
	published, _ := a.Published(ix.loc) // validated: no error
	r := fpRecord{published: published, fp: dedup.Of(fingerprintText(a)...)}
	if r.fp.Empty() {
		return
	}
	bands := r.fp.Bands()
	if published.IsZero() {
		bands = append(bands, undatedKey)
	}
	slab := make([]analysis.Token, len(bands))
	stream := make(analysis.TokenStream, len(bands))
	for i, b := range bands {
		slab[i] = analysis.Token{Term: []byte(b), Position: i + 1, Type: analysis.AlphaNumeric}
		stream[i] = &slab[i]
	}
	doc.AddField(document.NewTextFieldCustom(fieldDupBands, nil, nil, optsDupBands, tokenizer.Analyzed(stream)))
	doc.AddField(document.NewTextFieldCustom(fieldFingerprint, nil, r.encode(), optsFingerprint, nil))
}

// Duplicate is one near-duplicate of an article.
type Duplicate struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Source      string `json:"source,omitempty"`
	PublishedAt string `json:"published_at,omitempty"`
	URL         string `json:"url,omitempty"`
	// Similarity is the estimated Jaccard similarity of the two texts'
	// shingles; Containment the estimated share of the shorter's
	// shingles in the other.
	Similarity  float64 `json:"similarity"`
	Containment float64 `json:"containment"`
}

// Duplicates lists an article's near-duplicates.
type Duplicates struct {
	ID string `json:"id"`
	// The decision: the least containment and similarity, the most days
	// apart.
	MinContainment float64     `json:"min_containment"`
	MinSimilarity  float64     `json:"min_similarity"`
	WindowDays     float64     `json:"window_days"`
	Total          int         `json:"total"`
	Duplicates     []Duplicate `json:"duplicates"`
	TookMS         float64     `json:"took_ms"`
}

// fingerprintOf reads an article's fingerprint record; ok is false when
// it has none (no letters or digits). ErrNotFound if id is unknown.
func (ix *Index) fingerprintOf(id string) (fpRecord, bool, error) {
	doc, err := ix.bi.Document(id)
	if err != nil {
		return fpRecord{}, false, fmt.Errorf("reading article %q: %w", id, err)
	}
	if doc == nil {
		return fpRecord{}, false, fmt.Errorf("article %q: %w", id, ErrNotFound)
	}
	var raw []byte
	doc.VisitFields(func(f bleveindex.Field) {
		if f.Name() == fieldFingerprint {
			raw = f.Value()
		}
	})
	if raw == nil {
		return fpRecord{}, false, nil
	}
	r, err := decodeFP(raw)
	if err != nil {
		return fpRecord{}, false, fmt.Errorf("article %q: fingerprint: %w", id, err)
	}
	return r, true, nil
}

// candidate is an article sharing a band with another, and its score.
type candidate struct {
	id                      string
	similarity, containment float64
}

// duplicatesOf finds the articles that are copies of one with fingerprint
// r, other than id, most similar first.
func (ix *Index) duplicatesOf(ctx context.Context, id string, r *fpRecord) ([]candidate, error) {
	bands := r.fp.Bands()
	alts := make([]bq.Query, len(bands))
	for i, b := range bands {
		alts[i] = termQuery(b, fieldDupBands, 1)
	}
	must := []bq.Query{bleve.NewDisjunctionQuery(alts...)}
	if !r.published.IsZero() { // dated articles outside the window are no copies; undated ones may be
		from, to := r.published.Add(-DuplicateWindow), r.published.Add(DuplicateWindow)
		inclusive := true
		window := bleve.NewDateRangeInclusiveQuery(from, to, &inclusive, &inclusive)
		window.SetField(fieldPublished)
		must = append(must, bleve.NewDisjunctionQuery(window, termQuery(undatedKey, fieldDupBands, 1)))
	}
	q := bq.NewBooleanQuery(must, nil, []bq.Query{bleve.NewDocIDQuery([]string{id})})
	req := bleve.NewSearchRequestOptions(q, maxCandidates, 0, false)
	req.Fields = []string{fieldFingerprint}
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	var out []candidate
	for _, h := range res.Hits {
		raw, _ := h.Fields[fieldFingerprint].(string)
		o, err := decodeFP([]byte(raw))
		if err != nil {
			continue // written without a fingerprint: nothing to compare
		}
		if s, c, ok := r.duplicateOf(&o); ok {
			out = append(out, candidate{h.ID, s, c})
		}
	}
	slices.SortFunc(out, func(a, b candidate) int {
		if a.similarity != b.similarity {
			if a.similarity > b.similarity {
				return -1
			}
			return 1
		}
		if a.id < b.id {
			return -1
		}
		if a.id > b.id {
			return 1
		}
		return 0
	})
	return out, nil
}

// Duplicates lists the near-duplicates of the article with id, most
// similar first, at most n (0 is DefaultDuplicates). ErrNotFound if id
// is unknown.
func (ix *Index) Duplicates(ctx context.Context, id string, n int) (*Duplicates, error) {
	start := time.Now()
	if n == 0 {
		n = DefaultDuplicates
	}
	if n < 1 || n > MaxDuplicates {
		return nil, fmt.Errorf("%w: size must be between 1 and %d", ErrInvalidQuery, MaxDuplicates)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &Duplicates{ID: id, MinContainment: DuplicateContainment, MinSimilarity: DuplicateSimilarity, WindowDays: DuplicateWindow.Hours() / 24, Duplicates: []Duplicate{}}
	r, ok, err := ix.fingerprintOf(id)
	if err != nil {
		return nil, err
	}
	if ok {
		cands, err := ix.duplicatesOf(ctx, id, &r)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("finding duplicates: %w", err)
		}
		out.Total = len(cands)
		for _, c := range cands[:min(n, len(cands))] {
			a, err := ix.get(c.id)
			if err != nil {
				continue // deleted since
			}
			out.Duplicates = append(out.Duplicates, Duplicate{ID: c.id, Title: a.Title, Source: a.Source, PublishedAt: a.PublishedAt, URL: a.URL,
				Similarity: math.Round(c.similarity*1000) / 1000, Containment: math.Round(c.containment*1000) / 1000})
		}
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// PairSimilarity is the duplicate decision's measures on two articles,
// fingerprinted as a write would, without an index: their estimated
// similarity and containment, and whether they are within
// DuplicateWindow of each other (true when either is undated). loc is the
// newsroom's zone for date-only values (nil: DefaultLocation). An
// evaluation sweeps the thresholds with it.
func PairSimilarity(a, b *article.Article, loc *time.Location) (similarity, containment float64, inWindow bool, err error) {
	if loc == nil {
		loc = DefaultLocation()
	}
	var recs [2]fpRecord
	for i, x := range []*article.Article{a, b} {
		if recs[i].published, err = x.Published(loc); err != nil {
			return 0, 0, false, fmt.Errorf("article %q: %w", x.ID, err)
		}
		recs[i].fp = dedup.Of(fingerprintText(x)...)
	}
	return recs[0].fp.Similarity(&recs[1].fp), recs[0].fp.Containment(&recs[1].fp), recs[0].inWindow(&recs[1]), nil
}
