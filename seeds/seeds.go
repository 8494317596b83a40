// Package seeds holds the default corpus compiled into the zhsearch binary:
// a page of a Chinese city paper converted from print (every *.txt file
// here is a page), in the page format that package article parses. The
// quick start (zhsearch with no --data: an in-memory index) indexes it, so
// it answers queries with no set-up; a data directory starts empty unless
// --seed asks for it.
package seeds

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed *.txt
var files embed.FS

// Page is one embedded page file.
type Page struct {
	Name string // file name, e.g. 000_ef0dfcdc659bc177.txt
	Text string
}

// Pages returns the embedded pages in file-name order.
func Pages() []Page {
	names, err := fs.Glob(files, "*.txt")
	if err != nil { // the pattern is constant: it cannot be malformed
		panic(err)
	}
	sort.Strings(names)
	pages := make([]Page, 0, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil { // embedded files are always readable
			panic(err)
		}
		pages = append(pages, Page{Name: n, Text: string(b)})
	}
	return pages
}
