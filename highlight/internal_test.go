package highlight

import "testing"

func TestInsideOccurrence(t *testing.T) {
	const norm = "全球covid-19病例回升，covid检测"
	for _, c := range []struct {
		name       string
		w          string
		start, end int
		want       bool
	}{
		{"the start of an occurrence", "covid-19", 6, 11, true},
		{"the end of an occurrence", "covid-19", 12, 14, true},
		{"the whole occurrence", "covid-19", 6, 14, true},
		{"outside any occurrence", "covid-19", 33, 38, false},
		{"across an occurrence's end", "covid-19", 12, 17, false},
		{"no occurrence", "covid-20", 6, 11, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := insideOccurrence(norm, c.w, c.start, c.end); got != c.want {
				t.Errorf("insideOccurrence(%q, %q) = %v, want %v", norm[c.start:c.end], c.w, got, c.want)
			}
		})
	}
}

func TestClauses(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       []int
	}{
		{"empty", "", []int{0, 0}},
		{"no clause end", "经济运行", []int{0, 12}},
		{"a clause end at the end is no start", "经济，运行。", []int{0, 9, 18}},
		{"ASCII and full-width marks", "a,b；c…d", []int{0, 2, 6, 10, 11}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := clauses(c.text)
			if len(got) != len(c.want) {
				t.Fatalf("clauses(%q) = %v, want %v", c.text, got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("clauses(%q) = %v, want %v", c.text, got, c.want)
				}
			}
		})
	}
}
