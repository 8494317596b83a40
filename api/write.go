package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

// Store is what the write and listing endpoints need: a 2xx answer is
// given only after Put or Delete returned, so Store must make a write
// durable and searchable before it returns.
type Store interface {
	Put(ctx context.Context, arts ...*article.Article) error
	Delete(ctx context.Context, id string) error
	List(ctx context.Context, page, size int) (*index.Listing, error)
}

// Default limits of the write endpoints.
const (
	DefaultMaxArticleBytes = article.MaxArticleBytes
	DefaultMaxRequestBytes = 64 << 20
	// ndjsonBatch is how many articles of an NDJSON stream go into one
	// index batch.
	ndjsonBatch = 250
	// ndjsonBatchBytes bounds the text of one such batch.
	ndjsonBatchBytes = 2 << 20
)

// writeRoutes registers the write endpoints on g, the group that the
// auth middleware protects, and the article listing on v1.
func (s *Server) writeRoutes(v1, g *echo.Group) {
	mw := s.cfg.WriteMiddleware
	g.POST("/articles", s.postArticles, mw...)
	g.PUT("/articles/:id", s.putArticle, mw...)
	g.DELETE("/articles/:id", s.deleteArticle, mw...)
	g.POST("/pages", s.postPage, mw...)
	v1.GET("/articles", s.listArticles)
}

func (s *Server) maxArticle() int {
	if s.cfg.MaxArticleBytes > 0 {
		return s.cfg.MaxArticleBytes
	}
	return DefaultMaxArticleBytes
}

func (s *Server) maxRequest() int64 {
	if s.cfg.MaxRequestBytes > 0 {
		return s.cfg.MaxRequestBytes
	}
	return DefaultMaxRequestBytes
}

// ItemError is the error of one line or article in a multi-item answer.
type ItemError = Error

// LineResult is the outcome of one line of an NDJSON request.
type LineResult struct {
	Line     int        `json:"line"`
	ID       string     `json:"id,omitempty"`
	Status   string     `json:"status"` // "stored" or "rejected"
	Warnings []string   `json:"warnings,omitempty"`
	Error    *ItemError `json:"error,omitempty"`
}

// BulkResult answers an NDJSON request.
type BulkResult struct {
	Accepted int          `json:"accepted"`
	Rejected int          `json:"rejected"`
	Results  []LineResult `json:"results"`
	// Error is set when the request could not be read to its end (e.g. over
	// the size limit); the lines before it are stored as Results say.
	Error *ItemError `json:"error,omitempty"`
}

// WriteResult answers a write of one article.
type WriteResult struct {
	ID         string   `json:"id"`
	Status     string   `json:"status"` // "created" or "replaced"
	Paragraphs int      `json:"paragraphs"`
	Warnings   []string `json:"warnings,omitempty"`
}

func tooLarge(what string, limit int64) error {
	return &apiError{http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("%s is over the limit of %s", what, humanBytes(limit))}
}

