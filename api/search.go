package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/index"
)

// countParam reads an optional count parameter (page, size, snippets,
// snippet_len) by the one rule every endpoint follows: left out (or empty),
// it is 0 and the backend takes its default; given, it must be a whole
// number of 1 or more. 0 and negative numbers are refused rather than
// silently read as the default, so that size=0 and size=-1 answer alike.
func countParam(c echo.Context, name string) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badParam(name, "must be a whole number")
	}
	if n < 1 {
		return 0, badParam(name, v+" is not allowed: give 1 or more, or leave it out for the default")
	}
	return n, nil
}

// listParam reads a repeatable parameter (?tag=a&tag=b); with split, also
// comma-separated values (?facets=section,month).
func listParam(c echo.Context, name string, split bool) []string {
	var out []string
	for _, v := range c.QueryParams()[name] {
		parts := []string{v}
		if split {
			parts = strings.Split(v, ",")
		}
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// searchContext bounds a backend call by the configured deadline; the
// request's context already ends when the client goes away.
func (s *Server) searchContext(c echo.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), s.cfg.SearchTimeout)
}

func (s *Server) search(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	if q == "" {
		return &apiError{http.StatusBadRequest, "missing_query", "q: the query is missing or empty; pass ?q=words"}
	}
	req := index.Request{
		Query: q, Type: c.QueryParam("type"),
		Since: strings.TrimSpace(c.QueryParam("since")), Until: strings.TrimSpace(c.QueryParam("until")),
		Sections: listParam(c, "section", false), Authors: listParam(c, "author", false),
		Tags: listParam(c, "tag", false), Sources: listParam(c, "source", false), IDs: listParam(c, "id", false),
		Sort: c.QueryParam("sort"), Boost: c.QueryParam("boost"), Cursor: c.QueryParam("cursor"),
		Facets: listParam(c, "facets", true), Collapse: c.QueryParam("collapse"),
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &req.Page}, {"size", &req.Size}, {"snippet_len", &req.SnippetLen}, {"snippets", &req.Snippets}} {
		n, err := countParam(c, p.name)
		if err != nil {
			return err
		}
		*p.dst = n
	}
	var err error
	if req.Explain, err = boolParam(c, "explain"); err != nil {
		return err
	}
	ctx, cancel := s.searchContext(c)
	defer cancel()
	res, err := s.cfg.Backend.Search(ctx, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
