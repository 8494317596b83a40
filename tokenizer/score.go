package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// SegScore accumulates a SIGHAN-bakeoff style segmentation score: a
// predicted word is correct when both its start and its end character
// positions match a gold word on the same line.
type SegScore struct {
	Lines     int `json:"lines"`
	GoldWords int `json:"gold_words"`
	TestWords int `json:"test_words"`
	Correct   int `json:"correct"`
	// OOVWords counts the gold words missing from the training word list;
	// OOVCorrect those of them segmented correctly.
	OOVWords   int `json:"oov_words"`
	OOVCorrect int `json:"oov_correct"`
	// IVWords and IVCorrect are the same for in-vocabulary words.
	IVWords   int `json:"iv_words"`
	IVCorrect int `json:"iv_correct"`
	// Mismatched counts lines whose gold and predicted words do not spell
	// the same text (they are still scored).
	Mismatched int `json:"mismatched_lines"`
}

// Add scores one line. known is the training word list (nil: no OOV figures).
func (sc *SegScore) Add(gold, test []string, known map[string]bool) {
	sc.Lines++
	sc.GoldWords += len(gold)
	sc.TestWords += len(test)
	if strings.Join(gold, "") != strings.Join(test, "") {
		sc.Mismatched++
	}
	type rng struct{ s, e int }
	pred := make(map[rng]bool, len(test))
	pos := 0
	for _, w := range test {
		n := utf8.RuneCountInString(w)
		pred[rng{pos, pos + n}] = true
		pos += n
	}
	pos = 0
	for _, w := range gold {
		n := utf8.RuneCountInString(w)
		ok := pred[rng{pos, pos + n}]
		pos += n
		if ok {
			sc.Correct++
		}
		if known == nil {
			continue
		}
		if known[w] {
			sc.IVWords++
			if ok {
				sc.IVCorrect++
			}
		} else {
			sc.OOVWords++
			if ok {
				sc.OOVCorrect++
			}
		}
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Precision is correct words over predicted words.
func (sc *SegScore) Precision() float64 { return ratio(sc.Correct, sc.TestWords) }

// Recall is correct words over gold words.
func (sc *SegScore) Recall() float64 { return ratio(sc.Correct, sc.GoldWords) }

// F1 is the harmonic mean of precision and recall.
func (sc *SegScore) F1() float64 {
	p, r := sc.Precision(), sc.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// OOVRecall is the recall of the gold words missing from the training list.
func (sc *SegScore) OOVRecall() float64 { return ratio(sc.OOVCorrect, sc.OOVWords) }

// IVRecall is the recall of the gold words in the training list.
func (sc *SegScore) IVRecall() float64 { return ratio(sc.IVCorrect, sc.IVWords) }

// OOVRate is the share of gold words missing from the training list.
func (sc *SegScore) OOVRate() float64 { return ratio(sc.OOVWords, sc.GoldWords) }
