// Package article is the news article model of zhsearch and the readers
// that produce it: the page parser for text converted from a printed page,
// and (in later files) JSON and NDJSON readers. It knows nothing of indexes
// or HTTP.
package article
