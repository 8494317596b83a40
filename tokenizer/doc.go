// Package tokenizer turns Chinese news text into search tokens.
//
// It wraps gse (github.com/go-ego/gse) so that every token carries the byte
// range it came from in the ORIGINAL text, whatever normalisation happened
// (full-width to half-width, lower-casing, traditional to simplified
// characters), which is what lets highlights land on exactly the right
// characters.
//
// Three kinds of token are produced:
//
//   - word: gse precise-mode words, at consecutive positions;
//   - subword: dictionary words inside a long word, at the SAME position as
//     the word that holds them, so phrase queries still match;
//   - bigram/unigram: overlapping character bigrams of Han runs (and single
//     characters), with the letters and digits between them as whole
//     words, the recall path that lets any substring be found.
//
// Segmentation is gse's precise mode (Cut with the HMM for runs the
// dictionary does not know) on the folded text; each word is found again
// in order in the folded text, and folding is rune for rune, so its byte
// range in the original is exact even for repeated words (gse's own
// Analyze gets those wrong). Cut rather than gse's Segment: Segment has no
// HMM, and words added at run time would need its path costs recomputed
// over the whole dictionary (seconds) to be weighed right.
//
// Words, SegScore and Explain serve the tools: scoring segmentation
// against a SIGHAN gold file, and showing what the analyzers make of a
// text.
//
// The package registers its tokenizers and analyzers in bleve's registry in
// init, as bleve's own analyzers do, and keeps the one shared segmenter
// (Shared): the one they use unless a mapping defines them on a segmenter
// of its own (AnalyzerConfig). It knows nothing of indexes or HTTP.
package tokenizer
