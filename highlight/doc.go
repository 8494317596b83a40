// Package highlight marks a search hit's text and cuts its snippets: the
// byte ranges where a query's texts occur (spans) are merged, sharpened so
// that only whole query words are marked (二七 stays unmarked beside
// 二七经开区), rendered as escaped HTML with <mark>, and the best windows
// of a paragraph — whole clauses where they fit, else a cut on word
// boundaries around a match — become snippets; for an article hit, its
// paragraphs are ranked by what they match and the best give the snippets.
//
// It works on plain texts and spans and knows nothing of the index, of
// bleve or of HTTP, so that what a reader sees of a hit can be tested on
// real paragraphs (the golden files in testdata) without building an
// index. Package index finds what a query looks for and calls Article or
// Paragraph for each hit.
package highlight
