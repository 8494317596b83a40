package index

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/zhsearch/zhsearch/article"
)

// Sort orders of a search.
const (
	SortRelevance = "relevance"
	SortNewest    = "newest"
	SortOldest    = "oldest"
)

// BoostRecent multiplies relevance by a recency factor (see recencyFactor).
const BoostRecent = "recent"

// CollapseArticle keeps the best paragraph of each article.
const CollapseArticle = "article"

// Facet names a search may ask for.
var facetFields = map[string]string{
	"section": fieldSection,
	"author":  fieldAuthor,
	"tag":     fieldTag,
	"month":   fieldMonth,
	"person":  fieldPerson,
	"place":   fieldPlace,
	"org":     fieldOrg,
}

// FacetNames lists the facets a search may ask for, in a stable order.
func FacetNames() []string {
	return []string{"section", "author", "tag", "month", "person", "place", "org"}
}

// Limits of the deep-paging and re-ranking paths.
const (
	// MaxOffset is the deepest page start a page number may reach; past it
	// a client pages with cursors.
	MaxOffset = 10000
	// RescoreWindow is how many top hits boost=recent re-ranks; hits past
	// it keep plain relevance order.
	RescoreWindow = 1000
	// CollapseWindow is how many best paragraphs collapse=article reads.
	CollapseWindow = 10000
	// FacetSize is the number of values each facet answers (month: 120).
	FacetSize = 20
	// RecencyHalfLifeDays is the half-life of boost=recent's bonus.
	RecencyHalfLifeDays = 30.0
)

// recencyFactor is boost=recent's multiplier: 1 + 2^(−age/30 days). A
// story published now scores twice its relevance, one 30 days old 1.5×,
// one 90 days old 1.125×, old ones ≈1×. Undated stories count as old
// (factor 1), stories dated in the future as new (factor 2).
// recent applies recencyFactor to the relevance of a score, not to the
// words tier it may hold (tier.go): a recent substring match never
// outranks a match of the words.
func recent(score float64, published, now time.Time) float64 {
	if score >= tierScore {
		return tierScore + (score-tierScore)*recencyFactor(published, now)
	}
	return score * recencyFactor(published, now)
}

func recencyFactor(published, now time.Time) float64 {
	if published.IsZero() {
		return 1
	}
	age := now.Sub(published).Hours() / 24
	if age < 0 {
		age = 0
	}
	return 1 + math.Exp2(-age/RecencyHalfLifeDays)
}

// parseBound parses since/until: RFC 3339, or YYYY-MM-DD meaning the
// whole day in loc (since: from its first instant; until: through its
// last). The returned time is inclusive for since and exclusive for a
// date-only until. Dates outside the years the index can store
// (article.MinYear to article.MaxYear) are refused with a message saying so.
func parseBound(name, v string, loc *time.Location, upper bool) (t time.Time, inclusive bool, err error) {
	t, err = time.Parse(time.RFC3339, v)
	dateOnly := err != nil
	if dateOnly {
		if t, err = time.ParseInLocation(time.DateOnly, v, loc); err != nil {
			return time.Time{}, false, fmt.Errorf("%w: %s %q is not a date; use YYYY-MM-DD (a day in the newsroom's zone) or RFC 3339 such as 2024-06-01T08:00:00+08:00", ErrInvalidQuery, name, v)
		}
	}
	if !article.InRange(t) {
		return time.Time{}, false, fmt.Errorf("%w: %s %q is outside the years %d to %d", ErrInvalidQuery, name, v, article.MinYear, article.MaxYear)
	}
	if upper && dateOnly { // a date-only until runs through its last instant
		return t.AddDate(0, 0, 1), false, nil
	}
	return t, true, nil
}

