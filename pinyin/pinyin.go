// Package pinyin suggests Chinese words for what an editor types in
// pinyin: full pinyin (zhongnanshan), initials (zns) and mixtures with
// characters (zhong南山, zhongns) all find 钟南山. Tones are ignored; ü is
// typed as v or u (lv and lu both find 绿). Readings come from
// github.com/mozillazg/go-pinyin (no hand-written table): a character's
// usual reading, and for the first character of a person's name every
// reading the library lists, so that the surnames 单 (shàn), 仇 (qiú),
// 覃 (qín) and 曾 (zēng) are found as they are read in names. The library
// reads characters one by one (it has no phrase table), so the other
// readings of a polyphonic character are matched too, ranked after the
// usual ones: chongqing finds 重庆 (重 is zhòng first), shanwei offers 汕尾
// before 单位.
//
// The Index is fed words with how often the archive uses them (Add) and
// ranks suggestions by that: words the input covers whole first, then
// longer words it begins; within each, matches through usual (or name)
// readings before other readings; then the most frequent first. It knows
// nothing of indexes or HTTP.
package pinyin

import (
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	gopinyin "github.com/mozillazg/go-pinyin"
	"golang.org/x/text/unicode/norm"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// Limits of what the Index holds and answers.
const (
	MaxWordRunes  = 16 // longer words are not indexed
	MaxInputRunes = 64 // longer inputs suggest nothing
	MaxSuggest    = 50 // most suggestions one call answers
)

// Options configure an Index.
type Options struct {
	// IsName reports whether a word is a person's name: the segmenter's
	// part of speech (tokenizer.Segmenter.Pos(w) == "nr"). Nil: no word is.
	IsName func(word string) bool
	// Surnames are the characters read as surnames at the start of a
	// name (tokenizer.Surnames). A name whose first character is one is
	// indexed under every reading of that character.
	Surnames map[rune]bool
}

// Suggestion is one word offered for an input.
type Suggestion struct {
	Word   string  `json:"word"`
	Pinyin string  `json:"pinyin"` // the reading the input matched, syllables separated by spaces
	Freq   float64 `json:"freq"`
	// Whole is true when the input covers every character of the word
	// (zns for 钟南山), false when it begins a longer one.
	Whole bool `json:"whole"`
	// Usual is false when the input matched a less usual reading of a
	// polyphonic character (zhongqing for 重庆 is usual, chongqing not:
	// the library reads 重 zhòng first).
	Usual bool `json:"usual"`
}

type entry struct {
	word     string
	runes    []rune
	readings [][]string // per character: its syllables, toneless, ü as v (and the u spelling)
	usual    []int      // per character: how many of readings are usual (the rest are other readings)
	freq     float64
}

// Index maps words to their pinyin for prefix lookups. It is safe for
// concurrent use.
type Index struct {
	opt     Options
	args    gopinyin.Args
	mu      sync.RWMutex
	at      map[string]int   // word → entries index
	entries []entry          // under mu
	buckets map[string][]int // first letter (or first character) → entries, most frequent first
	dirty   bool             // buckets need sorting
}

// New returns an empty Index.
func New(opt Options) *Index {
	a := gopinyin.NewArgs()
	a.Style = gopinyin.Normal
	a.Heteronym = true
	a.Fallback = func(rune, gopinyin.Args) []string { return nil }
	return &Index{opt: opt, args: a, at: map[string]int{}, buckets: map[string][]int{}}
}

// Len is the number of words held.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.entries)
}

