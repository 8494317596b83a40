package api

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
)

// jsonSerializer writes JSON without escaping <, > and & as \u003c…: the
// snippets' <mark> tags stay readable, and JSON needs no such escaping.
type jsonSerializer struct{}

func (jsonSerializer) Serialize(c echo.Context, i any, indent string) error {
	enc := json.NewEncoder(c.Response())
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	return enc.Encode(i)
}

func (jsonSerializer) Deserialize(c echo.Context, i any) error {
	dec := json.NewDecoder(c.Request().Body)
	if err := dec.Decode(i); err != nil {
		return &apiError{http.StatusBadRequest, "invalid_json", "the body is not valid JSON: " + err.Error()}
	}
	return nil
}
