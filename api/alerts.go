package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/alert"
)

// Alerts is what the alert endpoints need (alert.Service).
type Alerts interface {
	Create(ctx context.Context, sp alert.Spec) (*alert.Created, error)
	List(ctx context.Context) ([]alert.Alert, error)
	Get(ctx context.Context, id string) (*alert.Alert, error)
	Delete(ctx context.Context, id string) error
	Matches(ctx context.Context, id string, after uint64, limit int) (*alert.MatchPage, error)
	Latest(ctx context.Context, id string, limit int) (*alert.MatchPage, error)
	MatchesAt(ctx context.Context, id string, t time.Time) (uint64, error)
	After(ctx context.Context, after uint64, alertID string, limit int) ([]alert.Match, error)
	Last() (uint64, <-chan struct{})
	Done() <-chan struct{}
}

// Limits of the alert endpoints.
const (
	DefaultMatchesSize = 50
	MaxMatchesSize     = 500
	// streamKeepAlive is how often an idle stream sends a comment, so
	// that proxies keep it open and a gone client is noticed.
	streamKeepAlive = 15 * time.Second
)

func (s *Server) alertRoutes(v1, write *echo.Group) {
	mw := s.cfg.WriteMiddleware
	write.POST("/alerts", s.createAlert, mw...)
	write.DELETE("/alerts/:id", s.deleteAlert, mw...)
	v1.GET("/alerts", s.listAlerts)
	v1.GET("/alerts/stream", s.alertStream)
	v1.GET("/alerts/:id", s.getAlert)
	v1.GET("/alerts/:id/matches", s.alertMatches)
}

// alertError maps the alert package's errors to answers.
func alertError(err error) error {
	switch {
	case errors.Is(err, alert.ErrNotFound):
		return &apiError{http.StatusNotFound, "not_found", err.Error()}
	case errors.Is(err, alert.ErrHostNotAllowed):
		return &apiError{http.StatusBadRequest, "webhook_not_allowed", err.Error()}
	case errors.Is(err, alert.ErrInvalid):
		return &apiError{http.StatusBadRequest, "invalid_alert", err.Error()}
	}
	return err
}

// alertBody is the body of POST /v1/alerts: a list filter may be one
// string or an array of them, as a repeated search parameter.
type alertBody struct {
	Name     string     `json:"name"`
	Query    string     `json:"q"`
	Section  stringList `json:"section"`
	Author   stringList `json:"author"`
	Tag      stringList `json:"tag"`
	Source   stringList `json:"source"`
	Since    string     `json:"since"`
	Until    string     `json:"until"`
	Synonyms string     `json:"synonyms"`
	Webhook  string     `json:"webhook"`
}

type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("want a string or an array of strings")
	}
	*l = many
	return nil
}

func (s *Server) createAlert(c echo.Context) error {
	var b alertBody
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return &apiError{http.StatusBadRequest, "invalid_alert", "the body is not a saved search: " + err.Error() +
			`; send {"q": "…", "name": "…", "section": […], "webhook": "http://…"}`}
	}
	created, err := s.cfg.Alerts.Create(c.Request().Context(), alert.Spec{
		Name: b.Name, Query: b.Query, Section: b.Section, Author: b.Author, Tag: b.Tag, Source: b.Source,
		Since: b.Since, Until: b.Until, Synonyms: b.Synonyms, Webhook: b.Webhook,
	})
	if err != nil {
		return alertError(err)
	}
	created.Webhook = redactURL(created.Webhook)
	c.Response().Header().Set("Location", "/v1/alerts/"+url.PathEscape(created.ID))
	return c.JSON(http.StatusCreated, created)
}

// alertList answers GET /v1/alerts.
type alertList struct {
	Alerts []alert.Alert `json:"alerts"`
}

func (s *Server) listAlerts(c echo.Context) error {
	as, err := s.cfg.Alerts.List(c.Request().Context())
	if err != nil {
		return alertError(err)
	}
	if as == nil {
		as = []alert.Alert{}
	}
	for i := range as {
		as[i].Webhook = redactURL(as[i].Webhook)
	}
	return c.JSON(http.StatusOK, alertList{Alerts: as})
}

func (s *Server) getAlert(c echo.Context) error {
	a, err := s.cfg.Alerts.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return alertError(err)
	}
	a.Webhook = redactURL(a.Webhook)
	return c.JSON(http.StatusOK, a)
}

