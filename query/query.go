// Package query parses zhsearch's query language into a tree, as zoekt's
// query package does: plain words (all must match), "quoted phrases",
// -exclusions, OR, parentheses and field scopes (title:, body:, author:,
// section:, tag:, source:, and pinyin:, a word typed in pinyin to be
// searched as the Chinese word it spells). It knows nothing of indexes: package index
// compiles the tree into a search.
package query

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrSyntax is wrapped by every parse error; the message says what to change.
var ErrSyntax = errors.New("query syntax")

// MaxRunes is the longest query accepted, in characters.
const MaxRunes = 256

// MaxClauses bounds the number of words and phrases in one query.
const MaxClauses = 64

// FieldPinyin scopes a word typed in pinyin (pinyin:zhongnanshan): the
// compiler searches the Chinese words it spells (package pinyin), not
// the letters.
const FieldPinyin = "pinyin"

// Fields are the scopes a term may name.
var Fields = []string{"title", "body", "author", "section", "tag", "source", FieldPinyin}

// Q is a node of the query tree.
type Q interface {
	String() string
}

// Text is a word or a quoted phrase, optionally scoped to a field ("" is
// the article's text: title and body; "body" is the body text alone, or
// a paragraph's text in a paragraph search).
type Text struct {
	Field  string
	Text   string
	Phrase bool
}

// Not excludes what its child matches.
type Not struct{ Child Q }

// And matches what all children match.
type And struct{ Children []Q }

// Or matches what any child matches.
type Or struct{ Children []Q }

func (t *Text) String() string {
	s := t.Text
	if t.Phrase {
		s = fmt.Sprintf("%q", t.Text)
	}
	if t.Field != "" {
		return t.Field + ":" + s
	}
	return s
}
func (n *Not) String() string { return "-" + n.Child.String() }
func (a *And) String() string { return "(and " + join(a.Children) + ")" }
func (o *Or) String() string  { return "(or " + join(o.Children) + ")" }

func join(qs []Q) string {
	parts := make([]string, len(qs))
	for i, q := range qs {
		parts[i] = q.String()
	}
	return strings.Join(parts, " ")
}

// Parse parses a query string. The result has at least one positive
// clause: a query of exclusions only is an error.
func Parse(s string) (Q, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: the query is not valid UTF-8", ErrSyntax)
	}
	if n := utf8.RuneCountInString(s); n > MaxRunes {
		return nil, fmt.Errorf("%w: the query has %d characters; shorten it to at most %d", ErrSyntax, n, MaxRunes)
	}
	p := &parser{toks: lex(s)}
	if p.err != nil {
		return nil, p.err
	}
	for _, t := range p.toks {
		if t.kind == tokErr {
			return nil, fmt.Errorf("%w: %s", ErrSyntax, t.text)
		}
	}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("%w: the query is empty; type a word to search for", ErrSyntax)
	}
	q, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		switch t := p.toks[p.pos]; t.kind {
		case tokOr:
			return nil, fmt.Errorf("%w: OR needs a word on both sides", ErrSyntax)
		case tokRParen:
			return nil, fmt.Errorf("%w: unbalanced parenthesis; remove the extra ')' or add the missing '('", ErrSyntax)
		default:
			return nil, fmt.Errorf("%w: unexpected %q; remove it", ErrSyntax, t.text)
		}
	}
	if q == nil || !positive(q) {
		return nil, fmt.Errorf("%w: the query only excludes; add a word to search for", ErrSyntax)
	}
	if n := count(q); n > MaxClauses {
		return nil, fmt.Errorf("%w: the query has %d words or phrases; use at most %d", ErrSyntax, n, MaxClauses)
	}
	return q, nil
}

// positive reports whether q can match something by itself.
func positive(q Q) bool {
	switch q := q.(type) {
	case *Text:
		return true
	case *Not:
		return false
	case *And:
		for _, c := range q.Children {
			if positive(c) {
				return true
			}
		}
		return false
	case *Or:
		for _, c := range q.Children {
			if !positive(c) {
				return false
			}
		}
		return len(q.Children) > 0
	}
	return false
}

func count(q Q) int {
	switch q := q.(type) {
	case *Text:
		return 1
	case *Not:
		return count(q.Child)
	case *And:
		n := 0
		for _, c := range q.Children {
			n += count(c)
		}
		return n
	case *Or:
		n := 0
		for _, c := range q.Children {
			n += count(c)
		}
		return n
	}
	return 0
}

type tokKind int

const (
	tokWord tokKind = iota
	tokPhrase
	tokLParen
	tokRParen
	tokMinus
	tokOr
	tokField // text is the field name; the next token is its operand
	tokErr
)

