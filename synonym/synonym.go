// Package synonym holds a newsroom's synonym list in the format
// Elasticsearch, OpenSearch and Solr users already know, and expands a
// query word into the words it stands for:
//
//	# comments and blank lines are ignored
//	世卫组织, 世界卫生组织, WHO      (equivalent: each finds the others)
//	土豆 => 马铃薯                   (one-way: 土豆 finds 马铃薯, not back)
//	新冠, 新冠肺炎 => 新型冠状病毒肺炎  (one-way, several sources)
//
// Words are folded the way the analyzers fold text (full width to half
// width, lower case, traditional to simplified: tokenizer.Normalize), so
// ＷＨＯ, who and WHO are one word. Unlike Elasticsearch, a one-way rule
// keeps the typed word: the archive holds it too, and the exact form ranks
// first. Rules are not chained: `a, b` and `b, c` make b find a and c, but
// a finds only b (as in Solr and Elasticsearch).
//
// The package knows nothing of indexes or HTTP: Set is an immutable list,
// Store keeps the current Set in a data directory and swaps it atomically.
package synonym

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// ErrBadRule is wrapped by every error about a rule that cannot be used;
// the message names the file (or request field) and the line.
var ErrBadRule = errors.New("invalid synonym rule")

// Limits, the same as the newsroom dictionary's: a word holds at most
// MaxWordRunes characters, a list at most MaxRules rules.
const (
	MaxWordRunes     = 32
	MaxRules         = 10000
	MaxWordsPerRule  = 64
	MaxLineBytes     = 4096
	oneWayArrow      = "=>"
	equivalentMarker = ","
)

// Rule is one line of a synonym list. An equivalent rule has Words only;
// a one-way rule maps each of From to every word of Words.
type Rule struct {
	From  []string `json:"from,omitempty"` // one-way sources; empty for an equivalent rule
	Words []string `json:"words"`          // the equivalent words, or the one-way targets
}

// OneWay reports whether the rule works only from From to Words.
func (r Rule) OneWay() bool { return len(r.From) > 0 }

// String writes the rule in the list format; ParseRule(r.String()) is r.
func (r Rule) String() string {
	if r.OneWay() {
		return strings.Join(r.From, ", ") + " => " + strings.Join(r.Words, ", ")
	}
	return strings.Join(r.Words, ", ")
}

// ParseRule parses one rule (a line without its comment).
func ParseRule(line string) (Rule, error) {
	if len(line) > MaxLineBytes {
		return Rule{}, fmt.Errorf("%w: the rule is longer than %d bytes", ErrBadRule, MaxLineBytes)
	}
	if !utf8.ValidString(line) {
		return Rule{}, fmt.Errorf("%w: the rule is not valid UTF-8", ErrBadRule)
	}
	line = strings.ReplaceAll(line, "，", ",") // a Chinese input method's comma
	line = strings.ReplaceAll(line, "＝＞", oneWayArrow)
	switch n := strings.Count(line, oneWayArrow); {
	case n > 1:
		return Rule{}, fmt.Errorf("%w: %q has more than one =>; write one rule a line", ErrBadRule, line)
	case n == 1:
		left, right, _ := strings.Cut(line, oneWayArrow)
		from, err := words(left, "left of =>")
		if err != nil {
			return Rule{}, err
		}
		to, err := words(right, "right of =>")
		if err != nil {
			return Rule{}, err
		}
		return Rule{From: from, Words: to}, nil
	}
	ws, err := words(line, "rule")
	if err != nil {
		return Rule{}, err
	}
	if len(ws) < 2 {
		return Rule{}, fmt.Errorf("%w: %q names one word; list two or more (a, b) or map one way (a => b)", ErrBadRule, strings.TrimSpace(line))
	}
	return Rule{Words: ws}, nil
}

