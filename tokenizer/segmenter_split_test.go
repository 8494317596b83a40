package tokenizer

import (
	"strings"
	"testing"
)

// TestSplitLine checks splitLine against the strings.Split it replaces.
func TestSplitLine(t *testing.T) {
	for _, line := range []string{"", "中国", "中国 100", "中国 100 ns", "中国 100 ns extra", "中国  100", "a b c d e", " 中国"} {
		t.Run(line, func(t *testing.T) {
			f := strings.Split(line, " ")
			want := [3]string{}
			copy(want[:], f)
			n, w, fr, pos := splitLine(line)
			if n != len(f) || w != want[0] || fr != want[1] || pos != want[2] {
				t.Errorf("splitLine(%q) = %d %q %q %q, want %d %q %q %q", line, n, w, fr, pos, len(f), want[0], want[1], want[2])
			}
		})
	}
}
