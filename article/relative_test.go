package article

import (
	"strings"
	"testing"
	"time"
)

func TestResolveRelative(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	// 2024-03-31 01:30 in Shanghai is still 30 March in UTC.
	now := time.Date(2024, 3, 30, 17, 30, 0, 0, time.UTC)
	for _, tc := range []struct{ in, want string }{
		{"today", "2024-03-31"},
		{"TODAY", "2024-03-31"},
		{"yesterday", "2024-03-30"},
		{"thismonth", "2024-03-01"},
		{"thisyear", "2024-01-01"},
		{"-7d", "2024-03-24"},
		{"-1w", "2024-03-24"},
		{"-30d", "2024-03-01"},
		{"-1m", "2024-02-29"}, // the last day of a shorter month
		{"-13m", "2023-02-28"},
		{"-1y", "2023-03-31"},
		{"2020-04-01", "2020-04-01"},                               // absolute: unchanged
		{"2024-06-01T08:00:00+08:00", "2024-06-01T08:00:00+08:00"}, // unchanged
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ResolveRelative(tc.in, now, sh)
			if err != nil || got != tc.want {
				t.Errorf("ResolveRelative(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	if got, _ := ResolveRelative("today", now, time.UTC); got != "2024-03-30" {
		t.Errorf("today in UTC = %s; the zone decides the day", got)
	}
	for _, bad := range []string{"-7x", "-0d", "-d", "-99999d", "-1.5m"} {
		if _, err := ResolveRelative(bad, now, sh); err == nil || !strings.Contains(err.Error(), "-Nd") {
			t.Errorf("ResolveRelative(%q): %v, want an error saying what to type", bad, err)
		}
	}
}

func TestParseOn(t *testing.T) {
	for _, tc := range []struct{ in, md, date string }{
		{"04-01", "04-01", ""},
		{"02-29", "02-29", ""},
		{"2020-04-01", "", "2020-04-01"},
	} {
		md, date, err := ParseOn(tc.in)
		if err != nil || md != tc.md || date != tc.date {
			t.Errorf("ParseOn(%q) = %q, %q, %v", tc.in, md, date, err)
		}
	}
	for _, bad := range []string{"4-1", "13-01", "02-30", "2021-02-29", "0400-01-01", "today", "04/01"} {
		if _, _, err := ParseOn(bad); err == nil {
			t.Errorf("ParseOn(%q) accepted", bad)
		}
	}
}
