package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *Server) getArticle(c echo.Context) error {
	a, err := s.cfg.Backend.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}