func humanBytes(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func invalidArticle(err error) error {
	return &apiError{http.StatusBadRequest, "invalid_article", err.Error()}
}

// boolParam reads an optional true/false query parameter.
func boolParam(c echo.Context, name string) (bool, error) {
	v := c.QueryParam(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badParam(name, "must be true or false")
	}
	return b, nil
}

// limitBody bounds the request body to limit bytes: a declared length over
// it is refused at once, a longer stream fails when it passes the limit.
func limitBody(c echo.Context, limit int64, what string) error {
	r := c.Request()
	if r.ContentLength > limit {
		return tooLarge(what, limit)
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
	return nil
}

// readBody reads the whole body, up to limit bytes.
func readBody(c echo.Context, limit int64, what string) ([]byte, error) {
	if err := limitBody(c, limit, what); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(c.Request().Body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge(what, limit)
	case err != nil:
		return nil, &apiError{http.StatusBadRequest, "bad_body", "reading the request body: " + err.Error()}
	}
	return b, nil
}

// mediaType is the request's Content-Type without parameters.
func mediaType(c echo.Context) string {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "invalid"
	}
	return mt
}

func isNDJSON(mt string) bool {
	switch mt {
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines":
		return true
	}
	return false
}

// isJSON accepts what clients send JSON as, including curl -d's default
// form type; only multipart forms are refused.
func isJSON(mt string) bool { return mt != "invalid" && mt != echo.MIMEMultipartForm }

func unsupportedType(mt string, want string) error {
	return &apiError{http.StatusUnsupportedMediaType, "unsupported_media_type",
		fmt.Sprintf("Content-Type %q: send %s", mt, want)}
}

// postArticles stores one JSON article, or an NDJSON stream of them.
func (s *Server) postArticles(c echo.Context) error {
	strict, err := boolParam(c, "strict")
	if err != nil {
		return err
	}
	mt := mediaType(c)
	switch {
	case isNDJSON(mt):
		return s.postNDJSON(c, strict)
	case isJSON(mt):
		return s.writeOne(c, article.DecodeOptions{Strict: strict})
	}
	return unsupportedType(mt, "application/json (one article) or application/x-ndjson (one article a line)")
}

// putArticle stores the article under the id of the URL.
func (s *Server) putArticle(c echo.Context) error {
	strict, err := boolParam(c, "strict")
	if err != nil {
		return err
	}
	if mt := mediaType(c); !isJSON(mt) || isNDJSON(mt) {
		return unsupportedType(mt, "application/json")
	}
	id := c.Param("id")
	if id == "" {
		return badParam("id", "missing")
	}
	return s.writeOne(c, article.DecodeOptions{Strict: strict, ID: id})
}

func (s *Server) writeOne(c echo.Context, opts article.DecodeOptions) error {
	max := int64(s.maxArticle())
	body, err := readBody(c, max, "the article")
	if err != nil {
		return err
	}
	opts.MaxBytes = int(max)
	a, warnings, err := article.DecodeJSON(body, opts)
	if err != nil {
		return invalidArticle(err)
	}
	ctx := c.Request().Context()
	status, code := "created", http.StatusCreated
	if _, err := s.cfg.Backend.Get(ctx, a.ID); err == nil {
		status, code = "replaced", http.StatusOK
	} else if !errors.Is(err, index.ErrNotFound) {
		return err
	}
	if err := s.cfg.Store.Put(ctx, a); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/articles/"+url.PathEscape(a.ID))
	return c.JSON(code, WriteResult{ID: a.ID, Status: status, Paragraphs: len(a.Paragraphs), Warnings: warnings})
}

// postNDJSON stores the good lines of an NDJSON stream in batches and
// answers a result per line.
func (s *Server) postNDJSON(c echo.Context, strict bool) error {
	limit := s.maxRequest()
	if err := limitBody(c, limit, "the request"); err != nil {
		return err
	}
	ctx := c.Request().Context()
	res := BulkResult{Results: []LineResult{}}
	var (
		batch      []*article.Article
		batchLines []int // indexes into res.Results
		batchBytes int
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.cfg.Store.Put(ctx, batch...); err != nil {
			return err
		}
		for _, i := range batchLines {
			res.Results[i].Status = "stored"
		}
		res.Accepted += len(batch)
		batch, batchLines, batchBytes = batch[:0], batchLines[:0], 0
		return nil
	}
	opts := article.ReadOptions{DecodeOptions: article.DecodeOptions{Strict: strict}, MaxArticleBytes: s.maxArticle()}
	keep := newDeadlineKeeper(c)
	readErr := article.ReadNDJSON(c.Request().Body, opts, func(it article.Item) error {
		keep.progress()
		if it.Err != nil {
			res.Rejected++
			res.Results = append(res.Results, LineResult{Line: it.Line, Status: "rejected", Error: &ItemError{Code: "invalid_article", Message: it.Err.Error()}})
			return nil
		}
		res.Results = append(res.Results, LineResult{Line: it.Line, ID: it.Article.ID, Status: "pending", Warnings: it.Warnings})
		batch = append(batch, it.Article)
		batchLines = append(batchLines, len(res.Results)-1)
		for _, p := range it.Article.Paragraphs {
			batchBytes += len(p.Text)
		}
		if len(batch) >= ndjsonBatch || batchBytes >= ndjsonBatchBytes {
			return flush()
		}
		return nil
	})
	// The lines read whole before a read error are stored all the same.
	if err := flush(); err != nil {
		return err
	}
	if readErr != nil {
		var mbe *http.MaxBytesError
		if !errors.As(readErr, &mbe) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			res.Error = &ItemError{Code: "bad_body", Message: "reading the request body: " + readErr.Error()}
			return c.JSON(http.StatusBadRequest, res)
		}
		res.Error = &ItemError{Code: "too_large", Message: fmt.Sprintf("the request is over the limit of %s; the lines before it were processed as results say", humanBytes(limit))}
		return c.JSON(http.StatusRequestEntityTooLarge, res)
	}
	if res.Accepted == 0 && res.Rejected == 0 {
		return &apiError{http.StatusBadRequest, "empty_body", "the request has no article: send one JSON article a line"}
	}
	code := http.StatusOK
	if res.Accepted == 0 {
		code = http.StatusBadRequest
		res.Error = &ItemError{Code: "invalid_article", Message: fmt.Sprintf("all %d lines were rejected", res.Rejected)}
	}
	return c.JSON(code, res)
}

