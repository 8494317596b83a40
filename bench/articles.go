package bench

import (
	"fmt"
	"os"

	"github.com/zhsearch/zhsearch/article"
)

// ReadArticles reads the articles of a JSONL corpus (gzip-compressed
// when it ends in .gz) with package article's NDJSON reader: the first
// limit of them (0: all), each id once. zhsearch eval search indexes
// them, zhsearch loadtest serves and writes them. A malformed line is an
// error naming the file and line: an evaluation must know what it
// measures.
func ReadArticles(path string, limit int) ([]*article.Article, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w (the evaluation corpora live in ../shared/data/news; pass --corpus)", err)
	}
	defer f.Close()
	_, gz := article.FormatOf(path)
	r, err := article.Decompress(f, gz)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer r.Close()
	var arts []*article.Article
	seen := map[string]bool{}
	err = article.ReadNDJSON(r, article.ReadOptions{}, func(it article.Item) error {
		if it.Err != nil {
			return fmt.Errorf("%s:%d: %w", path, it.Line, it.Err)
		}
		if a := it.Article; !seen[a.ID] {
			seen[a.ID] = true
			arts = append(arts, a)
		}
		if limit > 0 && len(arts) >= limit {
			return article.ErrStop
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return arts, nil
}
