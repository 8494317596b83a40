package article

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PageMeta is what a page file does not say about itself: it comes from
// flags or query parameters at import time.
type PageMeta struct {
	PublishedAt string // RFC 3339 or YYYY-MM-DD
	Source      string // the paper
	Page        string // page number or name
	Section     string // overrides the page banner when set
}

// Page is the result of parsing one page file.
type Page struct {
	Banner   string    `json:"banner,omitempty"`   // the `# …` line: the page's theme
	Articles []Article `json:"articles"`           // in print order
	Warnings []string  `json:"warnings,omitempty"` // text that belongs to no article, with its line
}

// MaxKickerRunes bounds the length of a kicker (引题) line.
const MaxKickerRunes = 30

type blockKind int

const (
	blockText blockKind = iota
	blockBanner
	blockTitle
	blockSubhead
)

type block struct {
	kind  blockKind
	text  string
	line  int  // 1-based line of its first line
	lines int  // number of source lines
	kick  bool // a text block that is the kicker of the next title
}

// ParsePage parses a page converted from print: `# banner`, `## title`,
// `### subhead`, kicker lines, paragraphs separated by blank lines, and
// bylines on their own line or glued to the last paragraph. Paragraphs the
// PDF broke at a column break (a block that does not end a sentence,
// followed by a text block) are joined back.
func ParsePage(r io.Reader, meta PageMeta) (*Page, error) {
	blocks, err := readBlocks(r)
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(blocks); i++ {
		b := &blocks[i-1]
		if blocks[i].kind == blockTitle && b.kind == blockText && isKicker(b) {
			b.kick = true
		}
	}

	page := &Page{}
	var (
		cur     *Article
		subhead string
		kicker  string
		joinOK  bool // the last block was a text paragraph that did not end a sentence
	)
	finish := func() {
		if cur != nil {
			cur.Normalize()
			page.Articles = append(page.Articles, *cur)
			cur = nil
		}
	}
	for _, b := range blocks {
		switch {
		case b.kind == blockBanner:
			page.Banner = b.text
			joinOK = false
		case b.kind == blockTitle:
			finish()
			section := meta.Section
			if section == "" {
				section = page.Banner
			}
			cur = &Article{
				Title: b.text, Kicker: kicker, Section: section,
				PublishedAt: meta.PublishedAt, Source: meta.Source, Page: meta.Page,
			}
			kicker, subhead, joinOK = "", "", false
		case b.kind == blockSubhead:
			subhead = b.text
			joinOK = false
		case b.kick:
			kicker = b.text
			joinOK = false
		case cur == nil:
			page.Warnings = append(page.Warnings, fmt.Sprintf("line %d: text before the first ## title ignored", b.line))
		default:
			text, by := splitByline(b.text)
			if by != nil {
				cur.addByline(by)
			}
			if text == "" {
				joinOK = false
				continue
			}
			if joinOK && len(cur.Paragraphs) > 0 {
				last := &cur.Paragraphs[len(cur.Paragraphs)-1]
				// the joined text may be a byline the break cut in
				// two (记者 张 | 三), or end in one
				var joinedBy *byline
				last.Text, joinedBy = splitByline(joinBroken(last.Text, text))
				if joinedBy != nil {
					cur.addByline(joinedBy)
					by = joinedBy
					if last.Text == "" {
						cur.Paragraphs = cur.Paragraphs[:len(cur.Paragraphs)-1]
					}
				}
			} else {
				cur.Paragraphs = append(cur.Paragraphs, Paragraph{Text: text, Subhead: subhead})
			}
			joinOK = by == nil && !endsSentence(text)
		}
	}
	finish()
	return page, nil
}

// readBlocks splits the page into headings and blank-line separated text
// blocks; the lines of a text block are joined.
func readBlocks(r io.Reader) ([]block, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	var (
		blocks []block
		cur    *block
	)
	for line := 1; sc.Scan(); line++ {
		raw := sc.Text()
		if !utf8.ValidString(raw) {
			return nil, fmt.Errorf("%w: line %d is not valid UTF-8", ErrInvalid, line)
		}
		text := strings.TrimSpace(strings.ReplaceAll(raw, "\u3000", " "))
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if text == "" {
			cur = nil
			continue
		}
		if kind, h, ok := heading(text); ok {
			blocks = append(blocks, block{kind: kind, text: h, line: line, lines: 1})
			cur = nil
			continue
		}
		if cur == nil {
			blocks = append(blocks, block{kind: blockText, text: text, line: line, lines: 1})
			cur = &blocks[len(blocks)-1]
			continue
		}
		cur.text = joinBroken(cur.text, text)
		cur.lines++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading page: %w", err)
	}
	return blocks, nil
}

