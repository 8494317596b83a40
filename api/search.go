package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/pinyin"
)

// countParam reads an optional count parameter (page, size, snippets,
// snippet_len) by the one rule every endpoint follows: left out (or empty),
// it is 0 and the backend takes its default; given, it must be a whole
// number of 1 or more. 0 and negative numbers are refused rather than
// silently read as the default, so that size=0 and size=-1 answer alike.
func countParam(c echo.Context, name string) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badParam(name, "must be a whole number")
	}
	if n < 1 {
		return 0, badParam(name, v+" is not allowed: give 1 or more, or leave it out for the default")
	}
	return n, nil
}

// listParam reads a repeatable parameter (?tag=a&tag=b); with split, also
// comma-separated values (?facets=section,month).
func listParam(c echo.Context, name string, split bool) []string {
	var out []string
	for _, v := range c.QueryParams()[name] {
		parts := []string{v}
		if split {
			parts = strings.Split(v, ",")
		}
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// searchContext bounds a backend call by the configured deadline; the
// request's context already ends when the client goes away.
func (s *Server) searchContext(c echo.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), s.cfg.SearchTimeout)
}

// searchRequest reads the search parameters every search-like endpoint
// (search, export) takes.
func (s *Server) searchRequest(c echo.Context) (index.Request, error) {
	q := strings.TrimSpace(c.QueryParam("q"))
	if q == "" {
		return index.Request{}, &apiError{http.StatusBadRequest, "missing_query", "q: the query is missing or empty; pass ?q=words"}
	}
	req := index.Request{
		Query: q, Type: c.QueryParam("type"),
		Since: strings.TrimSpace(c.QueryParam("since")), Until: strings.TrimSpace(c.QueryParam("until")),
		Sections: listParam(c, "section", false), Authors: listParam(c, "author", false),
		Tags: listParam(c, "tag", false), Sources: listParam(c, "source", false), IDs: listParam(c, "id", false),
		Persons: listParam(c, "person", false), Places: listParam(c, "place", false), Orgs: listParam(c, "org", false),
		Sort: c.QueryParam("sort"), Boost: c.QueryParam("boost"), Cursor: c.QueryParam("cursor"),
		Facets: listParam(c, "facets", true), Collapse: c.QueryParam("collapse"),
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &req.Page}, {"size", &req.Size}, {"snippet_len", &req.SnippetLen}, {"snippets", &req.Snippets}} {
		n, err := countParam(c, p.name)
		if err != nil {
			return req, err
		}
		*p.dst = n
	}
	var err error
	if req.Explain, err = boolParam(c, "explain"); err != nil {
		return req, err
	}
	if err := s.resolveDates(c, &req); err != nil {
		return req, err
	}
	switch c.QueryParam("synonyms") {
	case "", "on":
		if s.cfg.Synonyms != nil {
			req.Synonyms = s.cfg.Synonyms.Current()
		}
	case "phrases":
		if s.cfg.Synonyms != nil {
			req.Synonyms, req.SynonymPhrases = s.cfg.Synonyms.Current(), true
		}
	case "off":
	default:
		return req, badParam("synonyms", "want on (the default: texts, not quoted phrases), phrases (quoted phrases too) or off")
	}
	if s.cfg.Pinyin != nil {
		req.Pinyin = pinyinWords{s.cfg.Pinyin}
	}
	return req, nil
}

// pinyinWords reads pinyin:… query texts with the pinyin suggester: the
// words the input spells whole with the reading of the most used one (at
// most maxPinyinWords: 钟南山 for zhongnanshan; 郑州 for zz, not every
// word whose initials are z z).
type pinyinWords struct{ p Pinyin }

const maxPinyinWords = 3

func (w pinyinWords) Words(input string) []string {
	var out []string
	reading := ""
	for _, sg := range w.p.Suggest(input, 20) {
		if !sg.Whole {
			continue
		}
		if reading == "" {
			reading = sg.Pinyin
		}
		if sg.Pinyin == reading && !slices.Contains(out, sg.Word) {
			out = append(out, sg.Word)
		}
		if len(out) == maxPinyinWords {
			break
		}
	}
	return out
}

// resolveDates turns relative since/until (today, -7d… see
// article.ResolveRelative) into days of the newsroom's zone, and on=
// into the day it names.
func (s *Server) resolveDates(c echo.Context, req *index.Request) error {
	now := s.cfg.Now()
	for _, b := range []struct {
		name string
		v    *string
	}{{"since", &req.Since}, {"until", &req.Until}} {
		v, err := article.ResolveRelative(*b.v, now, s.cfg.Location)
		if err != nil {
			return badParam(b.name, err.Error())
		}
		*b.v = v
	}
	on := strings.TrimSpace(c.QueryParam("on"))
	if on == "" {
		return nil
	}
	if req.Since != "" || req.Until != "" {
		return badParam("on", "pass either on or since/until, not both")
	}
	monthDay, date, err := article.ParseOn(on)
	if err != nil {
		return badParam("on", err.Error())
	}
	if monthDay != "" {
		req.MonthDay = monthDay
		return nil
	}
	req.Since, req.Until = date, date
	return nil
}

// searchAnswer is the body of GET /v1/search: the page of hits, and for a
// query typed in pinyin that found nothing, the Chinese word it spells.
type searchAnswer struct {
	*index.Result
	DidYouMean *didYouMean `json:"did_you_mean,omitempty"`
}

// didYouMean offers a search for the word a pinyin query spells
// (您要找的是：钟南山？).
type didYouMean struct {
	Query   string `json:"query"`   // the search to offer
	Pinyin  string `json:"pinyin"`  // the reading matched
	Message string `json:"message"` // 您要找的是：钟南山？
}

func (s *Server) search(c echo.Context) error {
	req, err := s.searchRequest(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.searchContext(c)
	defer cancel()
	res, err := s.cfg.Backend.Search(ctx, req)
	if err != nil {
		return err
	}
	out := searchAnswer{Result: res}
	if res.Total == 0 && s.cfg.Pinyin != nil && pinyin.IsPinyin(req.Query) {
		for _, sg := range s.cfg.Pinyin.Suggest(req.Query, 1) {
			if sg.Whole {
				out.DidYouMean = &didYouMean{Query: sg.Word, Pinyin: sg.Pinyin, Message: "您要找的是：" + sg.Word + "？"}
			}
		}
	}
	return c.JSON(http.StatusOK, out)
}
