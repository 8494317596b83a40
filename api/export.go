package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/index"
)

// DefaultMaxExport is how many hits GET /v1/export streams at most when
// no bound is configured.
const DefaultMaxExport = 100000

// exportColumns are the columns of an export, in order.
var exportColumns = []string{"id", "title", "published_at", "section", "authors", "url", "score", "snippet"}

// exportRow is one NDJSON line of an export.
type exportRow struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	PublishedAt string   `json:"published_at,omitempty"`
	Section     string   `json:"section,omitempty"`
	Authors     []string `json:"authors,omitempty"`
	URL         string   `json:"url,omitempty"`
	Score       float64  `json:"score"`
	Snippet     string   `json:"snippet"`
}

// exportEnd is the last NDJSON line: how the export ended.
type exportEnd struct {
	End       bool   `json:"end"`
	Total     uint64 `json:"total"`    // hits the search has
	Exported  int    `json:"exported"` // rows written
	Truncated bool   `json:"truncated"`
	Limit     int    `json:"limit"`
	Error     string `json:"error,omitempty"` // the export stopped early
}

// export streams every hit of a search (up to MaxExport) as CSV (UTF-8
// with a BOM, for Excel on a Chinese Windows machine) or NDJSON. It pages
// through the search with cursors, MaxSize hits at a time, writing and
// flushing each page before asking for the next, so its memory stays flat
// however many hits there are.
func (s *Server) export(c echo.Context) error {
	req, err := s.searchRequest(c)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "ndjson" {
		return badParam("format", "use csv or ndjson")
	}
	switch {
	case req.Cursor != "" || c.QueryParam("page") != "":
		return badParam("cursor", "an export streams every hit from the first; drop page and cursor")
	case req.Boost != "":
		return badParam("boost", "boost=recent ranks only the top hits and cannot be exported; drop it")
	case req.Collapse != "":
		return badParam("collapse", "collapse=article cannot be exported; export type=article instead")
	}
	limit := s.cfg.MaxExport
	if n, err := countParam(c, "limit"); err != nil {
		return err
	} else if n > 0 && n < limit {
		limit = n
	}
	req.Size, req.Page, req.Snippets, req.Explain, req.Facets = index.MaxSize, 0, 1, false, nil

	// The first page before any byte is written: a bad query still gets a
	// JSON error with its status.
	res, err := s.exportPage(c, req)
	if err != nil {
		return err
	}
	w := c.Response()
	h := w.Header()
	name := "zhsearch-export-" + s.cfg.Now().In(s.cfg.Location).Format("20060102-150405")
	if format == "csv" {
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
	} else {
		h.Set(echo.HeaderContentType, "application/x-ndjson; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.ndjson"`)
	}
	truncated := res.Total > uint64(limit)
	h.Set("X-Export-Total", strconv.FormatUint(res.Total, 10))
	h.Set("X-Export-Limit", strconv.Itoa(limit))
	h.Set("X-Export-Truncated", strconv.FormatBool(truncated))
	w.WriteHeader(http.StatusOK)

	out := newExportWriter(w, format)
	rc := http.NewResponseController(w)
	written := 0
	var stopped error
	for {
		for _, hit := range res.Hits {
			if written == limit {
				break
			}
			if err := out.row(hit); err != nil {
				return nil // the client went away
			}
			written++
		}
		if written == limit || res.NextCursor == "" {
			break
		}
		if err := out.flush(); err != nil {
			return nil
		}
		_ = rc.Flush()
		// A long export outlives the server's write timeout: each page
		// gets a fresh one.
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.RequestTimeout + time.Minute))
		req.Cursor = res.NextCursor
		if res, err = s.exportPage(c, req); err != nil {
			stopped = err
			s.cfg.Logger.Warn("export stopped early", "exported", written, "err", err)
			break
		}
	}
	end := exportEnd{End: true, Total: res.Total, Exported: written, Truncated: truncated, Limit: limit}
	if stopped != nil {
		end.Error = "the export stopped early: " + publicError(stopped)
	}
	_ = out.end(end)
	return nil
}

// exportPage runs one page of an export under the search deadline.
func (s *Server) exportPage(c echo.Context, req index.Request) (*index.Result, error) {
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.SearchTimeout)
	defer cancel()
	return s.cfg.Backend.Search(ctx, req)
}

// publicError is what an export may say of an error: the message of a
// client-caused one, nothing internal.
func publicError(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "a page took too long"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, index.ErrInvalidQuery):
		return err.Error()
	}
	return "internal error"
}

// exportWriter writes rows in one format.
type exportWriter struct {
	format string
	w      io.Writer
	csv    *csv.Writer
	enc    *json.Encoder
}

func newExportWriter(w io.Writer, format string) *exportWriter {
	ew := &exportWriter{format: format, w: w}
	if format == "csv" {
		_, _ = io.WriteString(w, "\uFEFF") // the BOM Excel needs to read UTF-8
		ew.csv = csv.NewWriter(w)
		ew.csv.UseCRLF = true // as Excel writes it
		_ = ew.csv.Write(exportColumns)
	} else {
		ew.enc = json.NewEncoder(w)
		ew.enc.SetEscapeHTML(false)
	}
	return ew
}

func (ew *exportWriter) row(h index.Hit) error {
	snippet := ""
	if len(h.Snippets) > 0 {
		snippet = PlainSnippet(h.Snippets[0])
	}
	if ew.csv != nil {
		return ew.csv.Write([]string{
			h.ID, cell(h.Title), h.PublishedAt, cell(h.Section), cell(strings.Join(h.Authors, "、")),
			h.URL, strconv.FormatFloat(h.Score, 'g', 6, 64), cell(snippet),
		})
	}
	return ew.enc.Encode(exportRow{ID: h.ID, Title: h.Title, PublishedAt: h.PublishedAt, Section: h.Section,
		Authors: h.Authors, URL: h.URL, Score: h.Score, Snippet: snippet})
}

func (ew *exportWriter) flush() error {
	if ew.csv != nil {
		ew.csv.Flush()
		return ew.csv.Error()
	}
	return nil
}

// end writes how the export ended: the last NDJSON line, or, in a CSV
// only when the export is cut short, a last row saying so (a spreadsheet
// shows it under the data).
func (ew *exportWriter) end(e exportEnd) error {
	if ew.csv == nil {
		return ew.enc.Encode(e)
	}
	note := make([]string, len(exportColumns)) // as wide as the data, for strict CSV readers
	switch {
	case e.Error != "":
		note[0] = fmt.Sprintf("# 导出中断（%s），已导出 %d 条，共 %d 条", e.Error, e.Exported, e.Total)
	case e.Truncated:
		note[0] = fmt.Sprintf("# 已达导出上限 %d 条，共 %d 条；请缩小搜索范围", e.Limit, e.Total)
	}
	if note[0] != "" {
		_ = ew.csv.Write(note)
	}
	return ew.flush()
}

// cell keeps a spreadsheet from running text as a formula (CSV
// injection): a cell starting with = + - @ or a tab gets a leading '.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// PlainSnippet turns a highlighted snippet (HTML with <mark>) into plain
// text.
func PlainSnippet(s string) string {
	s = strings.ReplaceAll(s, "<mark>", "")
	s = strings.ReplaceAll(s, "</mark>", "")
	return html.UnescapeString(s)
}
