package index

import (
	"context"
	"slices"
	"testing"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// suggestArchive is a small archive whose words are written in forms the
// index folds (5G, G20, iPhone, ５Ｇ) and whose titles repeat phrases of
// two words (复工复产, 新冠肺炎).
func suggestArchive(t testing.TB) *Index {
	t.Helper()
	ix := openMem(t)
	put(t, ix, "a1", "5G网络覆盖全市", "全市5G基站超过一万个。")
	put(t, ix, "a2", "5G应用走进工厂", "工厂用5G连接机床。")
	put(t, ix, "a3", "G20峰会开幕", "G20成员齐聚。")
	put(t, ix, "a4", "新款手机发布", "新款iPhone昨日发售，iPhone用户排队。")
	put(t, ix, "a5", "复工复产有序推进", "企业陆续复工。")
	put(t, ix, "a6", "全市复工复产加快", "复工企业增多。")
	put(t, ix, "a7", "重点企业复工复产", "园区企业已复工。")
	put(t, ix, "a8", "学校复工复学准备就绪", "教师返岗。")
	put(t, ix, "a9", "复工复学方案公布", "学生分批返校。")
	put(t, ix, "a10", "复工首日见闻", "地铁客流回升。")
	put(t, ix, "a11", "新冠肺炎疫情防控有力", "疫情平稳。")
	put(t, ix, "a12", "新冠肺炎患者出院", "患者康复。")
	put(t, ix, "a13", "新冠疫苗开始接种", "市民接种疫苗。")
	put(t, ix, "a14", "2020年经济运行平稳", "2020年增长2.5%。")
	put(t, ix, "a15", "习近平同外宾通电话", "双方通电话。")
	put(t, ix, "a16", "习近平同总统会谈", "双方会谈。")
	return ix
}

func TestSuggestOriginalForms(t *testing.T) {
	ix := suggestArchive(t)
	for _, c := range []struct {
		prefix  string
		want    string // a suggestion
		wantNot string // never a suggestion: the folded form
	}{
		{"5", "5G", "5g"},            // from titles
		{"５", "5G", "5g"},            // a full-width prefix
		{"g2", "G20", "g20"},         // a Latin prefix in lower case
		{"G2", "G20", "g20"},         // and upper case
		{"ipho", "iPhone", "iphone"}, // a word of the body only
	} {
		t.Run(c.prefix, func(t *testing.T) {
			got, err := ix.Suggest(context.Background(), c.prefix, 10)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(got, c.want) || slices.Contains(got, c.wantNot) {
				t.Errorf("Suggest(%q) = %q, want %q and not %q", c.prefix, got, c.want, c.wantNot)
			}
		})
	}
}

func TestSuggestPhrases(t *testing.T) {
	ix := suggestArchive(t)
	for _, c := range []struct {
		prefix  string
		want    []string // suggestions, in this order
		wantNot string
	}{
		{"复工", []string{"复工复产", "复工复学"}, ""},     // three titles, then two
		{"复工复", []string{"复工复产", "复工复学"}, ""},    // a prefix ending inside a word
		{"复工复产", []string{"复工复产有序推进"}, "复工复产有序"}, // a phrase in one title only is not suggested
		{"新冠", []string{"新冠肺炎"}, "新冠疫苗"},         // one title only
		{"新", []string{"新冠肺炎"}, ""},              // the word covering the prefix, and the next
		{"习近", []string{"习近平"}, "习近平同"},          // no phrase ends in a single character
		{"2.", nil, "2.5"},  // nor decimals
		{"20", nil, "2020"}, // numbers are not completions
	} {
		t.Run(c.prefix, func(t *testing.T) {
			got, err := ix.Suggest(context.Background(), c.prefix, 10)
			if err != nil {
				t.Fatal(err)
			}
			at := -1
			for _, w := range c.want {
				i := slices.Index(got, w)
				if i <= at {
					t.Fatalf("Suggest(%q) = %q, want %q in this order", c.prefix, got, c.want)
				}
				at = i
			}
			if c.wantNot != "" && slices.Contains(got, c.wantNot) {
				t.Errorf("Suggest(%q) = %q, want no %q", c.prefix, got, c.wantNot)
			}
		})
	}
}

func TestPhraseAt(t *testing.T) {
	ix := openMem(t)
	for _, c := range []struct {
		title, p string
		want     string // "" when no phrase starts the title
	}{
		{"复工复产有序推进", "复工", "复工复产"},
		{"复工复产有序推进", "复工复", "复工复产"},
		{"复工复产有序推进", "复工复产", "复工复产有序"},
		{"复工，复产", "复工", ""},                 // punctuation ends a phrase
		{"ＣＯＶＩＤ-19疫苗", "covid", "ＣＯＶＩＤ-19"}, // a hyphen does not; the original form
		{"有序推进复工", "复工", ""},                // the title's first word does not start with p
		{"习近平同外宾通电话", "习近", ""},             // nor in a single character
		{"疫苗的接种", "疫", ""},                  // nor in a stop word
		{"全市复工率达到九成", "复工", ""},             // (the title's first word is 全市)
		{"复工率达到九成", "复工", "复工率"},            // a noun-making character may end a phrase
		{"复工后有序推进", "复工", ""},               // another single character does not
	} {
		t.Run(c.title+"/"+c.p, func(t *testing.T) {
			words := ix.seg.Analyze([]byte(c.title), tokenizer.QueryMode)
			got, _, ok := phraseAt(c.title, words, c.p)
			if ok != (c.want != "") || got != c.want {
				t.Errorf("phraseAt(%q, %q) = %q, %v; want %q", c.title, c.p, got, ok, c.want)
			}
		})
	}
}

// BenchmarkSuggestArchive measures a keystroke on the small archive, with
// phrases and original forms (one of them from an article's body).
func BenchmarkSuggestArchive(b *testing.B) {
	ix := suggestArchive(b)
	ctx := context.Background()
	prefixes := []string{"5", "复工", "新冠", "ipho", "g2"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ix.Suggest(ctx, prefixes[i%len(prefixes)], 10); err != nil {
			b.Fatal(err)
		}
	}
}

// A phrase no title holds is suggested from the articles' texts, when the
// titles give none.
func TestSuggestBodyPhrases(t *testing.T) {
	ix := openMem(t)
	put(t, ix, "b1", "街道换新颜", "老旧小区改造让街道焕发活力。")
	put(t, ix, "b2", "社区有了新面貌", "今年老旧小区改造覆盖二十个社区。")
	put(t, ix, "b3", "规划公布", "老旧小区加装电梯同步推进。")
	put(t, ix, "b4", "天气", "老旧管网明天检修。")
	got, err := ix.Suggest(context.Background(), "老旧", 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, "老旧小区") {
		t.Errorf("Suggest(老旧) = %q, want 老旧小区 from the texts", got)
	}
	if slices.Contains(got, "老旧管网") {
		t.Errorf("Suggest(老旧) = %q: a phrase of one text is not one that often follows", got)
	}
}
