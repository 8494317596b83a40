package api

import (
	"net/http"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// AnalyzeBackend is what GET /v1/analyze needs. A Backend that also
// implements it gets the endpoint.
type AnalyzeBackend interface {
	Analyze(text string, mode tokenizer.Mode) []tokenizer.Explained
}

// maxAnalyzeRunes bounds the text GET /v1/analyze accepts.
const maxAnalyzeRunes = 10000

// analyzeResult is the answer of GET /v1/analyze.
type analyzeResult struct {
	Text   string                `json:"text"`
	Mode   string                `json:"mode"`
	Tokens []tokenizer.Explained `json:"tokens"`
}

func (s *Server) analyzeRoutes(read *echo.Group) {
	a, ok := s.cfg.Backend.(AnalyzeBackend)
	if !ok {
		return
	}
	read.GET("/analyze", func(c echo.Context) error {
		text := c.QueryParam("text")
		if text == "" {
			return &apiError{http.StatusBadRequest, "missing_text", "text: give the text to analyze, as ?text=二七经开区&mode=index"}
		}
		if !utf8.ValidString(text) {
			return badParam("text", "not valid UTF-8")
		}
		if n := utf8.RuneCountInString(text); n > maxAnalyzeRunes {
			return badParam("text", "longer than 10000 characters")
		}
		mode, err := tokenizer.ParseMode(c.QueryParam("mode"))
		if err != nil {
			return badParam("mode", err.Error())
		}
		return c.JSON(http.StatusOK, analyzeResult{Text: text, Mode: mode.String(), Tokens: a.Analyze(text, mode)})
	})
}
