package article

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxArticleBytes is the default limit on the JSON of one article.
const MaxArticleBytes = 1 << 20

// DecodeOptions say how strictly JSON input is read.
type DecodeOptions struct {
	// Strict makes unknown fields an error; otherwise they are ignored
	// with a warning.
	Strict bool
	// ID, when set, is the article's id (e.g. from a URL): input naming
	// another id is an error.
	ID string
	// MaxBytes bounds the JSON of the article; 0 means MaxArticleBytes.
	MaxBytes int
}

// input is the JSON input schema: the fields of Article, paragraphs as
// strings or as {"index", "text", "subhead"} objects, and body as an
// alternative to paragraphs.
type input struct {
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Kicker      string           `json:"kicker"`
	Section     string           `json:"section"`
	Authors     []string         `json:"authors"`
	PhotoBy     []string         `json:"photo_by"`
	Byline      string           `json:"byline"`
	PublishedAt string           `json:"published_at"`
	Source      string           `json:"source"`
	Page        string           `json:"page"`
	Tags        []string         `json:"tags"`
	URL         string           `json:"url"`
	Summary     string           `json:"summary"`
	Paragraphs  []inputParagraph `json:"paragraphs"`
	Body        *string          `json:"body"`
}

// inputParagraph is a paragraph given as a string or as an object.
type inputParagraph struct {
	Text    string
	Subhead string
	unknown bool // the object had keys the schema does not know
}

