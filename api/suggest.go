package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/pinyin"
)

// suggestions is the body of GET /v1/suggest.
type suggestions struct {
	Query       string   `json:"query"`
	Suggestions []string `json:"suggestions"`
	// Pinyin are the words a prefix typed in pinyin spells (zns: 钟南山),
	// also appended to Suggestions after the plain completions.
	Pinyin []pinyin.Suggestion `json:"pinyin,omitempty"`
}

// suggest completes the prefix in q for a search box's drop-down.
func (s *Server) suggest(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	if q == "" {
		return &apiError{http.StatusBadRequest, "missing_query", "q: the prefix is missing or empty; pass ?q=the text typed so far"}
	}
	n, err := countParam(c, "size")
	if err != nil {
		return err
	}
	if n > 10 {
		return badParam("size", "must be between 1 and 10")
	}
	ctx, cancel := s.searchContext(c)
	defer cancel()
	list, err := s.cfg.Backend.Suggest(ctx, q, n)
	if err != nil {
		return err
	}
	if list == nil {
		list = []string{}
	}
	out := suggestions{Query: q, Suggestions: list}
	if s.cfg.Pinyin != nil && pinyin.IsPinyin(q) {
		if n == 0 {
			n = 10
		}
		out.Pinyin = s.cfg.Pinyin.Suggest(q, n)
		for _, p := range out.Pinyin {
			if len(out.Suggestions) < n && !slices.Contains(out.Suggestions, p.Word) {
				out.Suggestions = append(out.Suggestions, p.Word)
			}
		}
	}
	return c.JSON(http.StatusOK, out)
}

// related answers the articles most like the one in the path.
func (s *Server) related(c echo.Context) error {
	n, err := countParam(c, "size")
	if err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.searchContext(c)
	defer cancel()
	res, err := s.cfg.Backend.Related(ctx, id, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