// filters builds the filter queries of a request: every parameter must
// hold, and any of a repeated parameter's values may.
func (ix *Index) filters(r *Request) ([]bq.Query, error) {
	var out []bq.Query
	for _, f := range []struct {
		name, field string
		vals        []string
	}{
		{"section", fieldSection, r.Sections},
		{"author", fieldAuthor, r.Authors},
		{"tag", fieldTag, r.Tags},
		{"source", fieldSource, r.Sources},
		{"id", fieldID, r.IDs},
		{"person", fieldPerson, normalizeNames(r.Persons)},
		{"place", fieldPlace, normalizeNames(r.Places)},
		{"org", fieldOrg, normalizeNames(r.Orgs)},
	} {
		var alts []bq.Query
		for _, v := range f.vals {
			if v = strings.TrimSpace(v); v != "" {
				alts = append(alts, termQuery(v, f.field, 1))
			}
		}
		if len(alts) > 100 {
			return nil, fmt.Errorf("%w: %s is repeated %d times; pass at most 100 values", ErrInvalidQuery, f.name, len(alts))
		}
		if len(alts) > 0 {
			out = append(out, bleve.NewDisjunctionQuery(alts...))
		}
	}
	if r.MonthDay != "" {
		q, err := monthDayFilter(r.MonthDay)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	if r.Since != "" || r.Until != "" {
		var start, end time.Time
		var incStart, incEnd bool
		var err error
		if r.Since != "" {
			if start, incStart, err = parseBound("since", r.Since, ix.loc, false); err != nil {
				return nil, err
			}
		}
		if r.Until != "" {
			if end, incEnd, err = parseBound("until", r.Until, ix.loc, true); err != nil {
				return nil, err
			}
		}
		if !start.IsZero() && !end.IsZero() && !start.Before(end) && !(start.Equal(end) && incStart && incEnd) {
			return nil, fmt.Errorf("%w: since %s is after until %s; swap them", ErrInvalidQuery, r.Since, r.Until)
		}
		q := bleve.NewDateRangeInclusiveQuery(start, end, &incStart, &incEnd)
		q.SetField(fieldPublished)
		out = append(out, q)
	}
	return out, nil
}

// sortOrder is the bleve sort of a request: ties broken by id, so that
// cursors are stable.
func sortOrder(sort string) []string {
	switch sort {
	case SortNewest:
		return []string{"-" + fieldPublished, "-_score", "_id"}
	case SortOldest:
		return []string{fieldPublished, "-_score", "_id"}
	}
	return []string{"-_score", "_id"}
}

// cursor is what next_cursor encodes: where the previous page ended.
type cursor struct {
	Sort  string   `json:"s"`
	Type  string   `json:"t"`
	Seen  int      `json:"n"` // hits before the next page
	After [][]byte `json:"a"` // sort values of the last hit (raw bytes)
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, r *Request) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	want := len(sortOrder(c.Sort))
	if c.Type == TypeParagraph { // sort value, article, paragraph (paraCursor)
		want = 3
	}
	if err != nil || len(c.After) != want {
		return c, fmt.Errorf("%w: cursor is not one this server gave; pass next_cursor from the previous answer unchanged", ErrInvalidQuery)
	}
	for i, o := range sortOrder(c.Sort) {
		if c.Type == TypeParagraph {
			break // paraKey checks its values
		}
		if strings.HasSuffix(o, "_score") {
			if _, err := strconv.ParseFloat(string(c.After[i]), 64); err != nil {
				return c, fmt.Errorf("%w: cursor is not one this server gave; pass next_cursor from the previous answer unchanged", ErrInvalidQuery)
			}
		}
	}
	if c.Sort != r.Sort || c.Type != r.Type {
		return c, fmt.Errorf("%w: cursor was made for sort=%s type=%s; repeat the previous request's parameters with it", ErrInvalidQuery, c.Sort, c.Type)
	}
	return c, nil
}

