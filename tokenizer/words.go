package tokenizer

import (
	"strings"
	"unicode"
)

// SegmentOptions choose how Words segments text, for evaluation.
type SegmentOptions struct {
	// NoHMM turns off gse's hidden Markov model for runs of characters the
	// dictionary does not know (the analyzers always use it).
	NoHMM bool
	// Raw segments the text as given, without the analyzers' folding
	// (full-width to half-width, lower case, traditional to simplified).
	Raw bool
	// ShortestPath uses gse's Segment (its own shortest-path algorithm,
	// no HMM) instead of Cut (jieba's DAG and HMM).
	ShortestPath bool
}

// Words segments text the way the analyzers do, but keeps every piece
// (punctuation too) and returns the pieces as substrings of the ORIGINAL
// text, so that a segmentation can be scored against a gold standard.
// White space separates pieces and is dropped.
func (s *Segmenter) Words(text string, opt SegmentOptions) []string {
	if text == "" {
		return nil
	}
	n := normalize([]byte(text))
	in := string(n.norm)
	if opt.Raw {
		in = text
	}
	if opt.ShortestPath {
		s.calcTokens()
	}
	s.mu.RLock()
	var pieces []string
	if opt.ShortestPath {
		for _, sg := range s.gse.Segment([]byte(in)) {
			pieces = append(pieces, in[sg.Start():sg.End()])
		}
	} else {
		pieces = s.gse.Cut(in, !opt.NoHMM)
	}
	s.mu.RUnlock()

	var out []string
	cursor := 0
	for _, p := range pieces {
		if p == "" {
			continue
		}
		i := strings.Index(in[cursor:], p)
		if i < 0 {
			continue
		}
		start, end := cursor+i, cursor+i+len(p)
		cursor = end
		if !opt.Raw {
			start, end = n.orig(start), n.orig(end)
		}
		for _, f := range strings.FieldsFunc(text[start:end], unicode.IsSpace) {
			if searchable(f) {
				out = append(out, f)
				continue
			}
			// gse glues runs of punctuation ("。”", "》、《"); each mark
			// is a token of its own.
			for _, r := range f {
				out = append(out, string(r))
			}
		}
	}
	return out
}
