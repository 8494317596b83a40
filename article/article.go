package article

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every validation error of an article.
var ErrInvalid = errors.New("invalid article")

// Paragraph is one paragraph of an article's body.
type Paragraph struct {
	Index   int    `json:"index"`
	Text    string `json:"text"`
	Subhead string `json:"subhead,omitempty"` // the ### heading it falls under
}

// Article is a news article with its paragraphs: the unit zhsearch stores,
// and the schema of its JSON input and output.
type Article struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Kicker      string      `json:"kicker,omitempty"` // 引题: the line above the title
	Section     string      `json:"section,omitempty"`
	Authors     []string    `json:"authors,omitempty"`
	PhotoBy     []string    `json:"photo_by,omitempty"` // photo credits (文/图, 摄)
	Byline      string      `json:"byline,omitempty"`   // the byline as printed
	PublishedAt string      `json:"published_at,omitempty"`
	Source      string      `json:"source,omitempty"`
	Page        string      `json:"page,omitempty"`
	Tags        []string    `json:"tags,omitempty"`
	URL         string      `json:"url,omitempty"`
	Summary     string      `json:"summary,omitempty"`
	Paragraphs  []Paragraph `json:"paragraphs"`
}

// Published parses PublishedAt: RFC 3339 keeps its offset; a bare date is
// midnight in loc. The zero time means no date.
func (a *Article) Published(loc *time.Location) (time.Time, error) {
	return ParseTime(a.PublishedAt, loc)
}

// MinYear and MaxYear bound the dates an article may carry and a search
// may filter by: the index stores dates as nanoseconds since 1970 in an
// int64, which reaches from 1677-09-21 to 2262-04-11. Whole years inside
// that span keep the rule easy to state, and hold in any zone offset.
const (
	MinYear = 1678
	MaxYear = 2261
)

// InRange reports whether t's year, in its own zone, lies in [MinYear,
// MaxYear].
func InRange(t time.Time) bool {
	return t.Year() >= MinYear && t.Year() <= MaxYear
}

// ParseTime parses an RFC 3339 timestamp or a YYYY-MM-DD date (midnight in
// loc). An empty string is the zero time. Dates outside the years MinYear to
// MaxYear are refused, since the index cannot store them.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.ParseInLocation(time.DateOnly, s, loc); err != nil {
			return time.Time{}, fmt.Errorf("%w: date %q is neither RFC 3339 nor YYYY-MM-DD", ErrInvalid, s)
		}
	}
	if !InRange(t) {
		return time.Time{}, fmt.Errorf("%w: date %q is outside the years %d to %d", ErrInvalid, s, MinYear, MaxYear)
	}
	return t, nil
}

// Text returns the body as plain text, paragraphs separated by blank lines.
func (a *Article) Text() string {
	parts := make([]string, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		parts[i] = p.Text
	}
	return strings.Join(parts, "\n\n")
}

// Normalize trims fields, renumbers paragraphs, drops empty ones and gives
// the article a deterministic id when it has none.
func (a *Article) Normalize() {
	a.Title = strings.TrimSpace(a.Title)
	a.Kicker = strings.TrimSpace(a.Kicker)
	a.Section = strings.TrimSpace(a.Section)
	a.ID = strings.TrimSpace(a.ID)
	ps := a.Paragraphs[:0]
	for _, p := range a.Paragraphs {
		p.Text = strings.TrimSpace(p.Text)
		if p.Text == "" {
			continue
		}
		p.Index = len(ps)
		ps = append(ps, p)
	}
	a.Paragraphs = ps
	if a.ID == "" {
		a.ID = DeriveID(a)
	}
}

