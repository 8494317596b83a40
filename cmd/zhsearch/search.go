package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zhsearch/zhsearch/index"
)

// searchCmd prints the hits of a query with their snippets: from the index
// it opens itself with --data, from the server at --server, or else from
// the server the --listen setting names (the one `zhsearch serve` started
// here); never from an index it makes up. Marks show as bold colour on a
// terminal and vanish elsewhere, so the output pipes cleanly.
func searchCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhsearch search", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zhsearch search [flags] QUERY...")
		fs.PrintDefaults()
	}
	server := fs.String("server", "", "ask the zhsearch server at this URL (e.g. http://127.0.0.1:8080) instead of opening the index; sends ZHSEARCH_READ_KEY if set")
	data := fs.String("data", "", "index directory to open (env ZHSEARCH_DATA), while no server holds it")
	listen := fs.String("listen", envOr(getenv, "ZHSEARCH_LISTEN", "127.0.0.1:8080"), "without --data or --server: ask the server listening here (env ZHSEARCH_LISTEN)")
	tz := fs.String("timezone", "", "the newsroom's zone (env ZHSEARCH_TIMEZONE, default Asia/Shanghai)")
	typ := fs.String("type", index.TypeArticle, "article or paragraph")
	size := fs.Int("size", 10, "hits to print")
	page := fs.Int("page", 1, "page of hits")
	snippets := fs.Int("snippets", 2, "snippets a hit")
	sortBy := fs.String("sort", "", "relevance (default), newest or oldest")
	since := fs.String("since", "", "published from: RFC 3339 or YYYY-MM-DD (a day in the newsroom's zone)")
	until := fs.String("until", "", "published until, inclusive")
	section := fs.String("section", "", "only this section")
	color := fs.String("color", "auto", "marks in bold colour: auto (on a terminal), always or never")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	q := strings.TrimSpace(strings.Join(words, " "))
	if q == "" {
		fmt.Fprintln(stderr, "zhsearch search: no query; usage: zhsearch search [flags] QUERY")
		return 2
	}
	var useColor bool
	switch *color {
	case "auto":
		useColor = isTerminal(stdout) && getenv("NO_COLOR") == ""
	case "always":
		useColor = true
	case "never":
	default:
		fmt.Fprintf(stderr, "zhsearch search: --color %q: want auto, always or never\n", *color)
		return 2
	}
	req := index.Request{Query: q, Type: *typ, Size: *size, Page: *page, Snippets: *snippets,
		Sort: *sortBy, Since: *since, Until: *until}
	if *section != "" {
		req.Sections = []string{*section}
	}

	var res *index.Result
	switch {
	case *server != "":
		res, err = searchServer(ctx, *server, getenv("ZHSEARCH_READ_KEY"), req)
	case *data != "" || getenv("ZHSEARCH_DATA") != "":
		res, err = searchLocal(ctx, *data, *tz, getenv, req, stderr)
	default:
		base, lerr := listenURL(*listen)
		if lerr != nil {
			fmt.Fprintf(stderr, "zhsearch search: --listen %q: %v\n", *listen, lerr)
			return 2
		}
		res, err = searchServer(ctx, base, getenv("ZHSEARCH_READ_KEY"), req)
		var op *net.OpError
		if errors.As(err, &op) {
			fmt.Fprintf(stderr, "zhsearch search: no zhsearch server answers at %s (--listen, ZHSEARCH_LISTEN): start one with `zhsearch serve`, name another with --server URL, or search an index directory with --data DIR\n", base)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch search: %v\n", err)
		return 1
	}
	printResult(stdout, res, useColor)
	return 0
}

func searchLocal(ctx context.Context, data, tz string, getenv func(string) string, req index.Request, stderr io.Writer) (*index.Result, error) {
	var args []string
	if data != "" {
		args = append(args, "--data", data)
	}
	if tz != "" {
		args = append(args, "--timezone", tz)
	}
	cfg, _, err := parseConfig("zhsearch search", args, getenv, stderr)
	if err != nil {
		return nil, err
	}
	ix, closeIndex, err := openIndex(ctx, cfg, nil, nil)
	if err != nil {
		return nil, err
	}
	defer closeIndex()
	if err := seedIfNew(ctx, cfg, ix); err != nil {
		return nil, err
	}
	return ix.Search(ctx, req)
}

func searchServer(ctx context.Context, base, key string, r index.Request) (*index.Result, error) {
	v := url.Values{"q": {r.Query}, "type": {r.Type}, "size": {strconv.Itoa(r.Size)},
		"page": {strconv.Itoa(r.Page)}, "snippets": {strconv.Itoa(r.Snippets)}}
	for k, val := range map[string]string{"sort": r.Sort, "since": r.Since, "until": r.Until} {
		if val != "" {
			v.Set(k, val)
		}
	}
	for _, sec := range r.Sections {
		v.Add("section", sec)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/v1/search?"+v.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("--server %q: %w", base, err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e)
		return nil, fmt.Errorf("%s: %s: %s", base, resp.Status, e.Error.Message)
	}
	var res index.Result
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("%s: reading the answer: %w", base, err)
	}
	return &res, nil
}

const (
	ansiMark  = "\x1b[1;31m"
	ansiReset = "\x1b[0m"
	ansiDim   = "\x1b[2m"
)

// markText turns an HTML snippet (escaped text with <mark>) into terminal
// text: marks become bold colour, or disappear.
func markText(s string, color bool) string {
	on, off := "", ""
	if color {
		on, off = ansiMark, ansiReset
	}
	s = strings.NewReplacer("<mark>", on, "</mark>", off).Replace(s)
	return html.UnescapeString(s)
}

func printResult(w io.Writer, res *index.Result, color bool) {
	dim := func(s string) string {
		if color {
			return ansiDim + s + ansiReset
		}
		return s
	}
	fmt.Fprintf(w, "%d %s hits for %s (page %d, %.1f ms)\n", res.Total, res.Type, res.Query, res.Page, res.TookMS)
	for i, h := range res.Hits {
		title := h.TitleHTML
		if title == "" {
			title = html.EscapeString(h.Title)
		}
		fmt.Fprintf(w, "\n%d. %s\n", (res.Page-1)*res.Size+i+1, markText(title, color))
		var meta []string
		if h.Paragraph != nil {
			// 1-based, as the web page shows it; the API field is 0-based.
			meta = append(meta, fmt.Sprintf("paragraph %d of %s", *h.Paragraph+1, h.ArticleID))
		} else {
			meta = append(meta, h.ID)
		}
		if len(h.Authors) > 0 {
			meta = append(meta, strings.Join(h.Authors, "、"))
		}
		for _, m := range []string{h.Section, h.PublishedAt} {
			if m != "" {
				meta = append(meta, m)
			}
		}
		fmt.Fprintf(w, "   %s\n", dim(strings.Join(meta, " · ")))
		for _, s := range h.Snippets {
			fmt.Fprintf(w, "   %s\n", markText(s, color))
		}
	}
}

// parseInterspersed parses flags that may come after the words too, as in
// zhsearch search 二七经开区 --size 3; "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return words, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(words, rest...), nil
		}
		words, args = append(words, rest[0]), rest[1:]
	}
}