func (p *inputParagraph) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &p.Text)
	}
	if len(b) == 0 || b[0] != '{' {
		return errors.New("a paragraph must be a string or an object {\"text\", \"subhead\"}")
	}
	var o struct {
		Index   *int   `json:"index"` // accepted for round trips; paragraphs are renumbered
		Text    string `json:"text"`
		Subhead string `json:"subhead"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		if !strings.HasPrefix(err.Error(), "json: unknown field") {
			return err
		}
		p.unknown = true
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
	}
	p.Text, p.Subhead = o.Text, o.Subhead
	return nil
}

// knownFields lists the input schema's keys, for warnings about others.
var (
	knownFields     = map[string]bool{}
	knownParaFields = map[string]bool{"index": true, "text": true, "subhead": true}
)

func init() {
	for _, f := range []string{"id", "title", "kicker", "section", "authors", "photo_by", "byline",
		"published_at", "source", "page", "tags", "url", "summary", "paragraphs", "body"} {
		knownFields[f] = true
	}
}

// blankLines splits a plain-text body into paragraphs.
var blankLines = regexp.MustCompile(`\n[ \t\x{3000}\r]*\n`)

// SplitBody splits plain text into paragraphs on blank lines; the lines of
// one paragraph are joined as the page parser joins them.
func SplitBody(body string) []Paragraph {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	var ps []Paragraph
	for _, chunk := range blankLines.Split(body, -1) {
		text := ""
		for _, line := range strings.Split(chunk, "\n") {
			line = strings.TrimSpace(strings.ReplaceAll(line, "\u3000", " "))
			if line == "" {
				continue
			}
			if text == "" {
				text = line
			} else {
				text = joinBroken(text, line)
			}
		}
		if text != "" {
			ps = append(ps, Paragraph{Index: len(ps), Text: text})
		}
	}
	return ps
}

// DecodeJSON reads one article in the input schema, normalises and
// validates it. Warnings name unknown fields that were ignored (in strict
// mode they are an error). Every error wraps ErrInvalid.
func DecodeJSON(data []byte, opts DecodeOptions) (a *Article, warnings []string, err error) {
	max := opts.MaxBytes
	if max <= 0 {
		max = MaxArticleBytes
	}
	if len(data) > max {
		return nil, nil, fmt.Errorf("%w: article is %d bytes, over the limit of %d", ErrInvalid, len(data), max)
	}
	if !utf8.Valid(data) {
		return nil, nil, fmt.Errorf("%w: not valid UTF-8", ErrInvalid)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, nil, fmt.Errorf("%w: empty input", ErrInvalid)
	}
	if data[0] != '{' {
		return nil, nil, fmt.Errorf("%w: an article must be a JSON object", ErrInvalid)
	}
	var in input
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(&in)
	if err != nil && strings.HasPrefix(err.Error(), "json: unknown field") || err == nil && in.hasUnknown() {
		unknown, uerr := unknownFields(data)
		if uerr != nil {
			return nil, nil, fmt.Errorf("%w: %s", ErrInvalid, jsonMessage(uerr))
		}
		if opts.Strict {
			return nil, nil, fmt.Errorf("%w: unknown field %s (strict mode)", ErrInvalid, strings.Join(unknown, ", "))
		}
		for _, f := range unknown {
			warnings = append(warnings, "unknown field "+f+" ignored")
		}
		in = input{}
		err = json.Unmarshal(data, &in)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s", ErrInvalid, jsonMessage(err))
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("%w: text after the JSON object", ErrInvalid)
	}
	if opts.ID != "" {
		if id := strings.TrimSpace(in.ID); id != "" && id != opts.ID {
			return nil, nil, fmt.Errorf("%w: id %q in the body differs from %q", ErrInvalid, id, opts.ID)
		}
		in.ID = opts.ID
	}
	a, err = in.article()
	if err != nil {
		return nil, nil, err
	}
	return a, warnings, nil
}

func (in *input) hasUnknown() bool {
	for _, p := range in.Paragraphs {
		if p.unknown {
			return true
		}
	}
	return false
}

func (in *input) article() (*Article, error) {
	a := &Article{
		ID: in.ID, Title: in.Title, Kicker: in.Kicker, Section: in.Section,
		Authors: cleanList(in.Authors), PhotoBy: cleanList(in.PhotoBy), Byline: strings.TrimSpace(in.Byline),
		PublishedAt: strings.TrimSpace(in.PublishedAt), Source: strings.TrimSpace(in.Source),
		Page: strings.TrimSpace(in.Page), Tags: cleanList(in.Tags), URL: strings.TrimSpace(in.URL),
		Summary: strings.TrimSpace(in.Summary),
	}
	switch {
	case in.Body != nil && len(in.Paragraphs) > 0:
		return nil, fmt.Errorf("%w: give paragraphs or body, not both", ErrInvalid)
	case in.Body != nil:
		a.Paragraphs = SplitBody(*in.Body)
	default:
		a.Paragraphs = make([]Paragraph, len(in.Paragraphs))
		for i, p := range in.Paragraphs {
			a.Paragraphs[i] = Paragraph{Index: i, Text: p.Text, Subhead: strings.TrimSpace(p.Subhead)}
		}
	}
	a.Normalize()
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// cleanList trims items and drops empty ones; nil when nothing is left.
func cleanList(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// unknownFields lists the keys of an object (and of its paragraph objects)
// that the input schema does not know, sorted.
func unknownFields(data []byte) ([]string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for k := range top {
		if !knownFields[k] {
			set[fmt.Sprintf("%q", k)] = true
		}
	}
	var paras []json.RawMessage
	if raw, ok := top["paragraphs"]; ok && json.Unmarshal(raw, &paras) == nil {
		for _, p := range paras {
			var obj map[string]json.RawMessage
			if json.Unmarshal(p, &obj) != nil {
				continue
			}
			for k := range obj {
				if !knownParaFields[k] {
					set[fmt.Sprintf("paragraphs[].%q", k)] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

// jsonMessage turns encoding/json's errors into messages for people.
func jsonMessage(err error) string {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the article"
		}
		return fmt.Sprintf("field %s: expected %s, got JSON %s", field, goTypeName(te.Type.String()), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "invalid JSON: unexpected end of input"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "int"):
		return "a number"
	}
	return "an object"
}
