package index

// Hit is one result: an article, or a paragraph of one.
type Hit struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Score       float64  `json:"score"`
	Title       string   `json:"title"`
	TitleHTML   string   `json:"title_html"`
	Kicker      string   `json:"kicker,omitempty"`
	Authors     []string `json:"authors,omitempty"`
	Section     string   `json:"section,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Source      string   `json:"source,omitempty"`
	PublishedAt string   `json:"published_at,omitempty"`
	URL         string   `json:"url,omitempty"`
	ArticleID   string   `json:"article_id,omitempty"`
	Paragraph   *int     `json:"paragraph,omitempty"`
	Subhead     string   `json:"subhead,omitempty"`
	Paragraphs  []int    `json:"paragraphs,omitempty"`
	Snippets    []string `json:"snippets"`
	// Match says how the hit holds the query: MatchWords (as words) or
	// MatchSubstring (its characters only, across word boundaries); words
	// rank first (tier.go).
	Match   string  `json:"match,omitempty"`
	Explain []Match `json:"explain,omitempty"`
	// Duplicates and DuplicateIDs: the near-duplicates a hit of a
	// collapse=story search stands for (stories.go).
	Duplicates   int      `json:"duplicates,omitempty"`
	DuplicateIDs []string `json:"duplicate_ids,omitempty"`
}

// Match says which terms of the query matched in one field of a hit:
// kind "word" for indexed words, "substring" for the character-bigram
// recall path (terms are then the matched text).
type Match struct {
	Field string   `json:"field"`
	Kind  string   `json:"kind"`
	Terms []string `json:"terms"`
}

// FacetValue is one value of a facet with the number of hits holding it.
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Result is a page of hits.
type Result struct {
	Query      string                  `json:"query"`
	Type       string                  `json:"type"`
	Total      uint64                  `json:"total"`
	Page       int                     `json:"page"`
	Size       int                     `json:"size"`
	Sort       string                  `json:"sort"`
	TookMS     float64                 `json:"took_ms"`
	Hits       []Hit                   `json:"hits"`
	Facets     map[string][]FacetValue `json:"facets,omitempty"`
	NextCursor string                  `json:"next_cursor,omitempty"`
	// Synonyms are what the request's synonym list expanded: each text
	// of the query that it names, with the words searched besides it.
	Synonyms map[string][]string `json:"synonyms,omitempty"`
	// Pinyin is what each pinyin: text of the query spelled and was
	// searched as.
	Pinyin map[string][]string `json:"pinyin,omitempty"`
}
