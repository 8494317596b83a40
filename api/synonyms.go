package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/synonym"
)

// Synonyms is what the synonym endpoints need: the current list and its
// writes (synonym.Store). Set in Config, it enables GET, PUT, POST and
// DELETE /v1/synonyms.
type Synonyms interface {
	Current() *synonym.Set
	Replace(ctx context.Context, rules []synonym.Rule) (*synonym.Set, error)
	Add(ctx context.Context, rules []synonym.Rule) (*synonym.Set, int, error)
	Delete(ctx context.Context, rules []synonym.Rule, all bool) (*synonym.Set, int, error)
}

// maxSynonymBody bounds a PUT or POST /v1/synonyms body, as the
// dictionary's.
const maxSynonymBody = 1 << 20

// synonymList is the answer of every synonym endpoint.
type synonymList struct {
	Count   int      `json:"count"`
	Rules   []string `json:"rules"`
	Added   *int     `json:"added,omitempty"`
	Removed *int     `json:"removed,omitempty"`
	// Expand is, for GET ?expand=word, what a search for the word looks
	// for: the word first, then its synonyms.
	Expand []string `json:"expand,omitempty"`
}

func listOf(set *synonym.Set) synonymList {
	rules := set.Rules()
	out := synonymList{Count: len(rules), Rules: make([]string, len(rules))}
	for i, r := range rules {
		out.Rules[i] = r.String()
	}
	return out
}

// synonymRoutes registers the synonym endpoints: the read on read, the
// writes on write, the group a write-protection middleware guards.
func (s *Server) synonymRoutes(read, write *echo.Group) {
	st := s.cfg.Synonyms
	if st == nil {
		return
	}
	read.GET("/synonyms", func(c echo.Context) error {
		out := listOf(st.Current())
		if w := c.QueryParam("expand"); w != "" {
			out.Expand = st.Current().Expand(w)
		}
		return c.JSON(http.StatusOK, out)
	})
	write.PUT("/synonyms", func(c echo.Context) error {
		rules, err := readRules(c)
		if err != nil {
			return err
		}
		set, err := st.Replace(c.Request().Context(), rules)
		if err != nil {
			return synonymError(err)
		}
		return c.JSON(http.StatusOK, listOf(set))
	}, s.cfg.WriteMiddleware...)
	write.POST("/synonyms", func(c echo.Context) error {
		rules, err := readRules(c)
		if err != nil {
			return err
		}
		if len(rules) == 0 {
			return &apiError{http.StatusBadRequest, "invalid_rule", `rules: give at least one rule, as {"rules": ["世卫组织, 世界卫生组织, WHO"]}`}
		}
		set, n, err := st.Add(c.Request().Context(), rules)
		if err != nil {
			return synonymError(err)
		}
		out := listOf(set)
		out.Added = &n
		return c.JSON(http.StatusOK, out)
	}, s.cfg.WriteMiddleware...)
	write.DELETE("/synonyms", func(c echo.Context) error {
		all, err := boolParam(c, "all")
		if err != nil {
			return err
		}
		var rules []synonym.Rule
		for i, text := range c.QueryParams()["rule"] {
			r, err := synonym.ParseRule(text)
			if err != nil {
				return &apiError{http.StatusBadRequest, "invalid_rule", "rule[" + strconv.Itoa(i) + "]: " + err.Error()}
			}
			rules = append(rules, r)
		}
		if len(rules) == 0 && !all {
			return &apiError{http.StatusBadRequest, "invalid_rule", "name the rules to remove (?rule=世卫组织, WHO, repeatable) or pass all=true to remove every rule"}
		}
		set, n, err := st.Delete(c.Request().Context(), rules, all)
		if err != nil {
			return synonymError(err)
		}
		out := listOf(set)
		out.Removed = &n
		return c.JSON(http.StatusOK, out)
	}, s.cfg.WriteMiddleware...)
}

func synonymError(err error) error {
	switch {
	case errors.Is(err, synonym.ErrBadRule):
		return &apiError{http.StatusBadRequest, "invalid_rule", err.Error()}
	case errors.Is(err, synonym.ErrNotFound):
		return &apiError{http.StatusNotFound, "not_found", "none of the rules named is in the list; GET /v1/synonyms lists them"}
	}
	return err
}

// readRules reads a PUT or POST body: the list format itself
// (Content-Type: text/plain, errors naming the line) or JSON
// {"rules": ["a, b", "c => d"]} (errors naming the rule's index).
func readRules(c echo.Context) ([]synonym.Rule, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxSynonymBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &apiError{http.StatusRequestEntityTooLarge, "too_large", "the body is larger than 1 MiB"}
		}
		return nil, &apiError{http.StatusBadRequest, "invalid_body", "reading the body: " + err.Error()}
	}
	ctype, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ctype == "text/plain" {
		rules, err := synonym.Parse(bytes.NewReader(raw), "body")
		if err != nil {
			return nil, &apiError{http.StatusBadRequest, "invalid_rule", err.Error()}
		}
		return rules, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var body struct {
		Rules *[]string `json:"rules"`
	}
	if err := dec.Decode(&body); err != nil || dec.More() || body.Rules == nil {
		msg := `the body must be {"rules": ["世卫组织, 世界卫生组织, WHO", "土豆 => 马铃薯"]}, or the list itself with Content-Type: text/plain`
		if err != nil {
			msg += ": " + err.Error()
		}
		return nil, &apiError{http.StatusBadRequest, "invalid_json", msg}
	}
	if len(*body.Rules) > synonym.MaxRules {
		return nil, &apiError{http.StatusBadRequest, "invalid_rule", "rules: " + strconv.Itoa(len(*body.Rules)) + " rules; a list holds at most " + strconv.Itoa(synonym.MaxRules)}
	}
	rules := make([]synonym.Rule, 0, len(*body.Rules))
	for i, text := range *body.Rules {
		r, err := synonym.ParseRule(text)
		if err != nil {
			return nil, &apiError{http.StatusBadRequest, "invalid_rule", "rules[" + strconv.Itoa(i) + "]: " + err.Error()}
		}
		rules = append(rules, r)
	}
	return rules, nil
}
