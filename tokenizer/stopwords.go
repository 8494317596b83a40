package tokenizer

// stopWords are function words kept in the index (so phrases match) but
// neither required nor highlighted when they stand alone in a query.
var stopWords = map[string]bool{}

func init() {
	for _, w := range []string{
		"的", "了", "是", "在", "和", "与", "及", "或", "也", "就", "都", "而", "着", "之", "等",
		"把", "被", "对", "从", "向", "于", "以", "将", "为", "地", "得", "所", "这", "那", "其",
		"个", "并", "但", "又", "还", "让", "给", "由", "则", "吗", "呢", "吧", "啊", "一个",
		"我们", "你们", "他们", "这个", "那个", "这些", "那些", "一些", "以及", "并且", "而且",
		"the", "a", "an", "of", "and", "or", "to", "in", "on", "is", "are", "for",
	} {
		stopWords[w] = true
	}
}

// IsStopWord reports whether term (in normalised form) is a stop word.
func IsStopWord(term string) bool { return stopWords[term] }
