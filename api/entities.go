package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// EntitiesBackend gives the names of people, places and organisations
// recognised in an article when it was written (index.Index does). A
// Backend that implements it serves GET /v1/articles/{id}/entities; the
// filters (person=, place=, org=) and facets need nothing more than
// Search.
type EntitiesBackend interface {
	Entities(ctx context.Context, id string) (tokenizer.Entities, error)
}

// entitiesAnswer is the body of GET /v1/articles/{id}/entities.
type entitiesAnswer struct {
	ID string `json:"id"`
	tokenizer.Entities
}

// entitiesRoutes registers the article's names endpoint when the
// backend has it.
func (s *Server) entitiesRoutes(read *echo.Group) {
	b, ok := s.cfg.Backend.(EntitiesBackend)
	if !ok {
		return
	}
	read.GET("/articles/:id/entities", func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		ctx, cancel := s.searchContext(c)
		defer cancel()
		e, err := b.Entities(ctx, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, entitiesAnswer{ID: id, Entities: e})
	})
}
