package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// A grown corpus (issue 16, item 4): an archive larger than the corpus,
// made by repeating it. Copy 0 is the corpus as it is; copy k (k >= 1)
// holds every article again with the id suffixed "-r<k+1>" (-r2, -r3, …)
// and its published_at shifted k whole years back, so that the copies
// are new articles to the index (new ids, other dates for date filters
// and sorts) with the same text. The file is written for one bench run
// into its temporary directory and deleted with it: never committed.

// ShiftYears moves a published_at value (RFC 3339 or YYYY-MM-DD) k years
// back (k may be negative: forward), keeping everything after the date
// as it was written: the time of day, fractions of seconds and the
// offset (or Z). Only the calendar date changes; February 29 becomes
// February 28 in a year that is not a leap year (the date stays in its
// month, as a "same day, k years earlier" shift should, rather than
// rolling into March as time.AddDate would). An empty value stays empty.
func ShiftYears(s string, k int) (string, error) {
	if s == "" {
		return "", nil
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return "", fmt.Errorf("published_at %q is neither RFC 3339 nor YYYY-MM-DD", s)
		}
	}
	// Both layouts begin with YYYY-MM-DD, already validated above.
	y, _ := strconv.Atoi(s[0:4])
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:10])
	y -= k
	if y < 1 || y > 9999 {
		return "", fmt.Errorf("published_at %q shifted %d years leaves the years 1 to 9999", s, k)
	}
	if m == 2 && d == 29 && !isLeap(y) {
		d = 28
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d) + s[10:], nil
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// RepeatArticle returns copy k (k >= 1) of one corpus line: the same
// article with the id suffixed "-r<k+1>" and published_at shifted k years
// back (ShiftYears). Every other field is kept as it was. The result ends
// in a newline.
func RepeatArticle(line []byte, k int) ([]byte, error) {
	if k < 1 {
		return nil, fmt.Errorf("copy %d: copies are numbered from 1 (0 is the corpus itself)", k)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return nil, err
	}
	var id string
	if err := json.Unmarshal(fields["id"], &id); err != nil || id == "" {
		return nil, fmt.Errorf("article without a string id")
	}
	if err := setString(fields, "id", id+"-r"+strconv.Itoa(k+1)); err != nil {
		return nil, err
	}
	if raw, ok := fields["published_at"]; ok && string(raw) != "null" {
		var pub string
		if err := json.Unmarshal(raw, &pub); err != nil {
			return nil, fmt.Errorf("article %q: published_at is not a string", id)
		}
		shifted, err := ShiftYears(pub, k)
		if err != nil {
			return nil, fmt.Errorf("article %q: %w", id, err)
		}
		if err := setString(fields, "published_at", shifted); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b) // ends the line with a newline
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fields); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func setString(fields map[string]json.RawMessage, key, v string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	fields[key] = b
	return nil
}

// WriteGrown writes n articles to w: the corpus lines in order, then, as
// long as more are needed, copy 1, copy 2, … of them (RepeatArticle). It
// returns how many copies it began (0 when n fits in the corpus). It
// fails rather than write two articles with one id (a corpus that already
// holds "x-r2" next to "x").
func WriteGrown(w io.Writer, lines [][]byte, n int) (copies int, err error) {
	if len(lines) == 0 {
		return 0, fmt.Errorf("no articles to grow from")
	}
	seen := make(map[string]struct{}, n)
	for i := 0; i < n; i++ {
		k, line := i/len(lines), lines[i%len(lines)]
		if k > 0 {
			if line, err = RepeatArticle(line, k); err != nil {
				return copies, fmt.Errorf("copy %d of article %d: %w", k, i%len(lines)+1, err)
			}
		}
		var head struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(line, &head); err != nil {
			return copies, fmt.Errorf("article %d: %w", i+1, err)
		}
		if _, dup := seen[head.ID]; dup {
			return copies, fmt.Errorf("article %d: id %q is already in the grown corpus", i+1, head.ID)
		}
		seen[head.ID] = struct{}{}
		if _, err := w.Write(line); err != nil {
			return copies, err
		}
		copies = k
	}
	return copies, nil
}
