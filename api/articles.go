package api

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/article"
)

// pathID is the article id of the URL, by the one rule every id follows
// (article.ValidID). echo routes on the raw path when the URL escapes
// something its default form would not (%2F): the id is unescaped then,
// so that PUT /v1/articles/a%2Fb means the id a/b, and is refused like
// the JSON id "a/b", rather than stored as the literal a%2Fb.
func pathID(c echo.Context) (string, error) {
	id := c.Param("id")
	if c.Request().URL.RawPath != "" {
		u, err := url.PathUnescape(id)
		if err != nil {
			return "", &apiError{http.StatusBadRequest, "invalid_id", "the id in the URL is not validly escaped: " + err.Error()}
		}
		id = u
	}
	if err := article.ValidID(id); err != nil {
		return "", &apiError{http.StatusBadRequest, "invalid_id", "the id in the URL: " + err.Error()}
	}
	return id, nil
}

func (s *Server) getArticle(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a, err := s.cfg.Backend.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}
