// Package shapes builds texts of the shapes that once made analysis cost
// grow with the square of a run (issue 18): ordinary Chinese news, English
// words in one paragraph, one long Latin run, digits, mixed scripts, one
// character repeated, news with its punctuation and spaces removed. The
// benchmarks and fuzz targets of tokenizer and index analyse them to show
// that cost per byte does not depend on the shape.
package shapes

import (
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/zhsearch/zhsearch/seeds"
)

// Shape is one kind of text.
type Shape struct {
	Name string
	// Unit is repeated to build the text.
	Unit string
}

// News is the body text of the embedded seed page, one line a paragraph,
// without the markdown heading marks: ordinary news text, the reference.
func News() string {
	var b strings.Builder
	for _, p := range seeds.Pages() {
		for _, l := range strings.Split(p.Text, "\n") {
			l = strings.TrimSpace(strings.TrimLeft(l, "#"))
			if l != "" {
				b.WriteString(l)
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// All lists the shapes, news first.
func All() []Shape {
	news := News()
	return []Shape{
		{"news", news},
		{"news-no-punctuation", strings.Map(func(r rune) rune {
			if unicode.IsPunct(r) || unicode.IsSpace(r) || unicode.IsSymbol(r) {
				return -1
			}
			return r
		}, news)},
		{"english-words", "The quick brown fox jumps over the lazy dog while reporters file their stories before the deadline "},
		{"latin-run", "a"},
		{"latin-ab-spaced", "ab "},
		{"digits", "0123456789"},
		{"mixed", "COVID-19疫情下5G基站2023年投资200亿元ABC经济"},
		{"one-han-char", "中"},
	}
}

// Text repeats s.Unit to size bytes, cut on a rune boundary.
func (s Shape) Text(size int) string {
	if s.Unit == "" || size <= 0 {
		return ""
	}
	t := strings.Repeat(s.Unit, size/len(s.Unit)+1)
	return strings.ToValidUTF8(t[:size], "")
}

// CPUTime is the CPU time (user and system) the process has used so far.
// The shape benchmarks report CPU time per MB beside wall time: on a
// shared machine the wall clock measures the neighbours as much as the
// code.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
