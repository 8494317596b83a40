package tokenizer

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// Names of people, places and organisations, recognised from the parts
// of speech the dictionary gives the words a text was segmented into.
//
// gse's dictionary (jieba's, with ICTCLAS tags) tags names nr (a person),
// nrfg and nrt (a person: a full name, a transliterated one), ns (a
// place) and nt (an organisation). Words the newsroom adds with one of
// those tags, or with person, place or org, count the same. nz (any other
// proper noun: 新闻联播, a product) is none of the three and is left out.
//
// The base dictionary's tags are noisy: thousands of single characters
// are tagged nr (they can be surnames), and common words such as 文明,
// 智慧 and 城市 carry nr or ns. So, for the base dictionary's words:
//
//   - a name has at least two characters, all Han;
//   - entity_fix.txt corrects the tags of the words found wrong most
//     often in news (文明 is no name, 莫斯科 a place, 普京 a person);
//   - nrfg (full names) count as they are; nr (at most three characters)
//     and nrt count only with a context cue (personBefore, personAfter);
//   - a word gse's HMM made, not in the dictionary, of two or three Han
//     characters starting with a surname, is a person's name with a cue.
//
// A word the newsroom added with a tag is trusted as tagged, cue or not:
// the newsroom said so. A newsroom word with any other tag (n, say) is
// not a name, which is how a newsroom takes back a wrong tag of the base
// dictionary. docs/entities.md has what this finds and misses.

// EntityKind says what a name names.
type EntityKind uint8

// Kinds of names.
const (
	EntityNone   EntityKind = iota
	EntityPerson            // 人名
	EntityPlace             // 地名
	EntityOrg               // 机构名
)

// String names the kind as the index fields and the API do.
func (k EntityKind) String() string {
	switch k {
	case EntityPerson:
		return "person"
	case EntityPlace:
		return "place"
	case EntityOrg:
		return "org"
	}
	return ""
}

// EntityKindOf maps a part-of-speech tag to the kind of name it marks:
// nr, nrfg, nrt and person are people; ns and place places; nt and org
// organisations; anything else (nz among them) none.
func EntityKindOf(pos string) EntityKind {
	switch pos {
	case "nr", "nrfg", "nrt", "person":
		return EntityPerson
	case "ns", "place":
		return EntityPlace
	case "nt", "org":
		return EntityOrg
	}
	return EntityNone
}

// Entities are the distinct names found in a text, in order of first
// appearance, each list at most MaxEntities long.
type Entities struct {
	Person []string `json:"person"`
	Place  []string `json:"place"`
	Org    []string `json:"org"`
}

// MaxEntities bounds the names of each kind kept for one text: a long
// programme summary names dozens of places, and the index and facets
// need the main ones, not every one.
const MaxEntities = 50

// Empty reports whether no name was found.
func (e Entities) Empty() bool { return len(e.Person)+len(e.Place)+len(e.Org) == 0 }

//go:embed entity_fix.txt
var entityFixText string

// entityFix is entity_fix.txt: base-dictionary words whose tag is wrong
// in news text, each with the kind it should have (EntityNone for a word
// that is no name at all: 文明, 城市, 东西). A newsroom word overrides it.
var entityFix = func() map[string]EntityKind {
	m := map[string]EntityKind{}
	sc := bufio.NewScanner(strings.NewReader(entityFixText))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		kind := "-"
		if len(f) > 1 {
			kind = f[len(f)-1]
		}
		for _, w := range f[:max(1, len(f)-1)] {
			m[w] = EntityKindOf(kind)
		}
	}
	return m
}()

