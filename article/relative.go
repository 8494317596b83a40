package article

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ResolveRelative turns the relative dates editors type in since and
// until into the day they mean in loc (the newsroom's zone), as
// YYYY-MM-DD: today, yesterday, thismonth and thisyear (the first day of
// the month or year), and -Nd, -Nw, -Nm, -Ny (N days, weeks, calendar
// months or years before today; a month back from 31 March is the last
// day of February). Any other value is returned unchanged, for the
// absolute parser; a malformed relative value (-7x, -0d) is an error
// saying what to type.
func ResolveRelative(s string, now time.Time, loc *time.Location) (string, error) {
	if loc == nil {
		loc = time.UTC
	}
	v := strings.ToLower(strings.TrimSpace(s))
	today := now.In(loc)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	switch v {
	case "today":
		return day(today), nil
	case "yesterday":
		return day(today.AddDate(0, 0, -1)), nil
	case "thismonth":
		return day(time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, loc)), nil
	case "thisyear":
		return day(time.Date(today.Year(), 1, 1, 0, 0, 0, 0, loc)), nil
	}
	if !strings.HasPrefix(v, "-") || strings.Count(v, "-") > 1 || len(v) < 2 {
		return s, nil // an absolute date (2024-06-01) or RFC 3339
	}
	unit := v[len(v)-1]
	n, err := strconv.Atoi(v[1 : len(v)-1]) // "-d" has no number: an error
	bad := fmt.Errorf("%q is not a relative date: use -Nd, -Nw, -Nm or -Ny with N from 1 to 10000 (days, weeks, months, years before today), today, yesterday, thismonth or thisyear", s)
	if err != nil || n < 1 || n > 10000 {
		return "", bad
	}
	switch unit {
	case 'd':
		return day(today.AddDate(0, 0, -n)), nil
	case 'w':
		return day(today.AddDate(0, 0, -7*n)), nil
	case 'm':
		return day(monthsBack(today, n)), nil
	case 'y':
		return day(monthsBack(today, 12*n)), nil
	}
	return "", bad
}

// monthsBack goes n calendar months back from t, keeping the day of the
// month where it exists and taking the month's last day where it does
// not (31 March − 1 month = 29 February in a leap year), unlike
// time.AddDate, which would overflow into March.
func monthsBack(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location()).AddDate(0, -n, 0)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(t.Day(), last)-1)
}

// ParseOn parses the on parameter ("on this day", 历史上的今天): MM-DD,
// a day of the year across all years, answers monthDay ("04-01"); a full
// YYYY-MM-DD answers date. 02-29 is a valid month-day.
func ParseOn(s string) (monthDay, date string, err error) {
	v := strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		if !InRange(t) {
			return "", "", fmt.Errorf("on %q is outside the years %d to %d", s, MinYear, MaxYear)
		}
		return "", t.Format(time.DateOnly), nil
	}
	// 2000 is a leap year, so 02-29 parses.
	if t, err := time.Parse(time.DateOnly, "2000-"+v); err == nil && len(v) == 5 {
		return t.Format("01-02"), "", nil
	}
	return "", "", fmt.Errorf("on %q is not a day: use MM-DD (that day in every year, such as 04-01) or YYYY-MM-DD", s)
}
