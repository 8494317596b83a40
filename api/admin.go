package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/index"
)

// Snapshotter makes backups of the index while it serves.
type Snapshotter interface {
	// Snapshot writes a consistent copy of the index, one that
	// `zhsearch serve --data` or `zhsearch restore` can use, and says
	// where it went.
	Snapshot(ctx context.Context) (*Snapshot, error)
}

// Snapshot is the answer to POST /v1/admin/snapshot.
type Snapshot struct {
	Name       string  `json:"name"`
	Path       string  `json:"path"`
	Articles   uint64  `json:"articles"`
	Paragraphs uint64  `json:"paragraphs"`
	TookMS     float64 `json:"took_ms"`
}

// adminRoutes registers the admin endpoints on g with the write
// middleware: a snapshot writes to the server's disk, so it is protected
// like a write.
func (s *Server) adminRoutes(g *echo.Group) {
	g.POST("/admin/snapshot", s.snapshot, s.cfg.WriteMiddleware...)
}

func (s *Server) snapshot(c echo.Context) error {
	snap, err := s.cfg.Snapshots.Snapshot(c.Request().Context())
	if errors.Is(err, index.ErrNoBackup) {
		return &apiError{http.StatusConflict, "no_data", err.Error()}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, snap)
}
