package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// DictionaryBackend is what the dictionary endpoints need. A Backend that
// also implements it gets GET and POST /v1/dictionary.
type DictionaryBackend interface {
	Dictionary(ctx context.Context) (index.Dictionary, error)
	AddWords(ctx context.Context, words ...tokenizer.Word) (index.AddResult, error)
	ReindexStatus() index.ReindexStatus
}

// maxDictionaryBody bounds a POST /v1/dictionary body.
const maxDictionaryBody = 1 << 20

// dictionaryRoutes registers the dictionary endpoints: reads on read,
// the POST on write, the group a write-protection middleware guards.
func (s *Server) dictionaryRoutes(read, write *echo.Group) {
	d, ok := s.cfg.Backend.(DictionaryBackend)
	if s.cfg.Dictionary != nil {
		d, ok = s.cfg.Dictionary, true
	}
	if !ok {
		return
	}
	read.GET("/dictionary", func(c echo.Context) error {
		dict, err := d.Dictionary(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, dict)
	})
	read.GET("/dictionary/reindex", func(c echo.Context) error {
		return c.JSON(http.StatusOK, d.ReindexStatus())
	})
	write.POST("/dictionary", func(c echo.Context) error { return s.addWords(c, d) }, s.cfg.WriteMiddleware...)
}

// addWordsBody is the body of POST /v1/dictionary.
type addWordsBody struct {
	Words []struct {
		Word *string  `json:"word"`
		Freq *float64 `json:"freq"`
		Pos  string   `json:"pos"`
	} `json:"words"`
}

func (s *Server) addWords(c echo.Context, d DictionaryBackend) error {
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxDictionaryBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &apiError{http.StatusRequestEntityTooLarge, "too_large", "the body is larger than 1 MiB; send the words in several requests"}
		}
		return &apiError{http.StatusBadRequest, "invalid_body", "reading the body: " + err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var body addWordsBody
	if err := dec.Decode(&body); err != nil {
		return &apiError{http.StatusBadRequest, "invalid_json",
			`the body must be {"words": [{"word": "二七经开区", "freq": 1000, "pos": "ns"}]} (freq and pos optional): ` + err.Error()}
	}
	if dec.More() {
		return &apiError{http.StatusBadRequest, "invalid_json", "the body holds more than one JSON value"}
	}
	if len(body.Words) == 0 {
		return &apiError{http.StatusBadRequest, "invalid_word", `words: give at least one word, as {"words": [{"word": "二七经开区"}]}`}
	}
	words := make([]tokenizer.Word, len(body.Words))
	for i, w := range body.Words {
		if w.Word == nil {
			return &apiError{http.StatusBadRequest, "invalid_word", "words[" + strconv.Itoa(i) + "]: the word is missing"}
		}
		words[i] = tokenizer.Word{Word: *w.Word, Pos: w.Pos}
		if w.Freq != nil {
			if *w.Freq <= 0 {
				return &apiError{http.StatusBadRequest, "invalid_word", "words[" + strconv.Itoa(i) + "]: freq must be a positive number (leave it out for the default)"}
			}
			words[i].Freq = *w.Freq
		}
	}
	res, err := d.AddWords(c.Request().Context(), words...)
	if errors.Is(err, tokenizer.ErrBadWord) {
		return &apiError{http.StatusBadRequest, "invalid_word", err.Error()}
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Added > 0 {
		status = http.StatusAccepted // the re-index runs on in the background
	}
	return c.JSON(status, res)
}