func (s *Server) deleteArticle(c echo.Context) error {
	if err := s.cfg.Store.Delete(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// PageArticle is one article stored from a page.
type PageArticle struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Paragraphs int    `json:"paragraphs"`
}

// PageRejected is an article of a page that was not stored.
type PageRejected struct {
	Article int       `json:"article"` // 1-based, in print order
	Title   string    `json:"title"`
	Error   ItemError `json:"error"`
}

// PageResult answers a page import.
type PageResult struct {
	Articles []PageArticle  `json:"articles"`
	Rejected []PageRejected `json:"rejected,omitempty"`
	Warnings []string       `json:"warnings,omitempty"`
}

// postPage parses a page converted from print and stores its articles in
// one batch.
func (s *Server) postPage(c echo.Context) error {
	if mt := mediaType(c); mt == "invalid" || mt == echo.MIMEMultipartForm || mt == echo.MIMEApplicationJSON || isNDJSON(mt) {
		return unsupportedType(mt, "text/plain or text/markdown (the page text)")
	}
	meta := article.PageMeta{
		PublishedAt: c.QueryParam("published_at"), Source: c.QueryParam("source"),
		Page: c.QueryParam("page"), Section: c.QueryParam("section"),
	}
	if _, err := article.ParseTime(meta.PublishedAt, time.UTC); err != nil {
		return badParam("published_at", "use RFC 3339 (2024-07-01T08:00:00+08:00) or YYYY-MM-DD")
	}
	body, err := readBody(c, s.maxRequest(), "the page")
	if err != nil {
		return err
	}
	page, err := article.ParsePage(bytes.NewReader(body), meta)
	if err != nil {
		return invalidArticle(err)
	}
	if len(page.Articles) == 0 {
		return &apiError{http.StatusBadRequest, "no_articles", "no article found in the page: titles are lines starting with \"## \""}
	}
	res := PageResult{Articles: []PageArticle{}, Warnings: page.Warnings}
	var good []*article.Article
	for i := range page.Articles {
		a := &page.Articles[i]
		if len(a.Text()) > s.maxArticle() {
			err = fmt.Errorf("%w: article is over the limit of %s", article.ErrInvalid, humanBytes(int64(s.maxArticle())))
		} else {
			err = a.Validate()
		}
		if err != nil {
			res.Rejected = append(res.Rejected, PageRejected{Article: i + 1, Title: a.Title, Error: ItemError{Code: "invalid_article", Message: err.Error()}})
			continue
		}
		good = append(good, a)
		res.Articles = append(res.Articles, PageArticle{ID: a.ID, Title: a.Title, Paragraphs: len(a.Paragraphs)})
	}
	if len(good) == 0 {
		return &apiError{http.StatusBadRequest, "invalid_article", "no article of the page is valid: " + res.Rejected[0].Error.Message}
	}
	if err := s.cfg.Store.Put(c.Request().Context(), good...); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (s *Server) listArticles(c echo.Context) error {
	page, err := countParam(c, "page")
	if err != nil {
		return err
	}
	size, err := countParam(c, "size")
	if err != nil {
		return err
	}
	l, err := s.cfg.Store.List(c.Request().Context(), page, size)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

// A bulk request may take longer than the server's read and write
// timeouts (64 MiB of articles index in minutes): while it makes progress
// its deadlines move on by progressWindow, up to maxBulkDuration in all.
// A client that stalls still meets the timeout.
const (
	progressWindow  = time.Minute
	maxBulkDuration = 30 * time.Minute
)

type deadlineKeeper struct {
	rc       *http.ResponseController
	start    time.Time
	lastMove time.Time
}

func newDeadlineKeeper(c echo.Context) *deadlineKeeper {
	now := time.Now()
	return &deadlineKeeper{rc: http.NewResponseController(c.Response()), start: now}
}

// progress moves the deadlines on, at most once a second.
func (k *deadlineKeeper) progress() {
	now := time.Now()
	if now.Sub(k.lastMove) < time.Second || now.Sub(k.start) > maxBulkDuration {
		return
	}
	k.lastMove = now
	// Errors mean the connection cannot move deadlines (e.g. HTTP/2
	// through some proxies): the server's own timeouts then apply.
	_ = k.rc.SetReadDeadline(now.Add(progressWindow))
	_ = k.rc.SetWriteDeadline(now.Add(progressWindow))
}
