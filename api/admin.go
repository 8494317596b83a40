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

// ErrSnapshotRunning is what a Snapshotter answers while another snapshot
// is being written: one at a time, so that a burst of requests cannot
// fill the disk with copies (409 snapshot_running).
var ErrSnapshotRunning = errors.New("a snapshot is already being written; try again when it is done")

// Snapshot is the answer to POST /v1/admin/snapshot.
type Snapshot struct {
	Name       string  `json:"name"`
	Path       string  `json:"path"`
	Articles   uint64  `json:"articles"`
	Paragraphs uint64  `json:"paragraphs"`
	TookMS     float64 `json:"took_ms"`
	// Removed are the oldest snapshots deleted after this one was
	// written, to keep the number the operator allows.
	Removed []string `json:"removed,omitempty"`
	// Warnings say what went wrong after the snapshot was written (an
	// old one that could not be removed): the snapshot itself is sound.
	Warnings []string `json:"warnings,omitempty"`
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
	if errors.Is(err, ErrSnapshotRunning) {
		c.Response().Header().Set("Retry-After", "5")
		return &apiError{http.StatusConflict, "snapshot_running", err.Error()}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, snap)
}
