package tokenizer

// DictSize is the number of words in the dictionary, newsroom words
// included; /readyz and /metrics report it.
func (s *Segmenter) DictSize() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.gse.Dict.NumTokens()
}
