package index

import (
	"fmt"
	"time"

	bq "github.com/blevesearch/bleve/v2/search/query"
)

// fieldMonthDay is the keyword field "on this day" (历史上的今天, the
// search parameter on=MM-DD) filters on: an article's publication day
// as MM-DD in the newsroom's zone, so that on=04-01 finds 1 April of
// every year with one term lookup.
const fieldMonthDay = "month_day"

// monthDay is the value of fieldMonthDay for a publication time: MM-DD
// in loc (nil: the time's own zone). An undated article has none ("").
func monthDay(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc != nil {
		t = t.In(loc)
	}
	return t.Format("01-02")
}

// monthDayFilter keeps the articles published on md (MM-DD) of any year.
// An undated article has no month-day and is never kept.
func monthDayFilter(md string) (bq.Query, error) {
	t, err := time.Parse(time.DateOnly, "2000-"+md) // a leap year: 02-29 is a day
	if err != nil || t.Format("01-02") != md {
		return nil, fmt.Errorf("%w: on %q is not a day of the year; use MM-DD such as 04-01", ErrInvalidQuery, md)
	}
	return termQuery(md, fieldMonthDay, 1), nil
}