// words splits a comma-separated list, folds and checks each word, and
// drops repeats.
func words(list, where string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.Split(list, equivalentMarker) {
		w, err := Fold(w)
		if err != nil {
			return nil, err
		}
		if w == "" {
			if strings.TrimSpace(list) == "" {
				return nil, fmt.Errorf("%w: nothing %s; give a word", ErrBadRule, where)
			}
			return nil, fmt.Errorf("%w: an empty word in %q; remove the extra comma", ErrBadRule, strings.TrimSpace(list))
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	if len(out) > MaxWordsPerRule {
		return nil, fmt.Errorf("%w: %d words in one rule; use at most %d", ErrBadRule, len(out), MaxWordsPerRule)
	}
	return out, nil
}

// Fold is the form a word is stored and looked up in: trimmed, inner
// white space collapsed to one space, and folded as the analyzers fold
// text. An empty result is no word; a word too long or holding a control
// character is an error.
func Fold(w string) (string, error) {
	w = strings.Join(strings.Fields(w), " ")
	if w == "" {
		return "", nil
	}
	for _, r := range w {
		if unicode.IsControl(r) {
			return "", fmt.Errorf("%w: %q contains a control character", ErrBadRule, w)
		}
	}
	w = tokenizer.Normalize(w)
	if n := utf8.RuneCountInString(w); n > MaxWordRunes {
		return "", fmt.Errorf("%w: %q is %d characters long; a word holds at most %d", ErrBadRule, w, n, MaxWordRunes)
	}
	return w, nil
}

// Parse reads a synonym list: one rule a line, blank lines and lines
// starting with `#` ignored (as in Solr; a # inside a rule is text, so
// C# is a word). An error names name (the file) and the line.
func Parse(r io.Reader, name string) ([]Rule, error) {
	var rules []Rule
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), MaxLineBytes+1)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF") // a BOM from a Windows editor
		}
		if t := strings.TrimSpace(text); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		rule, err := ParseRule(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		rules = append(rules, rule)
		if len(rules) > MaxRules {
			return nil, fmt.Errorf("%s:%d: %w: more than %d rules; merge some", name, line, ErrBadRule, MaxRules)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s: %w: a line is longer than %d bytes", name, ErrBadRule, MaxLineBytes)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rules, nil
}

// Set is an immutable synonym list with its lookup table. The zero Set
// and a nil *Set expand nothing.
type Set struct {
	rules  []Rule
	expand map[string][]string // folded word → the other words it finds, in rule order
}

// NewSet builds a Set from rules, dropping repeated rules (same text).
func NewSet(rules []Rule) (*Set, error) {
	if len(rules) > MaxRules {
		return nil, fmt.Errorf("%w: %d rules; a list holds at most %d", ErrBadRule, len(rules), MaxRules)
	}
	s := &Set{expand: map[string][]string{}}
	seen := map[string]bool{}
	for _, r := range rules {
		if len(r.Words) == 0 || (!r.OneWay() && len(r.Words) < 2) {
			return nil, fmt.Errorf("%w: %q: a rule needs two words, or a => b", ErrBadRule, r.String())
		}
		key := r.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		s.rules = append(s.rules, r)
		from := r.From
		if !r.OneWay() {
			from = r.Words
		}
		for _, f := range from {
			for _, w := range r.Words {
				if w != f && !contains(s.expand[f], w) {
					s.expand[f] = append(s.expand[f], w)
				}
			}
		}
	}
	return s, nil
}

func contains(list []string, w string) bool {
	for _, x := range list {
		if x == w {
			return true
		}
	}
	return false
}

// Rules returns the rules in their order (a copy).
func (s *Set) Rules() []Rule {
	if s == nil {
		return nil
	}
	return append([]Rule(nil), s.rules...)
}

// Len is the number of rules.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Expand returns what a query word stands for: the word itself first (as
// given, trimmed), then the words the rules give it, folded, in rule
// order. A word no rule names (or one too long to be a rule word) gives
// just itself; an empty word gives nothing. One-way rules work only
// forward: with `土豆 => 马铃薯`, Expand("马铃薯") is just [马铃薯].
func (s *Set) Expand(text string) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	out := []string{text}
	if s == nil || len(s.expand) == 0 {
		return out
	}
	key, err := Fold(text)
	if err != nil {
		return out
	}
	return append(out, s.expand[key]...)
}

// Words lists every word of every rule once, in rule order: the words
// the segmentation dictionary must hold whole.
func (s *Set) Words() []string {
	if s == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, r := range s.rules {
		for _, list := range [][]string{r.From, r.Words} {
			for _, w := range list {
				if !seen[w] {
					seen[w] = true
					out = append(out, w)
				}
			}
		}
	}
	return out
}

// WriteTo writes the list in the format Parse reads.
func (s *Set) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	b.WriteString("# zhsearch synonyms: `a, b, c` equivalent, `a => b` one-way; one rule a line\n")
	for _, r := range s.Rules() {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
