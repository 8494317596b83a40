package tokenizer

import (
	"strings"
	"testing"
)

// TestFindAllWholeRuns: a needle that starts or ends with a Latin letter or
// a digit matches only where that end is also the end of the text's run.
func TestFindAllWholeRuns(t *testing.T) {
	for _, tt := range []struct {
		text    string
		needles []string
		want    string
	}{
		{"支持3.5GHz频段的5G基站", []string{"5G"}, "5G"},
		{"3.5GHz", []string{"5g", "3", "5"}, ""},
		{"3.5GHz", []string{"GHz", "3.5"}, "GHz|3.5"},
		{"5G手机和５Ｇ网络", []string{"5G"}, "5G|５Ｇ"},
		{"2024年和2023年", []string{"20", "202", "2024"}, "2024"},
		{"G20峰会", []string{"G20", "G2", "20"}, "G20|20"}, // letters meet digits: a boundary
		{"COVID-19疫苗", []string{"COVID", "19", "OVID"}, "COVID|19"},
		{"iPhone15发布", []string{"iPhone", "phone", "15"}, "iPhone|15"},
		{"abc abcd", []string{"abc"}, "abc"},
		{"Café和Cafés", []string{"café"}, "Café"},
		{"二七经开区", []string{"七经", "开区"}, "七经|开区"},
		{"5G网络和5G", []string{"G网络", "5G网"}, "G网络|5G网"},
		{"版本1.2.3", []string{"2"}, ""},
		{"第5.", []string{"5"}, "5"},
	} {
		t.Run(tt.text, func(t *testing.T) {
			var got []string
			for _, r := range FindAll(tt.text, tt.needles) {
				got = append(got, tt.text[r[0]:r[1]])
			}
			if strings.Join(got, "|") != tt.want {
				t.Errorf("FindAll(%q, %q) = %q, want %q", tt.text, tt.needles, got, tt.want)
			}
		})
	}
}
