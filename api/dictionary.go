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

// Paging of GET /v1/dictionary: a newsroom dictionary may hold a hundred
// thousand words, too many for one answer.
const (
	DefaultDictionaryLimit = 1000
	MaxDictionaryLimit     = 10000
)

// dictionaryPage is the answer to GET /v1/dictionary: limit words from
// offset, in the order they were added, and where the next page starts.
type dictionaryPage struct {
	Count      int                 `json:"count"` // words in the whole dictionary
	Offset     int                 `json:"offset"`
	Limit      int                 `json:"limit"`
	NextOffset *int                `json:"next_offset,omitempty"` // absent on the last page
	Words      []tokenizer.Word    `json:"words"`
	Reindex    index.ReindexStatus `json:"reindex"`
}

// dictionaryFullHint tells the client who can raise the bound, and how.
const dictionaryFullHint = "; the operator can raise the bound with --max-dict-words (ZHSEARCH_MAX_DICT_WORDS) and a restart"

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
	read.GET("/dictionary", func(c echo.Context) error { return listWords(c, d) })
	read.GET("/dictionary/reindex", func(c echo.Context) error {
		return c.JSON(http.StatusOK, d.ReindexStatus())
	})
	write.POST("/dictionary", func(c echo.Context) error { return s.addWords(c, d) }, s.cfg.WriteMiddleware...)
}

func listWords(c echo.Context, d DictionaryBackend) error {
	offset, err := intParam(c, "offset", 0, 0, -1)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", DefaultDictionaryLimit, 1, MaxDictionaryLimit)
	if err != nil {
		return err
	}
	dict, err := d.Dictionary(c.Request().Context())
	if err != nil {
		return err
	}
	page := dictionaryPage{Count: dict.Count, Offset: offset, Limit: limit, Words: []tokenizer.Word{}, Reindex: dict.Reindex}
	if offset < len(dict.Words) {
		end := min(offset+limit, len(dict.Words))
		page.Words = dict.Words[offset:end]
		if end < len(dict.Words) {
			page.NextOffset = &end
		}
	}
	return c.JSON(http.StatusOK, page)
}

// intParam reads a whole-number query parameter: def when absent, else
// from lo up to hi (no upper bound when hi < 0).
func intParam(c echo.Context, name string, def, lo, hi int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || (hi >= 0 && n > hi) {
		if hi >= 0 {
			return 0, badParam(name, "want a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+", got "+strconv.Quote(v))
		}
		return 0, badParam(name, "want a whole number of "+strconv.Itoa(lo)+" or more, got "+strconv.Quote(v))
	}
	return n, nil
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
	if errors.Is(err, index.ErrDictionaryFull) {
		return &apiError{http.StatusConflict, "dictionary_full", err.Error() + dictionaryFullHint}
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
