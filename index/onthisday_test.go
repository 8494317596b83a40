package index

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/article"
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

// TestOnThisDay: MonthDay keeps the articles of that day in every year,
// as days of the newsroom's zone, and refuses what is not a day.
func TestOnThisDay(t *testing.T) {
	ix, err := Open(Options{Path: filepath.Join(t.TempDir(), "idx")})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	body := []article.Paragraph{{Text: "市民在公园里植树。"}}
	arts := []*article.Article{
		{ID: "a2020", Title: "植树节", PublishedAt: "2020-04-01T10:00:00+08:00", Paragraphs: body},
		{ID: "a2023", Title: "植树节", PublishedAt: "2023-04-01", Paragraphs: body},
		{ID: "a2021", Title: "植树节", PublishedAt: "2021-03-31T20:00:00Z", Paragraphs: body}, // 04-01 04:00 in Shanghai
		{ID: "b2022", Title: "植树节", PublishedAt: "2022-04-02T01:00:00+08:00", Paragraphs: body},
		{ID: "b2019", Title: "植树节", PublishedAt: "2019-03-31T23:30:00+08:00", Paragraphs: body},
		{ID: "undated", Title: "植树节", Paragraphs: body},
	}
	for _, a := range arts {
		a.Normalize()
	}
	if err := ix.Put(context.Background(), arts...); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		md   string
		want []string
	}{
		{"04-01", []string{"a2020", "a2021", "a2023"}},
		{"03-31", []string{"b2019"}},
		{"02-29", nil},
	} {
		t.Run(tc.md, func(t *testing.T) {
			res, err := ix.Search(context.Background(), Request{Query: "植树", MonthDay: tc.md, Size: 10})
			if err != nil {
				t.Fatal(err)
			}
			got := ids(res)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("on=%s: %v, want %v", tc.md, got, tc.want)
			}
		})
	}
	for _, bad := range []string{"13-01", "04-31", "4-1", "x"} {
		if _, err := ix.Search(context.Background(), Request{Query: "植树", MonthDay: bad}); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("on=%s: %v, want ErrInvalidQuery", bad, err)
		}
	}
}