// heading recognises `#`, `##` and `###` lines.
func heading(line string) (blockKind, string, bool) {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	if n == 0 || n > 3 || n == len(line) || (line[n] != ' ' && line[n] != '\t') {
		return 0, "", false
	}
	text := strings.TrimSpace(line[n:])
	if text == "" {
		return 0, "", false
	}
	return [...]blockKind{0, blockBanner, blockTitle, blockSubhead}[n], text, true
}

// isKicker: a short single line, no sentence end, not a byline.
func isKicker(b *block) bool {
	if b.lines != 1 || utf8.RuneCountInString(b.text) > MaxKickerRunes || endsSentence(b.text) {
		return false
	}
	_, by := splitByline(b.text)
	return by == nil
}

// endsSentence reports whether text ends a sentence: a full stop,
// question or exclamation mark or ellipsis, possibly followed by closing
// quotes or brackets.
func endsSentence(text string) bool {
	text = strings.TrimRightFunc(text, func(r rune) bool {
		return strings.ContainsRune("”’」』）)\"'》", r)
	})
	r, _ := utf8.DecodeLastRuneInString(text)
	return strings.ContainsRune("。！？!?…；;", r)
}

// joinBroken joins two pieces of a paragraph the PDF broke apart: directly
// between Chinese characters, with a space between Latin words.
func joinBroken(a, b string) string {
	ra, _ := utf8.DecodeLastRuneInString(a)
	rb, _ := utf8.DecodeRuneInString(b)
	if ra < utf8.RuneSelf && rb < utf8.RuneSelf && (unicode.IsLetter(ra) || unicode.IsDigit(ra)) && (unicode.IsLetter(rb) || unicode.IsDigit(rb)) {
		return a + " " + b
	}
	return a + b
}

// byline is what a byline says.
type byline struct {
	raw     string
	authors []string
	photo   []string
}

func (a *Article) addByline(b *byline) {
	if a.Byline != "" {
		a.Byline += " "
	}
	a.Byline += b.raw
	a.Authors = appendNew(a.Authors, b.authors...)
	a.PhotoBy = appendNew(a.PhotoBy, b.photo...)
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		dup := false
		for _, l := range list {
			if l == it {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, it)
		}
	}
	return list
}

var (
	roleRE   = regexp.MustCompile(`^(本报记者|本报通讯员|见习记者|特约记者|首席记者|记者|通讯员|实习生)(\p{Han}{2,4})?$`)
	nameRE   = regexp.MustCompile(`^\p{Han}{2,4}$`)
	creditRE = regexp.MustCompile(`^(文/图|文／图|图/文|图／文|摄|摄影|图|文)$`)
	// bylineTailRE finds a byline glued after the last sentence of a paragraph.
	bylineTailRE = regexp.MustCompile(`[。！？!?”」』）)]\s*((?:本报记者|本报通讯员|见习记者|特约记者|首席记者|记者|通讯员|实习生)[\p{Han}\s、/／]{2,60})$`)
)

// splitByline separates a byline from text: the whole text when it is a
// byline line, or a byline glued to the end of a paragraph. by is nil when
// there is none.
func splitByline(text string) (rest string, by *byline) {
	if b := parseByline(text); b != nil {
		return "", b
	}
	m := bylineTailRE.FindStringSubmatchIndex(text)
	if m == nil {
		return text, nil
	}
	if b := parseByline(text[m[2]:m[3]]); b != nil {
		return strings.TrimSpace(text[:m[2]]), b
	}
	return text, nil
}

// parseByline parses a line such as `记者 景静 文/图`, `本报记者 张三 李四` or
// `通讯员 王五 记者 赵六 摄`; nil when the line is not a byline.
func parseByline(line string) *byline {
	fields := strings.FieldsFunc(line, func(r rune) bool { return unicode.IsSpace(r) || r == '、' || r == '，' })
	if len(fields) == 0 || utf8.RuneCountInString(line) > 60 {
		return nil
	}
	b := &byline{raw: strings.Join(strings.Fields(line), " ")}
	var (
		names   []string // names since the last role
		hasRole bool
	)
	flush := func(photo bool) {
		if photo {
			b.photo = appendNew(b.photo, names...)
		}
	}
	for _, f := range fields {
		switch {
		case roleRE.MatchString(f):
			hasRole = true
			names = nil
			if m := roleRE.FindStringSubmatch(f); m[2] != "" {
				names = append(names, m[2])
				b.authors = appendNew(b.authors, m[2])
			}
		case creditRE.MatchString(f):
			flush(f != "文")
		case hasRole && nameRE.MatchString(f):
			names = append(names, f)
			b.authors = appendNew(b.authors, f)
		default:
			return nil
		}
	}
	if !hasRole || len(b.authors) == 0 {
		return nil
	}
	return b
}
