package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/index"
)

// intParam reads an optional integer query parameter.
func intParam(c echo.Context, name string) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badParam(name, "must be a whole number")
	}
	return n, nil
}

func (s *Server) search(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	if q == "" {
		return &apiError{http.StatusBadRequest, "missing_query", "q: the query is missing or empty; pass ?q=words"}
	}
	req := index.Request{Query: q, Type: c.QueryParam("type")}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &req.Page}, {"size", &req.Size}, {"snippet_len", &req.SnippetLen}, {"snippets", &req.Snippets}} {
		n, err := intParam(c, p.name)
		if err != nil {
			return err
		}
		*p.dst = n
	}
	res, err := s.cfg.Backend.Search(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
