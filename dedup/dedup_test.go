package dedup

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

const story = "新华社北京6月3日电 国务院新闻办公室今天举行发布会，介绍今年上半年经济运行情况。" +
	"国家统计局新闻发言人表示，上半年国内生产总值同比增长百分之五，就业形势总体稳定。" +
	"发言人说，下一步将继续扩大内需，稳定外贸外资，推动经济持续回升向好。"

// text makes n runes of pseudo-random Chinese from a fixed seed.
func text(seed uint64, n int) string {
	const chars = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
	r := rand.New(rand.NewPCG(seed, seed^0x9e37))
	var b strings.Builder
	for range n {
		b.WriteString(string([]rune(chars)[r.IntN(len([]rune(chars)))]))
	}
	return b.String()
}

// exact is the Jaccard similarity of the texts' shingle sets, computed
// the long way.
func exact(a, b string) float64 {
	set := func(s string) map[string]bool {
		rs := fold(nil, s)
		m := map[string]bool{}
		for i := 0; i+Shingle <= len(rs); i++ {
			m[string(rs[i:i+Shingle])] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	inter := 0
	for k := range sa {
		if sb[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(sa)+len(sb)-inter)
}

func TestSimilarity(t *testing.T) {
	paras := []string{text(1, 300), text(2, 300), text(3, 300), text(4, 300)}
	full := strings.Join(paras, "\n")
	for _, tc := range []struct {
		name string
		a, b string
		min  float64 // the estimate must be at least this
		max  float64 // and at most this
	}{
		{"the same text", story, story, 1, 1},
		{"punctuation, spaces and case changed", story + " ABC", strings.NewReplacer("，", ",", "。", ". ", "新华社", "新华社 ").Replace(story) + "abc", 1, 1},
		{"other texts", text(10, 500), text(11, 500), 0, 0.05},
		{"a paragraph cut", full, strings.Join(paras[:3], "\n"), 0.6, 0.9},
		{"a byline added", full, "（记者 张三 李四）" + full, 0.9, 1},
		{"half the text replaced", full, paras[0] + paras[1] + text(5, 600), 0.2, 0.45},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fa, fb := Of(tc.a), Of(tc.b)
			got := fa.Similarity(&fb)
			if got < tc.min || got > tc.max {
				t.Errorf("similarity %.3f, want %.2f..%.2f (exact Jaccard %.3f)", got, tc.min, tc.max, exact(tc.a, tc.b))
			}
			if back := fb.Similarity(&fa); back != got {
				t.Errorf("not symmetric: %.3f and %.3f", got, back)
			}
		})
	}
}

// TestEstimate checks the estimate against the exact Jaccard similarity
// over pairs of every degree of overlap: unbiased on average, off by
// 0.04 or less on average (the standard error at 128 bins is at most
// 0.045), and never by more than 0.2 (4.5 standard errors).
func TestEstimate(t *testing.T) {
	var sum, sumAbs float64
	n := 0
	for keep := 0; keep <= 20; keep += 2 {
		for seed := uint64(0); seed < 10; seed++ {
			base := text(100+seed, 2000)
			rs := []rune(base)
			// keep the first keep/20 of the text, replace the rest
			cut := len(rs) * keep / 20
			other := string(rs[:cut]) + text(200+seed, len(rs)-cut)
			fa, fb := Of(base), Of(other)
			est, ex := fa.Similarity(&fb), exact(base, other)
			if math.Abs(est-ex) > 0.2 {
				t.Errorf("keep %d/20 seed %d: estimate %.3f, exact %.3f", keep, seed, est, ex)
			}
			sum += est - ex
			sumAbs += math.Abs(est - ex)
			n++
		}
	}
	if bias := sum / float64(n); math.Abs(bias) > 0.02 {
		t.Errorf("mean error %.4f over %d pairs: biased", bias, n)
	}
	if mae := sumAbs / float64(n); mae > 0.04 {
		t.Errorf("mean absolute error %.4f over %d pairs", mae, n)
	}
}

func TestBands(t *testing.T) {
	a, b := Of(story), Of(story+"。")
	if !slices.Equal(a.Bands(), b.Bands()) {
		t.Error("the same text has other bands")
	}
	if got := len(a.Bands()); got != Bands {
		t.Errorf("%d bands, want %d", got, Bands)
	}
	seen := map[string]bool{}
	for _, k := range a.Bands() {
		if seen[k] {
			t.Errorf("band key %q twice", k)
		}
		seen[k] = true
	}
	c := Of(text(7, 800))
	for _, k := range c.Bands() {
		if seen[k] {
			t.Errorf("unrelated texts share band %q", k)
		}
	}
	// a copy with a cut paragraph shares bands: it is found
	paras := []string{text(1, 300), text(2, 300), text(3, 300), text(4, 300), text(5, 300)}
	d, e := Of(strings.Join(paras, "")), Of(strings.Join(paras[1:], ""))
	shared := 0
	for _, k := range e.Bands() {
		if slices.Contains(d.Bands(), k) {
			shared++
		}
	}
	if shared == 0 {
		t.Error("a copy with a cut paragraph shares no band")
	}
}

func TestEmpty(t *testing.T) {
	for _, s := range []string{"", "。，！ \n", "——"} {
		f := Of(s)
		if !f.Empty() || f.Bands() != nil {
			t.Errorf("Of(%q): not empty", s)
		}
		g := Of(s)
		if f.Similarity(&g) != 0 {
			t.Errorf("Of(%q) is similar to itself", s)
		}
	}
	short := Of("两会")
	if short.Empty() || short.Shingles != 1 {
		t.Errorf("a text shorter than a shingle: %d shingles", short.Shingles)
	}
	if other := Of("两会"); short.Similarity(&other) != 1 {
		t.Error("short texts: the same text is not similar")
	}
}

func TestEncoding(t *testing.T) {
	f := Of(story)
	b, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var g Fingerprint
	if err := g.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if g != f {
		t.Error("decoded fingerprint differs")
	}
	if err := g.UnmarshalBinary(b[1:]); !errors.Is(err, ErrEncoding) {
		t.Errorf("short input: %v, want ErrEncoding", err)
	}
	again, _ := g.MarshalBinary()
	if !bytes.Equal(again, b) {
		t.Error("re-encoding differs")
	}
}

func BenchmarkOf(b *testing.B) {
	s := text(1, 1000) // the length of a typical news article
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Of(s)
	}
}

func TestContainment(t *testing.T) {
	paras := []string{text(1, 400), text(2, 400), text(3, 400), text(4, 400), text(5, 400)}
	full := strings.Join(paras, "")
	for _, tc := range []struct {
		name     string
		a, b     string
		min, max float64
	}{
		{"the same text", full, full, 1, 1},
		{"two paragraphs of five cut", full, strings.Join(paras[:3], ""), 0.9, 1},
		{"one paragraph of five quoted in another text", full, paras[2] + text(9, 1600), 0.1, 0.35},
		{"other texts", full, text(8, 2000), 0, 0.05},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fa, fb := Of(tc.a), Of(tc.b)
			got := fa.Containment(&fb)
			if got < tc.min || got > tc.max {
				t.Errorf("containment %.3f, want %.2f..%.2f", got, tc.min, tc.max)
			}
			if back := fb.Containment(&fa); back != got {
				t.Errorf("not symmetric: %.3f and %.3f", got, back)
			}
		})
	}
}