func (s *Server) deleteAlert(c echo.Context) error {
	if err := s.cfg.Alerts.Delete(c.Request().Context(), c.Param("id")); err != nil {
		return alertError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// alertMatches pages through an alert's matches: since is the next of
// the previous page (a match id), or a time (RFC 3339, or a date in the
// newsroom's zone) to start at the first match recorded then or later.
// order=newest lists the newest size matches instead, newest first (the
// page's list of an alert's latest matches).
func (s *Server) alertMatches(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	size, err := countParam(c, "size")
	if err != nil {
		return err
	}
	if size == 0 {
		size = DefaultMatchesSize
	}
	if size > MaxMatchesSize {
		return badParam("size", "at most "+strconv.Itoa(MaxMatchesSize))
	}
	switch c.QueryParam("order") {
	case "", "oldest":
	case "newest": // the newest size matches, newest first: no paging
		if c.QueryParam("since") != "" {
			return badParam("order", "newest lists the newest matches; since pages oldest first: use one or the other")
		}
		p, err := s.cfg.Alerts.Latest(ctx, id, size)
		if err != nil {
			return alertError(err)
		}
		if p.Matches == nil {
			p.Matches = []alert.Match{}
		}
		return c.JSON(http.StatusOK, p)
	default:
		return badParam("order", "want oldest (the default, paged with since) or newest")
	}
	var after uint64
	if v := strings.TrimSpace(c.QueryParam("since")); v != "" {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			after = n
		} else {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				if t, err = time.ParseInLocation(time.DateOnly, v, s.cfg.Location); err != nil {
					return badParam("since", "want the next of the previous page, or a time (RFC 3339 or YYYY-MM-DD)")
				}
			}
			if after, err = s.cfg.Alerts.MatchesAt(ctx, id, t); err != nil {
				return alertError(err)
			}
		}
	}
	p, err := s.cfg.Alerts.Matches(ctx, id, after, size)
	if err != nil {
		return alertError(err)
	}
	if p.Matches == nil {
		p.Matches = []alert.Match{}
	}
	return c.JSON(http.StatusOK, p)
}

// alertStream is Server-Sent Events of new matches: each an event
// "match" whose id is the match's id and whose data is the match as JSON.
// A client that reconnects with Last-Event-ID (or ?last_event_id=) gets
// every match after that one first; without it, the stream starts with
// the next match. ?alert= keeps one alert's matches.
func (s *Server) alertStream(c echo.Context) error {
	ctx := c.Request().Context()
	alertID := c.QueryParam("alert")
	if alertID != "" {
		if _, err := s.cfg.Alerts.Get(ctx, alertID); err != nil {
			return alertError(err)
		}
	}
	last, _ := s.cfg.Alerts.Last()
	resume := c.Request().Header.Get("Last-Event-ID")
	if resume == "" {
		resume = c.QueryParam("last_event_id")
	}
	if resume = strings.TrimSpace(resume); resume != "" {
		n, err := strconv.ParseUint(resume, 10, 64)
		if err != nil {
			return badParam("Last-Event-ID", "want the id of a match event")
		}
		last = n
	}
	w := c.Response()
	// a stream lasts: no write deadline of the server applies to it
	_ = http.NewResponseController(w.Writer).SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 3000\n: zhsearch alert matches\n\n"); err != nil {
		return nil
	}
	w.Flush()
	keep := time.NewTicker(streamKeepAlive)
	defer keep.Stop()
	for {
		_, changed := s.cfg.Alerts.Last() // before reading: a match recorded meanwhile closes it
		ms, err := s.cfg.Alerts.After(ctx, last, alertID, 100)
		if err != nil {
			return nil // the answer has begun: end the stream, the client reconnects
		}
		for _, m := range ms {
			data, _ := json.Marshal(m)
			if _, err := fmt.Fprintf(w, "id: %d\nevent: match\ndata: %s\n\n", m.Seq, data); err != nil {
				return nil
			}
			last = m.Seq
		}
		if len(ms) > 0 {
			w.Flush()
			if len(ms) == 100 {
				continue
			}
		}
		select {
		case <-changed:
		case <-keep.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			w.Flush()
		case <-ctx.Done():
			return nil
		case <-s.cfg.Alerts.Done():
			return nil
		}
	}
}

// redactURL shows a webhook without what may be a credential: user info
// and query.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return raw
	}
	if u.User != nil {
		u.User = url.User("…")
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}