// DeriveID makes an id from what identifies an article in print or on the
// web: its URL if it has one, else its source, date, page, title and text.
// The same article sent again gets the same id, so a re-import replaces
// it; two different articles (the same title over two texts, or on two
// dates) get different ids.
func DeriveID(a *Article) string {
	key := a.URL
	if key == "" {
		parts := []string{a.Source, a.PublishedAt, a.Page, a.Kicker, a.Title}
		for _, p := range a.Paragraphs {
			parts = append(parts, p.Text)
		}
		key = strings.Join(parts, "\x00")
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// HasDerivedID reports whether a's id is the one DeriveID gives it: the
// article came without an id (or with that very one).
func HasDerivedID(a *Article) bool { return a.ID == DeriveID(a) }

// DerivedFrom says, for a message, what a derived id was made of.
func DerivedFrom(a *Article) string {
	if a.URL != "" {
		return "its url"
	}
	return "its source, date, page, title and text"
}

// MaxIDLen bounds article ids, which appear in URLs.
const MaxIDLen = 128

// ValidID checks an article id, wherever it comes from (a JSON body, an
// NDJSON line, the URL of PUT /v1/articles/{id} once unescaped, a derived
// id): at most MaxIDLen bytes of UTF-8, with no '/', '?' or '#' (an id is
// a path segment of its URL) and no control character. Errors wrap
// ErrInvalid and name the id.
func ValidID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: the id is empty", ErrInvalid)
	case len(id) > MaxIDLen:
		return fmt.Errorf("%w: id longer than %d bytes", ErrInvalid, MaxIDLen)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w: id is not valid UTF-8", ErrInvalid)
	case strings.ContainsAny(id, "/?#"):
		return fmt.Errorf("%w: id %q contains '/', '?' or '#'", ErrInvalid, id)
	}
	for i, r := range id {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: id %q contains the control character %U at byte %d", ErrInvalid, id, r, i)
		}
	}
	return nil
}

// checkText refuses text that is not UTF-8 or holds a control character
// (NUL, escape, the C1 block…): they have no place in news text and can
// forge lines in logs or exports. Tab and line breaks are allowed.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	}
	for i, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return fmt.Errorf("%w: %s contains the control character %U at byte %d", ErrInvalid, field, r, i)
		}
	}
	return nil
}

// MaxParagraphs bounds the paragraphs of one article: each is a document
// of its own in the index (real articles have at most a few hundred).
const MaxParagraphs = 10000

// Validate checks an article after Normalize.
func (a *Article) Validate() error {
	switch {
	case a.Title == "":
		return fmt.Errorf("%w: missing title", ErrInvalid)
	case len(a.Paragraphs) == 0:
		return fmt.Errorf("%w: no text (paragraphs or body)", ErrInvalid)
	case len(a.Paragraphs) > MaxParagraphs:
		return fmt.Errorf("%w: %d paragraphs, over the limit of %d", ErrInvalid, len(a.Paragraphs), MaxParagraphs)
	}
	if err := ValidID(a.ID); err != nil {
		return err
	}
	fields := []struct{ name, text string }{
		{"title", a.Title}, {"kicker", a.Kicker}, {"section", a.Section}, {"summary", a.Summary},
		{"url", a.URL}, {"source", a.Source}, {"byline", a.Byline}, {"page", a.Page}, {"published_at", a.PublishedAt},
	}
	for _, list := range []struct {
		name  string
		items []string
	}{{"authors", a.Authors}, {"photo_by", a.PhotoBy}, {"tags", a.Tags}} {
		for i, v := range list.items {
			fields = append(fields, struct{ name, text string }{fmt.Sprintf("%s[%d]", list.name, i), v})
		}
	}
	for _, p := range a.Paragraphs {
		fields = append(fields, struct{ name, text string }{fmt.Sprintf("paragraph %d", p.Index), p.Text},
			struct{ name, text string }{fmt.Sprintf("paragraph %d subhead", p.Index), p.Subhead})
	}
	for _, f := range fields {
		if err := checkText(f.name, f.text); err != nil {
			return err
		}
	}
	if _, err := ParseTime(a.PublishedAt, time.UTC); err != nil {
		return err
	}
	return nil
}
