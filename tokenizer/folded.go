package tokenizer

// Folded is a text with its folded form (Normalize), made once for
// finding many needles in it and testing whether it holds a word: a page
// of hits folds each of its texts once, not once per use.
type Folded struct {
	text string
	norm string
	n    *normalized // maps folded offsets back; nil when folding changes nothing
}

// Fold folds text.
func Fold(text string) Folded {
	if !foldable(text) {
		return Folded{text: text, norm: text}
	}
	n := normalize([]byte(text))
	return Folded{text: text, norm: string(n.norm), n: &n}
}

// Norm is the folded text.
func (f Folded) Norm() string { return f.norm }

// FindAll is FindAll(text, needles) on the folded text: the byte ranges
// of the original text where the needles occur.
func (f Folded) FindAll(needles []string) [][2]int {
	if f.text == "" || len(needles) == 0 {
		return nil
	}
	return findAll(f.norm, needles, f.n)
}
