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
	// index batch. Each batch becomes segments that scorch merges later:
	// against 500 articles and 2 MB, 1,000 and 4 MB imported the first
	// 20,000 xwlb articles at 561-589 instead of 499-526 docs/s and left
	// 206 instead of 214 MB on disk when the last batch was answered, for
	// a peak RSS of 1,105 instead of 1,000 MiB (2026-12-04, two runs each
	// of benchctl ingest, 1,000 lines a request, as compare.sh).
	ndjsonBatch = 1000
	// ndjsonBatchBytes bounds the text of one such batch.
	ndjsonBatchBytes = 4 << 20
)

// DefaultWriteDeadline is Config.WriteDeadline's default.
const DefaultWriteDeadline = 30 * time.Second

// put stores arts under the write deadline. The index writes a call's
// articles in one batch, all or nothing: a write cancelled (the client
// gone) or past its deadline before the batch is committed stores none of
// them, and one committed is acknowledged even if the deadline passed
// while it was being written.
func (s *Server) put(ctx context.Context, arts ...*article.Article) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WriteDeadline)
	defer cancel()
	err := s.cfg.Store.Put(ctx, arts...)
	if errors.Is(err, context.DeadlineExceeded) {
		return s.writeTimeout(len(arts))
	}
	return err
}

// writeTimeout is the answer to a write that passed its deadline.
func (s *Server) writeTimeout(n int) error {
	what := "the article was"
	if n > 1 {
		what = fmt.Sprintf("the %d articles of the batch were", n)
	}
	return &apiError{http.StatusServiceUnavailable, "timeout",
		fmt.Sprintf("the write took longer than its deadline of %s; %s not stored: retry, or send less text at a time", s.cfg.WriteDeadline, what)}
}

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
	id, err := pathID(c)
	if err != nil {
		return err
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
		if opts.ID == "" && article.HasDerivedID(a) {
			warnings = append(warnings, derivedReplaced(a))
		}
	} else if !errors.Is(err, index.ErrNotFound) {
		return err
	}
	if err := s.put(ctx, a); err != nil {
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
		// Two batches are stored at once: one is analysed while the one
		// before it is written and synced, so a stream keeps both cores
		// busy. Batches that share an id are stored one after the other,
		// so the later line wins.
		inflight *putJob
		failed   error // a batch's write failed: stop there
		stopped  error // that failure: the write could not be made durable
	)
	finish := func(j *putJob) {
		if j == nil {
			return
		}
		<-j.done
		if err := j.err; err != nil {
			var ae *apiError
			switch {
			case errors.Is(err, index.ErrDiskFull) || errors.Is(err, index.ErrPersist):
				// Earlier batches are stored: say which lines are.
				for _, i := range j.lines {
					res.Results[i].Status = "rejected"
					res.Results[i].Error = &ItemError{Code: notStoredCode(err), Message: notStored(err)}
					res.Rejected++
				}
				if stopped == nil {
					stopped = err
				}
			case errors.As(err, &ae) && ae.code == "timeout":
				// the batch is not stored: say so line by line, keep
				// what earlier batches stored, and read no further
				for _, i := range j.lines {
					res.Results[i].Status = "rejected"
					res.Results[i].Error = &ItemError{Code: ae.code, Message: ae.msg}
				}
				res.Rejected += len(j.lines)
				if res.Error == nil {
					res.Error = &ItemError{Code: ae.code, Message: ae.msg + "; the lines after it were not read"}
				}
				err = errBatchTimeout
			}
			if failed == nil {
				failed = err
			}
			return
		}
		for _, i := range j.lines {
			res.Results[i].Status = "stored"
		}
		res.Accepted += len(j.arts)
	}
	flush := func() error {
		if len(batch) == 0 {
			return failed
		}
		j := &putJob{arts: batch, lines: batchLines, done: make(chan struct{})}
		if inflight != nil && inflight.shares(j) {
			finish(inflight)
			inflight = nil
		}
		if failed != nil {
			return failed
		}
		go func() {
			j.err = s.put(ctx, j.arts...)
			close(j.done)
		}()
		finish(inflight)
		inflight = j
		batch, batchLines, batchBytes = nil, nil, 0
		return failed
	}
	opts := article.ReadOptions{DecodeOptions: article.DecodeOptions{Strict: strict}, MaxArticleBytes: s.maxArticle()}
	keep := newDeadlineKeeper(c)
	derivedAt := map[string]int{} // derived id → its line in this request
	readErr := article.ReadNDJSON(c.Request().Body, opts, func(it article.Item) error {
		keep.progress()
		if it.Err != nil {
			res.Rejected++
			res.Results = append(res.Results, LineResult{Line: it.Line, Status: "rejected", Error: &ItemError{Code: "invalid_article", Message: it.Err.Error()}})
			return nil
		}
		warnings := it.Warnings
		if a := it.Article; article.HasDerivedID(a) {
			// An id derived from the article replaces only the same
			// article; say so when it does, never overwrite in silence.
			if line, ok := derivedAt[a.ID]; ok {
				warnings = append(warnings, fmt.Sprintf("no id given: the id %s, derived from %s, is that of line %d, which this line replaced", a.ID, article.DerivedFrom(a), line))
			} else if _, err := s.cfg.Backend.Get(ctx, a.ID); err == nil {
				warnings = append(warnings, derivedReplaced(a))
			} else if !errors.Is(err, index.ErrNotFound) {
				return err
			}
			derivedAt[a.ID] = it.Line
		}
		res.Results = append(res.Results, LineResult{Line: it.Line, ID: it.Article.ID, Status: "pending", Warnings: warnings})
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
	if failed == nil {
		_ = flush()
	}
	finish(inflight)
	if stopped != nil {
		// The stream stopped at a write that could not be made durable;
		// the lines before it are stored as results say, the rest unread.
		res.Error = &ItemError{Code: notStoredCode(stopped), Message: notStored(stopped) +
			"; the lines marked stored before it are stored, the lines after it were not read"}
		status := http.StatusInsufficientStorage
		if !errors.Is(stopped, index.ErrDiskFull) {
			status = http.StatusInternalServerError
		}
		return c.JSON(status, res)
	}
	if failed != nil && !errors.Is(failed, errBatchTimeout) {
		return failed
	}
	if res.Error != nil { // a batch passed its write deadline
		return c.JSON(http.StatusServiceUnavailable, res)
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

// putJob is one batch of an NDJSON stream being stored.
type putJob struct {
	arts  []*article.Article
	lines []int // indexes into the results
	done  chan struct{}
	err   error
}

// shares reports whether two batches name an id in common.
func (j *putJob) shares(o *putJob) bool {
	ids := make(map[string]bool, len(j.arts))
	for _, a := range j.arts {
		ids[a.ID] = true
	}
	for _, a := range o.arts {
		if ids[a.ID] {
			return true
		}
	}
	return false
}

// errBatchTimeout stops reading an NDJSON stream once a batch passed its
// write deadline; the answer (BulkResult.Error) says so.
var errBatchTimeout = errors.New("a batch passed its write deadline")

// derivedReplaced is the warning of a write that replaced a stored article
// under an id derived from the article itself: never a silent overwrite.
func derivedReplaced(a *article.Article) string {
	return fmt.Sprintf("no id given: the id %s, derived from %s, is that of a stored article, which this one replaced; send an id (or a url) to keep articles apart", a.ID, article.DerivedFrom(a))
}

func (s *Server) deleteArticle(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.Delete(c.Request().Context(), id); err != nil {
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
		return badParam("published_at", fmt.Sprintf("%q: use RFC 3339 (2024-07-01T08:00:00+08:00) or YYYY-MM-DD, with a year from %d to %d",
			meta.PublishedAt, article.MinYear, article.MaxYear))
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
	if err := s.put(c.Request().Context(), good...); err != nil {
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
