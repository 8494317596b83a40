package index

import "time"

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
