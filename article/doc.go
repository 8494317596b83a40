// Package article is the news article model of zhsearch and the readers
// that produce it: the page parser for text converted from a printed page
// (page.go), the JSON input schema (json.go) and the NDJSON / JSON stream
// readers with per-line errors (ndjson.go). It knows nothing of indexes or
// HTTP.
package article
