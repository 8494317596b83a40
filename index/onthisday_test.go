package index

import (
	"testing"
	"time"
)

func TestMonthDay(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	for _, tc := range []struct {
		t    time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2020, 3, 31, 16, 30, 0, 0, time.UTC), sh, "04-01"}, // already 1 April in Shanghai
		{time.Date(2020, 3, 31, 16, 30, 0, 0, time.UTC), nil, "03-31"},
		{time.Date(2024, 2, 29, 9, 0, 0, 0, sh), sh, "02-29"},
		{time.Time{}, sh, ""},
	} {
		if got := monthDay(tc.t, tc.loc); got != tc.want {
			t.Errorf("monthDay(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}
