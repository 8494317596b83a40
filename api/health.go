package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(c.Request().Context()); err != nil {
			return &apiError{http.StatusServiceUnavailable, "not_ready", "not ready: " + err.Error()}
		}
	}
	st, err := s.cfg.Backend.Stats(c.Request().Context())
	if err != nil {
		return &apiError{http.StatusServiceUnavailable, "not_ready", "the index is not ready"}
	}
	body := map[string]any{"status": "ready", "articles": st.Articles, "paragraphs": st.Paragraphs}
	if s.cfg.Replication != nil {
		body["replication"] = s.cfg.Replication()
	}
	return c.JSON(http.StatusOK, body)
}