type token struct {
	kind tokKind
	text string
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// lex splits the query into tokens. Full-width quotes, brackets and colons
// count as their ASCII forms, since Chinese input methods type them.
func lex(s string) []token {
	s = strings.NewReplacer("“", `"`, "”", `"`, "（", "(", "）", ")", "：", ":").Replace(s)
	var toks []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case isSpace(r):
			i++
		case r == '(':
			toks = append(toks, token{tokLParen, "("})
			i++
		case r == ')':
			toks = append(toks, token{tokRParen, ")"})
			i++
		case r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			if j == len(rs) {
				return append(toks, token{tokErr, "unbalanced quote; close the phrase with '\"'"})
			}
			toks = append(toks, token{tokPhrase, string(rs[i+1 : j])})
			i = j + 1
		case r == '-' && (len(toks) == 0 || i == 0 || isSpace(rs[i-1]) || rs[i-1] == '(') && i+1 < len(rs) && !isSpace(rs[i+1]):
			toks = append(toks, token{tokMinus, "-"})
			i++
		default:
			j := i
			for j < len(rs) && !isSpace(rs[j]) && !strings.ContainsRune(`()"`, rs[j]) {
				if rs[j] == ':' {
					break
				}
				j++
			}
			word := string(rs[i:j])
			if j < len(rs) && rs[j] == ':' && word != "" {
				if !knownField(word) {
					return append(toks, token{tokErr, fmt.Sprintf("unknown field %q; use one of %s", word, strings.Join(Fields, ", "))})
				}
				toks = append(toks, token{tokField, word})
				i = j + 1
				continue
			}
			if j < len(rs) && rs[j] == ':' { // a lone ':' is just text
				j++
				word = string(rs[i:j])
			}
			if word == "OR" || word == "|" {
				toks = append(toks, token{tokOr, word})
			} else {
				toks = append(toks, token{tokWord, word})
			}
			i = j
		}
	}
	return toks
}

func knownField(f string) bool {
	for _, k := range Fields {
		if f == k {
			return true
		}
	}
	return false
}

type parser struct {
	toks  []token
	pos   int
	depth int
	err   error
}

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

// MaxDepth bounds the nesting of parentheses.
const MaxDepth = 16

func (p *parser) parseOr() (Q, error) {
	var alts []Q
	for {
		q, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		if q == nil {
			if len(alts) > 0 {
				return nil, fmt.Errorf("%w: OR needs a word on both sides", ErrSyntax)
			}
			return nil, nil
		}
		alts = append(alts, q)
		t, ok := p.peek()
		if !ok || t.kind != tokOr {
			break
		}
		p.pos++
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &Or{Children: alts}, nil
}

func (p *parser) parseAnd() (Q, error) {
	var cs []Q
	for {
		t, ok := p.peek()
		if !ok || t.kind == tokOr || t.kind == tokRParen {
			break
		}
		q, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		cs = append(cs, q)
	}
	switch len(cs) {
	case 0:
		return nil, nil
	case 1:
		return cs[0], nil
	}
	return &And{Children: cs}, nil
}

func (p *parser) parseUnary() (Q, error) {
	t, _ := p.peek()
	if t.kind == tokMinus {
		p.pos++
		q, err := p.parsePrimary("")
		if err != nil {
			return nil, err
		}
		return &Not{Child: q}, nil
	}
	return p.parsePrimary("")
}

func (p *parser) parsePrimary(field string) (Q, error) {
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("%w: the query ends too early; add a word after the last operator", ErrSyntax)
	}
	p.pos++
	switch t.kind {
	case tokWord:
		if field == FieldPinyin && !pinyinText(t.text) {
			return nil, fmt.Errorf("%w: pinyin:%s holds no Latin letter; type the word in pinyin, such as pinyin:zhongnanshan", ErrSyntax, t.text)
		}
		return &Text{Field: field, Text: t.text}, nil
	case tokPhrase:
		if strings.TrimSpace(t.text) == "" {
			return nil, fmt.Errorf("%w: empty phrase \"\"; put words between the quotes", ErrSyntax)
		}
		if field == FieldPinyin && !pinyinText(t.text) {
			return nil, fmt.Errorf("%w: pinyin:%q holds no Latin letter; type the word in pinyin, such as pinyin:zhongnanshan", ErrSyntax, t.text)
		}
		return &Text{Field: field, Text: t.text, Phrase: true}, nil
	case tokField:
		if field != "" {
			return nil, fmt.Errorf("%w: field %q inside field %q; use one field per term", ErrSyntax, t.text, field)
		}
		return p.parsePrimary(t.text)
	case tokLParen:
		p.depth++
		if p.depth > MaxDepth {
			return nil, fmt.Errorf("%w: parentheses nested deeper than %d", ErrSyntax, MaxDepth)
		}
		q, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		p.depth--
		if c, ok := p.peek(); !ok || c.kind != tokRParen {
			return nil, fmt.Errorf("%w: unbalanced parenthesis; add the missing ')'", ErrSyntax)
		}
		p.pos++
		if q == nil {
			return nil, fmt.Errorf("%w: empty parentheses; put words inside them", ErrSyntax)
		}
		if field != "" {
			q = scope(q, field)
		}
		return q, nil
	case tokRParen:
		return nil, fmt.Errorf("%w: unbalanced parenthesis; remove the extra ')'", ErrSyntax)
	case tokOr:
		return nil, fmt.Errorf("%w: OR needs a word on both sides", ErrSyntax)
	case tokMinus:
		return nil, fmt.Errorf("%w: '-' must be followed by a word or phrase", ErrSyntax)
	}
	return nil, fmt.Errorf("%w: unexpected %q", ErrSyntax, t.text)
}

// scope applies a field to every unscoped term of q.
func scope(q Q, field string) Q {
	switch q := q.(type) {
	case *Text:
		if q.Field == "" {
			q.Field = field
		}
	case *Not:
		scope(q.Child, field)
	case *And:
		for _, c := range q.Children {
			scope(c, field)
		}
	case *Or:
		for _, c := range q.Children {
			scope(c, field)
		}
	}
	return q
}

// pinyinText reports whether s holds a Latin letter, as a word typed in
// pinyin does (zhongnanshan, zns, zhong南山).
func pinyinText(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}