// Add records that the archive uses word freq times more; words are
// folded first (traditional to simplified, full width to half). Only
// words of 2 to MaxWordRunes Chinese characters are held: a single
// character is too ambiguous to offer, and Latin text has no pinyin.
func (ix *Index) Add(word string, freq float64) {
	word = tokenizer.Normalize(strings.TrimSpace(word))
	n := utf8.RuneCountInString(word)
	if n < 2 || n > MaxWordRunes || freq < 0 {
		return
	}
	for _, r := range word {
		if !unicode.Is(unicode.Han, r) {
			return
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if i, ok := ix.at[word]; ok {
		ix.entries[i].freq += freq
		ix.dirty = true
		return
	}
	e, ok := ix.readings(word)
	if !ok {
		return
	}
	e.freq = freq
	i := len(ix.entries)
	ix.entries = append(ix.entries, e)
	ix.at[word] = i
	seen := map[string]bool{string(e.runes[0]): true}
	ix.buckets[string(e.runes[0])] = append(ix.buckets[string(e.runes[0])], i)
	for _, s := range e.readings[0] {
		if k := s[:1]; !seen[k] {
			seen[k] = true
			ix.buckets[k] = append(ix.buckets[k], i)
		}
	}
	ix.dirty = true
}

// readings looks word's syllables up: every reading the library gives
// each character, its first one usual; for a name's surname, all usual.
func (ix *Index) readings(word string) (entry, bool) {
	runes := []rune(word)
	all := gopinyin.Pinyin(word, ix.args)
	if len(all) != len(runes) {
		return entry{}, false // a character the library cannot read
	}
	name := ix.opt.IsName != nil && ix.opt.Surnames[runes[0]] && len(runes) <= 4 && ix.opt.IsName(word)
	e := entry{word: word, runes: runes, readings: make([][]string, len(runes)), usual: make([]int, len(runes))}
	for i, rs := range all {
		if len(rs) == 0 {
			return entry{}, false
		}
		usual := 1
		if name && i == 0 {
			usual = len(rs)
		}
		var syl []string
		for k, s := range rs {
			syl = appendNew(syl, s)
			if strings.Contains(s, "v") { // ü: typed as v or as u
				syl = appendNew(syl, strings.ReplaceAll(s, "v", "u"))
			}
			if k == usual-1 {
				e.usual[i] = len(syl)
			}
		}
		e.readings[i] = syl
	}
	return e, true
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// sortBuckets orders every bucket most frequent first (ties by word).
func (ix *Index) sortBuckets() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !ix.dirty {
		return
	}
	for _, b := range ix.buckets {
		sort.Slice(b, func(i, j int) bool {
			ei, ej := &ix.entries[b[i]], &ix.entries[b[j]]
			if ei.freq != ej.freq {
				return ei.freq > ej.freq
			}
			return ei.word < ej.word
		})
	}
	ix.dirty = false
}

// foldInput is what Suggest matches: folded as the index folds text,
// lower case, ü as v, without tones (marks such as ō, or digits 1 to 5
// after a syllable) and without the spaces, apostrophes (xi'an) and
// hyphens people type between syllables.
func foldInput(s string) []rune {
	s = norm.NFD.String(tokenizer.Normalize(strings.ToLower(s)))
	var out []rune
	for _, r := range s {
		switch {
		case r == '\u0308' && len(out) > 0 && out[len(out)-1] == 'u': // ü
			out[len(out)-1] = 'v'
		case unicode.Is(unicode.Mn, r): // a tone mark
		case r >= '1' && r <= '5' && len(out) > 0 && out[len(out)-1] < utf8.RuneSelf: // a tone number

		case r >= 'a' && r <= 'z', unicode.Is(unicode.Han, r):
			out = append(out, r)
		case unicode.IsSpace(r), r == '\'', r == '’', r == '-':
		default:
			return nil // digits, punctuation: not pinyin
		}
	}
	return out
}

// IsPinyin reports whether s could be pinyin typed for a word: it holds
// a Latin letter and nothing but letters, Chinese characters and the
// separators people type between syllables.
func IsPinyin(s string) bool {
	in := foldInput(s)
	for _, r := range in {
		if r < utf8.RuneSelf {
			return true
		}
	}
	return false
}

// Suggest returns up to n words for input (n ≤ 0 or over MaxSuggest:
// MaxSuggest): the words it covers whole, then those it begins, each most
// frequent first. An input without a Latin letter suggests nothing; the
// plain prefix completion serves it.
func (ix *Index) Suggest(input string, n int) []Suggestion {
	if n <= 0 || n > MaxSuggest {
		n = MaxSuggest
	}
	in := foldInput(input)
	if len(in) == 0 || len(in) > MaxInputRunes || !IsPinyin(input) {
		return nil
	}
	ix.sortBuckets()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	// tiers: whole & usual, whole & other, begun & usual, begun & other.
	var tiers [4][]Suggestion
	for _, i := range ix.buckets[string(in[0])] {
		e := &ix.entries[i]
		usual := true
		path, whole, ok := match(in, e, false)
		if !ok {
			usual = false
			if path, whole, ok = match(in, e, true); !ok {
				continue
			}
		}
		t := 0
		if !usual {
			t++
		}
		if !whole {
			t += 2
		}
		if len(tiers[t]) < n {
			tiers[t] = append(tiers[t], Suggestion{Word: e.word, Pinyin: strings.Join(path, " "), Freq: e.freq, Whole: whole, Usual: usual})
		}
		if len(tiers[0]) == n {
			break
		}
	}
	var out []Suggestion
	for _, t := range tiers {
		out = append(out, t...)
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// match reports whether input spells the beginning of e: each input
// piece is a character of the word, or any beginning of one of its
// syllables (a full syllable, its initial, or more). It returns the
// syllables matched (a character typed as itself stands for itself) and
// whether the input covers the whole word. With other false only the
// usual readings count. Failures are memoised by (input offset,
// character), so a long input costs little.
func match(in []rune, e *entry, other bool) (path []string, whole bool, ok bool) {
	n := len(e.runes)
	failed := make([]bool, (len(in)+1)*(n+1))
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		if i == len(in) {
			whole = j == n
			for k := j; k < n; k++ {
				path = append(path, e.readings[k][0])
			}
			return true
		}
		if j == n || failed[i*(n+1)+j] {
			return false
		}
		if r := in[i]; r >= utf8.RuneSelf {
			if r == e.runes[j] {
				path = append(path, string(r))
				if rec(i+1, j+1) {
					return true
				}
				path = path[:len(path)-1]
			}
			failed[i*(n+1)+j] = true
			return false
		}
		// Longest first: zhongnanshan reads zhong-nan-shan before z-h….
		syl := e.readings[j]
		if !other {
			syl = syl[:e.usual[j]]
		}
		for _, s := range syl {
			for k := min(len(s), len(in)-i); k >= 1; k-- {
				if !prefixMatch(in[i:i+k], s) {
					continue
				}
				path = append(path, s)
				if rec(i+k, j+1) {
					return true
				}
				path = path[:len(path)-1]
			}
		}
		failed[i*(n+1)+j] = true
		return false
	}
	if !rec(0, 0) {
		return nil, false, false
	}
	return path, whole, true
}

// prefixMatch reports whether the letters in are the beginning of s.
func prefixMatch(in []rune, s string) bool {
	if len(in) > len(s) {
		return false
	}
	for k, r := range in {
		if byte(r) != s[k] {
			return false
		}
	}
	return true
}