// Context cues of a person's name: a base-dictionary word tagged nr or
// nrt, or a word the dictionary does not know (gse's HMM made it) of two
// or three Han characters starting with a surname, is a person's name
// only next to one of these: a title or role before it (总理李克强,
// 记者景静), or a title, a verb of speech or meeting after it (习近平主席,
// 特朗普表示). The tag alone is too noisy: 文明, 智慧, 有利于 and 卫星
// are all tagged nr.
var (
	personBefore = setOf("主席 副主席 总书记 总理 副总理 总统 副总统 首相 国务委员 委员长 部长 副部长 外长 书记 省长 副省长 市长 副市长 县长 主任 院士 教授 记者 通讯员 发言人 大使 局长 院长 校长 董事长 总裁 总经理 主持人 医生 博士 队长 主教练 国王 王储 秘书长 总干事 司令员 政委 负责人 创始人 作者 编辑 摄影")
	personAfter  = setOf("说 表示 指出 强调 认为 介绍 告诉 坦言 透露 回忆 主持 会见 会晤 会谈 接见 出席 致电 致信 同志 先生 女士 院士 教授 主席 总统 总理 书记 一行 等人 夫妇 本人")
)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// surnames is the surname table (Surnames(10)), loaded with the first
// text that needs it.
var surnames = sync.OnceValue(func() map[rune]bool {
	m, err := Surnames(10)
	if err != nil {
		return map[rune]bool{}
	}
	return m
})

// candidate is what the dictionary alone says of a word: its kind, and
// whether it needs a context cue to count (a person of the base
// dictionary's nr or nrt, or an unknown word shaped like a name).
type candidate struct {
	kind     EntityKind
	needsCue bool
}

// classify looks word up; s.mu is held.
func (s *Segmenter) classify(word string) candidate {
	freq, pos, ok := s.gse.Find(word)
	known := ok && freq > 0
	if known && s.newsroom[word] {
		return candidate{kind: EntityKindOf(pos)} // trusted as tagged
	}
	if k, ok := entityFix[word]; ok {
		return candidate{kind: k}
	}
	n := utf8.RuneCountInString(word)
	if n < 2 {
		return candidate{}
	}
	for _, r := range word {
		if !isHan(r) {
			return candidate{}
		}
	}
	if !known { // a word of gse's HMM: a name only by its shape and a cue
		first, _ := utf8.DecodeRuneInString(word)
		if n <= 3 && surnames()[first] {
			return candidate{kind: EntityPerson, needsCue: true}
		}
		return candidate{}
	}
	switch pos {
	case "nrfg": // full names: 习近平, 李长春
		return candidate{kind: EntityPerson}
	case "nr", "nrt":
		if pos == "nr" && n > 3 { // 今天上午, 严格执行: four-character nr are phrases
			return candidate{}
		}
		return candidate{kind: EntityPerson, needsCue: true}
	}
	return candidate{kind: EntityKindOf(pos)}
}

// EntityOf says which kind of name word is by the dictionary and the
// rules alone, without context: a word that needs a context cue to be a
// person's name is EntityNone here.
func (s *Segmenter) EntityOf(word string) EntityKind {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.classify(Normalize(word))
	if c.needsCue {
		return EntityNone
	}
	return c.kind
}

// Entities collects the names among tokens, the words of an IndexMode or
// QueryMode analysis in order (sub-words and the recall path's tokens are
// skipped: a name is a word of the segmentation). A person's name that
// needs a cue counts in the whole text once it has one anywhere in it.
// It costs one dictionary look-up a word, under one read lock.
func (s *Segmenter) Entities(tokens []Token) Entities {
	words := make([]string, 0, len(tokens))
	for _, t := range tokens {
		if t.Kind == KindWord {
			words = append(words, t.Term)
		}
	}
	cands := make([]candidate, len(words))
	cued := map[string]bool{}
	s.mu.RLock()
	for i, w := range words {
		if len(w) <= utf8.UTFMax && !s.newsroom[w] {
			continue // one character (most words of a text), or short Latin or digits: no name but the newsroom's
		}
		cands[i] = s.classify(w)
		if cands[i].needsCue && (i > 0 && personBefore[words[i-1]] || i+1 < len(words) && personAfter[words[i+1]]) {
			cued[w] = true
		}
	}
	s.mu.RUnlock()
	var e Entities
	seen := map[string]bool{}
	for i, c := range cands {
		w := words[i]
		if c.kind == EntityNone || seen[w] || c.needsCue && !cued[w] {
			continue
		}
		seen[w] = true
		switch c.kind {
		case EntityPerson:
			if len(e.Person) < MaxEntities {
				e.Person = append(e.Person, w)
			}
		case EntityPlace:
			if len(e.Place) < MaxEntities {
				e.Place = append(e.Place, w)
			}
		case EntityOrg:
			if len(e.Org) < MaxEntities {
				e.Org = append(e.Org, w)
			}
		}
	}
	return e
}
