package index

import (
	"context"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// WordCounts calls fn with every Chinese word of two or more characters
// the archive's titles and article bodies hold, and the number of
// articles using it (a word in both a title and a body counts twice: a
// title use is worth more). It reads the term dictionaries, not the
// documents, so it is quick; it feeds the pinyin suggester (package
// pinyin), which ranks words by how often the archive uses them.
func (ix *Index) WordCounts(ctx context.Context, fn func(word string, articles uint64)) error {
	for _, field := range []string{fieldTitle, fieldWords} {
		dict, err := ix.bi.FieldDict(field)
		if err != nil {
			return fmt.Errorf("reading the words of %s: %w", field, err)
		}
		for n := 0; ; n++ {
			if n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					dict.Close()
					return err
				}
			}
			e, err := dict.Next()
			if err != nil {
				dict.Close()
				return fmt.Errorf("reading the words of %s: %w", field, err)
			}
			if e == nil {
				break
			}
			if hanWord(e.Term) {
				fn(e.Term, e.Count)
			}
		}
		if err := dict.Close(); err != nil {
			return fmt.Errorf("reading the words of %s: %w", field, err)
		}
	}
	return nil
}

// hanWord reports whether s is two or more Chinese characters and
// nothing else.
func hanWord(s string) bool {
	if utf8.RuneCountInString(s) < 2 {
		return false
	}
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}
