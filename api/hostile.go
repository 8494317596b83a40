package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// validQuery rejects, before routing, a request whose query parameters are
// not valid UTF-8 once decoded (as echo decodes them): every parameter of the API
// is text, and a filter value of invalid UTF-8 could only ever match
// nothing, silently.
func validQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().URL.RawQuery == "" || utf8.ValidString(c.Request().URL.RawQuery) && !strings.Contains(c.Request().URL.RawQuery, "%") {
			return next(c)
		}
		for name, vs := range c.QueryParams() {
			if !utf8.ValidString(name) {
				return &apiError{http.StatusBadRequest, "invalid_parameter", "a parameter name is not valid UTF-8"}
			}
			for _, v := range vs {
				if !utf8.ValidString(v) {
					return badParam(name, "not valid UTF-8")
				}
			}
		}
		return next(c)
	}
}