// normalize fills defaults and checks limits; the messages say what to
// change.
func (r *Request) normalize() error {
	if r.Type == "" {
		r.Type = TypeArticle
	}
	if r.Type != TypeArticle && r.Type != TypeParagraph {
		return fmt.Errorf("%w: type %q: use article or paragraph", ErrInvalidQuery, r.Type)
	}
	if r.Sort == "" {
		r.Sort = SortRelevance
	}
	if r.Sort != SortRelevance && r.Sort != SortNewest && r.Sort != SortOldest {
		return fmt.Errorf("%w: sort %q: use relevance, newest or oldest", ErrInvalidQuery, r.Sort)
	}
	if r.Boost != "" && r.Boost != BoostRecent {
		return fmt.Errorf("%w: boost %q: the only boost is recent", ErrInvalidQuery, r.Boost)
	}
	if r.Boost == BoostRecent && r.Sort != SortRelevance {
		return fmt.Errorf("%w: boost=recent re-ranks by relevance; drop it or use sort=relevance", ErrInvalidQuery)
	}
	if r.Collapse != "" && r.Collapse != CollapseArticle && r.Collapse != CollapseStory {
		return fmt.Errorf("%w: collapse %q: use article (type=paragraph) or story (type=article)", ErrInvalidQuery, r.Collapse)
	}
	if r.Collapse == CollapseArticle && r.Type != TypeParagraph {
		return fmt.Errorf("%w: collapse=article applies to type=paragraph; article search has one hit per article already", ErrInvalidQuery)
	}
	if r.Collapse == CollapseStory && r.Type != TypeArticle {
		return fmt.Errorf("%w: collapse=story applies to type=article; use collapse=article for paragraphs", ErrInvalidQuery)
	}
	for _, f := range r.Facets {
		if _, ok := facetFields[f]; !ok {
			return fmt.Errorf("%w: facet %q: use any of %s", ErrInvalidQuery, f, strings.Join(FacetNames(), ","))
		}
	}
	r.Facets = slices.Compact(slices.Sorted(slices.Values(r.Facets)))
	if r.Page == 0 {
		r.Page = 1
	}
	if r.Size == 0 {
		r.Size = DefaultSize
	}
	if r.SnippetLen == 0 {
		r.SnippetLen = DefaultSnippetLen
	}
	if r.Snippets == 0 {
		r.Snippets = DefaultSnippets
	}
	switch {
	case r.Page < 1:
		return fmt.Errorf("%w: page must be 1 or more", ErrInvalidQuery)
	case r.Size < 1 || r.Size > MaxSize:
		return fmt.Errorf("%w: size must be between 1 and %d", ErrInvalidQuery, MaxSize)
	case r.SnippetLen < 20 || r.SnippetLen > MaxSnippetLen:
		return fmt.Errorf("%w: snippet_len must be between 20 and %d", ErrInvalidQuery, MaxSnippetLen)
	case r.Snippets < 0 || r.Snippets > MaxSnippets:
		return fmt.Errorf("%w: snippets must be between 0 and %d", ErrInvalidQuery, MaxSnippets)
	case r.Page > MaxOffset || (r.Page-1)*r.Size > MaxOffset:
		return fmt.Errorf("%w: page %d starts past hit %d; page deeper with cursor=<next_cursor of the previous answer>", ErrInvalidQuery, r.Page, MaxOffset)
	}
	if r.Cursor != "" {
		switch {
		case r.Page != 1:
			return fmt.Errorf("%w: pass either page or cursor, not both", ErrInvalidQuery)
		case r.Boost != "":
			return fmt.Errorf("%w: boost=recent ranks only the top %d hits and has no cursor; use page", ErrInvalidQuery, RescoreWindow)
		case r.Collapse != "":
			return fmt.Errorf("%w: collapse=%s has no cursor; use page", ErrInvalidQuery, r.Collapse)
		}
	}
	return nil
}

// Defaults and limits of a search.
const (
	DefaultSize       = 10
	MaxSize           = 100
	DefaultSnippetLen = 160
	DefaultSnippets   = 3
	MaxSnippets       = 10
	MaxSnippetLen     = 1000
)

// Request is one search. The zero value of every field but Query is its
// default.
type Request struct {
	Query      string // in the query language of package query
	Type       string // TypeArticle (default) or TypeParagraph
	Page       int    // 1-based
	Size       int    // hits per page
	SnippetLen int    // characters per snippet
	Snippets   int    // snippets per hit

	// Since and Until bound published_at: RFC 3339, or YYYY-MM-DD for a
	// whole day in the newsroom's zone; both ends inclusive.
	Since, Until string
	// MonthDay, MM-DD, keeps the articles published on that day of any
	// year in the newsroom's zone ("on this day", onthisday.go).
	MonthDay string
	// Filters: a hit must match one value of every non-empty list.
	Sections, Authors, Tags, Sources, IDs []string
	Persons, Places, Orgs                 []string // names (entities.go)
	Sort                                  string   // SortRelevance (default), SortNewest, SortOldest
	Boost                                 string   // "" or BoostRecent
	Cursor                                string   // next_cursor of the previous page, instead of Page
	Facets                                []string // any of FacetNames()
	Explain                               bool     // add, per hit, which terms matched in which field
	Collapse                              string   // "", CollapseArticle (paragraph search) or CollapseStory (article search)
	// Now is the reference time of boost=recent; zero is time.Now().
	Now time.Time
	// Synonyms, when set, expands the query's texts (synonyms.go); quoted
	// phrases too with SynonymPhrases.
	Synonyms       Expander
	SynonymPhrases bool
	// Pinyin, when set, turns pinyin:… texts into the words they spell
	// (pinyinq.go); without it they match nothing.
	Pinyin PinyinReader
}
