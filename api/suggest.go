package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// suggestions is the body of GET /v1/suggest.
type suggestions struct {
	Query       string   `json:"query"`
	Suggestions []string `json:"suggestions"`
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
	return c.JSON(http.StatusOK, suggestions{Query: q, Suggestions: list})
}

// related answers the articles most like the one in the path.
func (s *Server) related(c echo.Context) error {
	n, err := countParam(c, "size")
	if err != nil {
		return err
	}
	ctx, cancel := s.searchContext(c)
	defer cancel()
	res, err := s.cfg.Backend.Related(ctx, c.Param("id"), n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
