package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/index"
)

// DuplicatesBackend is what GET /v1/articles/{id}/duplicates needs. A
// Backend that also implements it gets the endpoint.
type DuplicatesBackend interface {
	// Duplicates lists up to n near-duplicates of the article with id
	// (n of 0: its default); index.ErrNotFound for an unknown id.
	Duplicates(ctx context.Context, id string, n int) (*index.Duplicates, error)
}

// duplicatesRoutes serves an article's near-duplicates: the republished
// copies of a story (docs/duplicates.md).
func (s *Server) duplicatesRoutes(read *echo.Group) {
	b, ok := s.cfg.Backend.(DuplicatesBackend)
	if !ok {
		return
	}
	read.GET("/articles/:id/duplicates", func(c echo.Context) error {
		n, err := countParam(c, "size")
		if err != nil {
			return err
		}
		if n > index.MaxDuplicates {
			return badParam("size", "must be between 1 and 100")
		}
		id, err := pathID(c)
		if err != nil {
			return err
		}
		ctx, cancel := s.searchContext(c)
		defer cancel()
		res, err := b.Duplicates(ctx, id, n)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, res)
	})
}
