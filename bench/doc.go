// Package bench is zhsearch's benchmark protocol (issue 9): it reads an
// evaluation corpus, generates the fixed-seed queries, drives a real
// zhsearch server process on 127.0.0.1 (ingest through the bulk import,
// query load with vegeta, restart), samples the child processes' memory
// from /proc, scores recall and ranking, and writes a JSON report and a
// Markdown table. Two more modes use the same machinery (issue 16): growth
// (growth.go) imports several sizes of the corpus, repeated with new ids
// and shifted dates beyond its end (grow.go), and compares their cost and
// query tail; publish (publish.go) measures single-article writes while
// clients search.
//
// The protocol and its modes know nothing of how zhsearch indexes: they
// talk to the binary through its command line and its HTTP API, as an
// operator would, so the figures include everything a user pays for
// (process start-up, HTTP, JSON). So does zhsearch loadtest (loadtest.go):
// searches and writes at fixed rates against a served corpus, with the
// server's RSS over time. zhsearch eval search and eval duplicates,
// which open an index in-process, are packages bench/searcheval and
// bench/dupeval: bench itself does not import the index (whose tests read
// corpora with it).
package bench
