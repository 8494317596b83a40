package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// ExamplesBackend is what GET /v1/examples needs. A Backend that also
// implements it gets the endpoint.
type ExamplesBackend interface {
	// Examples returns up to n example queries taken from the index (n of
	// 0: its default); none for an empty index.
	Examples(ctx context.Context, n int) ([]string, error)
}

// examplesResult is the answer of GET /v1/examples.
type examplesResult struct {
	Examples []string `json:"examples"`
}

// examplesRoutes serves example queries for a search page's empty state,
// so that the page offers words the archive holds instead of words
// written into it.
func (s *Server) examplesRoutes(read *echo.Group) {
	b, ok := s.cfg.Backend.(ExamplesBackend)
	if !ok {
		return
	}
	read.GET("/examples", func(c echo.Context) error {
		n, err := countParam(c, "size")
		if err != nil {
			return err
		}
		if n > 10 {
			return badParam("size", "must be between 1 and 10")
		}
		ctx, cancel := s.searchContext(c)
		defer cancel()
		list, err := b.Examples(ctx, n)
		if err != nil {
			return err
		}
		if list == nil {
			list = []string{}
		}
		return c.JSON(http.StatusOK, examplesResult{Examples: list})
	})
}
