package tokenizer

import (
	"math"
	"testing"
)

func TestSegScore(t *testing.T) {
	tests := []struct {
		name                 string
		gold, test           []string
		known                map[string]bool
		p, r, f, oovR        float64
		correct, oov, oovHit int
	}{
		{"perfect", []string{"经济", "发展"}, []string{"经济", "发展"}, map[string]bool{"经济": true}, 1, 1, 1, 1, 2, 1, 1},
		{"over-split", []string{"经济", "发展"}, []string{"经", "济", "发展"}, nil, 1.0 / 3, 0.5, 0.4, 0, 1, 0, 0},
		{"under-split", []string{"二七", "经开区"}, []string{"二七经开区"}, map[string]bool{}, 0, 0, 0, 0, 0, 2, 0},
		{"shifted boundary", []string{"共同", "创造", "美好"}, []string{"共", "同创", "造", "美好"}, nil, 0.25, 1.0 / 3, 2 * 0.25 * (1.0 / 3) / (0.25 + 1.0/3), 0, 1, 0, 0},
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sc SegScore
			sc.Add(tt.gold, tt.test, tt.known)
			if sc.Correct != tt.correct || sc.OOVWords != tt.oov || sc.OOVCorrect != tt.oovHit {
				t.Fatalf("score %+v, want correct %d oov %d/%d", sc, tt.correct, tt.oovHit, tt.oov)
			}
			if !near(sc.Precision(), tt.p) || !near(sc.Recall(), tt.r) || !near(sc.F1(), tt.f) || !near(sc.OOVRecall(), tt.oovR) {
				t.Errorf("P %.4f R %.4f F %.4f OOV-R %.4f, want %.4f %.4f %.4f %.4f",
					sc.Precision(), sc.Recall(), sc.F1(), sc.OOVRecall(), tt.p, tt.r, tt.f, tt.oovR)
			}
		})
	}
}

func TestWordsCoverText(t *testing.T) {
	seg := shared(t)
	for _, text := range []string{"經濟發展,靠ＡＢＣ與5G。", "共同创造美好的新世纪——二○○一年新年贺词", "女士们 , 先生们"} {
		t.Run(text, func(t *testing.T) {
			var got string
			for _, w := range seg.Words(text, SegmentOptions{}) {
				got += w
			}
			want := ""
			for _, r := range text {
				if r != ' ' {
					want += string(r)
				}
			}
			if got != want {
				t.Errorf("words join to %q, want %q", got, want)
			}
		})
	}
}
