package index

import "github.com/zhsearch/zhsearch/query"

// Pinyin in queries.
//
// pinyin:zhongnanshan searches the Chinese word the pinyin spells
// (钟南山), not the Latin letters. The index does not read pinyin itself:
// the server hands in a PinyinReader (the archive's pinyin suggester), so
// the words come from the archive and the newsroom dictionary, most used
// first, as the suggestions do.

// PinyinReader gives the Chinese words a word typed in pinyin spells
// whole, the most likely first; none when it spells nothing known.
type PinyinReader interface {
	Words(pinyin string) []string
}

// pinyinTexts rewrites tree: every pinyin: text becomes the word it
// spells, or an OR of the words when it spells several. It returns the new
// tree and what each pinyin text became. A pinyin text that spells
// nothing (or with no reader) is left as it is and matches nothing
// (compiler.text). tree is not changed.
func pinyinTexts(tree query.Q, pr PinyinReader) (query.Q, map[string][]string) {
	if pr == nil || !hasPinyin(tree) {
		return tree, nil
	}
	spelled := map[string][]string{}
	out := mapTexts(tree, func(q *query.Text) query.Q {
		if q.Field != query.FieldPinyin {
			return q
		}
		words := pr.Words(q.Text)
		if len(words) == 0 {
			return q
		}
		spelled[q.Text] = words
		if len(words) == 1 {
			return &query.Text{Text: words[0]}
		}
		or := &query.Or{}
		for _, w := range words {
			or.Children = append(or.Children, &query.Text{Text: w})
		}
		return or
	})
	return out, spelled
}

// mapTexts returns tree with every text clause replaced by f's answer
// for it, under NOT, AND and OR; tree itself is not changed (the
// rewrites of pinyin: texts and of synonyms).
func mapTexts(tree query.Q, f func(*query.Text) query.Q) query.Q {
	switch q := tree.(type) {
	case *query.Text:
		return f(q)
	case *query.Not:
		return &query.Not{Child: mapTexts(q.Child, f)}
	case *query.And:
		out := &query.And{Children: make([]query.Q, len(q.Children))}
		for i, ch := range q.Children {
			out.Children[i] = mapTexts(ch, f)
		}
		return out
	case *query.Or:
		out := &query.Or{Children: make([]query.Q, len(q.Children))}
		for i, ch := range q.Children {
			out.Children[i] = mapTexts(ch, f)
		}
		return out
	}
	return tree
}

// hasPinyin reports whether tree holds a pinyin: text.
func hasPinyin(q query.Q) bool {
	switch q := q.(type) {
	case *query.Text:
		return q.Field == query.FieldPinyin
	case *query.Not:
		return hasPinyin(q.Child)
	case *query.And:
		for _, ch := range q.Children {
			if hasPinyin(ch) {
				return true
			}
		}
	case *query.Or:
		for _, ch := range q.Children {
			if hasPinyin(ch) {
				return true
			}
		}
	}
	return false
}
