package pinyin_test

import (
	"fmt"
	"testing"

	"github.com/zhsearch/zhsearch/pinyin"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// newsroom is a city paper's archive in miniature: 30 person and place
// names (polyphonic surnames and place names among them) and common
// words that compete for the same letters, with how often it uses them.
var newsroom = []struct {
	word string
	freq float64
}{
	{"钟南山", 120}, {"郑州", 9000}, {"单田芳", 15}, {"单霁翔", 30}, {"仇英", 8},
	{"仇鸾", 3}, {"覃恩", 5}, {"曾国藩", 40}, {"曾巩", 12}, {"解缙", 6},
	{"查良镛", 9}, {"朴树", 11}, {"尉迟恭", 4}, {"翟志刚", 25}, {"任正非", 60},
	{"袁隆平", 80}, {"冼星海", 7}, {"重庆", 700}, {"厦门", 300}, {"六安", 50},
	{"蚌埠", 40}, {"番禺", 20}, {"乐山", 45}, {"吕梁", 35}, {"洛阳", 900},
	{"长沙", 650}, {"驻马店", 400}, {"平顶山", 380}, {"许昌", 500}, {"郑东新区", 600},
	// competitors
	{"中南", 50}, {"政治", 3000}, {"组织", 5000}, {"单位", 4000}, {"汕尾", 20},
	{"曾经", 3000}, {"仇恨", 200}, {"谈话", 900}, {"解决", 6000}, {"查询", 800},
	{"郑重", 100}, {"重要", 8000}, {"下面", 500}, {"绿色", 2000}, {"乐观", 300},
	{"长期", 2500}, {"增长", 2600}, {"中华", 1000}, {"钟表", 10},
}

func newIndex(t testing.TB) *pinyin.Index {
	t.Helper()
	seg, err := tokenizer.Shared()
	if err != nil {
		t.Fatal(err)
	}
	surnames, err := tokenizer.Surnames(10)
	if err != nil {
		t.Fatal(err)
	}
	ix := pinyin.New(pinyin.Options{
		IsName:   func(w string) bool { return seg.Pos(w) == tokenizer.PosPersonName },
		Surnames: surnames,
	})
	for _, w := range newsroom {
		ix.Add(w.word, w.freq)
	}
	return ix
}

func TestSuggestNames(t *testing.T) {
	ix := newIndex(t)
	for _, tc := range []struct {
		in, want string
		usual    bool // matched through a usual (or name) reading
	}{
		{"zhongnanshan", "钟南山", true},
		{"zns", "钟南山", true},
		{"zhong南山", "钟南山", true},
		{"zhongns", "钟南山", true},
		{"ZhongNanShan", "钟南山", true},
		{"zhōng nán shān", "钟南山", true},
		{"zhong1nan2shan1", "钟南山", true},
		{"zhengzhou", "郑州", true},
		{"zz", "郑州", true},
		{"zhengdongxinqu", "郑东新区", true},
		{"shantianfang", "单田芳", true}, // 单 shàn as a surname
		{"stf", "单田芳", true},
		{"shanjixiang", "单霁翔", true},
		{"qiuying", "仇英", true}, // 仇 qiú
		{"qiuluan", "仇鸾", true},
		{"qinen", "覃恩", true},       // 覃 qín
		{"zengguofan", "曾国藩", true}, // 曾 zēng
		{"zenggong", "曾巩", true},
		{"xiejin", "解缙", true},        // 解 xiè
		{"zhaliangyong", "查良镛", true}, // 查 zhā
		{"piaoshu", "朴树", true},       // 朴 piáo
		{"yuchigong", "尉迟恭", true},    // 尉 yù
		{"zhaizhigang", "翟志刚", true},  // 翟 zhái
		{"renzhengfei", "任正非", true},
		{"yuanlongping", "袁隆平", true},
		{"ylp", "袁隆平", true},
		{"xianxinghai", "冼星海", true},
		{"chongqing", "重庆", false}, // the library reads 重 zhòng first
		{"xiamen", "厦门", false},
		{"lu'an", "六安", false},
		{"bengbu", "蚌埠", false},
		{"panyu", "番禺", false},
		{"leshan", "乐山", true},
		{"lvliang", "吕梁", true}, // ü typed as v
		{"luliang", "吕梁", true}, // or as u
		{"lüliang", "吕梁", true},
		{"luoyang", "洛阳", true},
		{"changsha", "长沙", false},
		{"zhumadian", "驻马店", true},
		{"zmd", "驻马店", true},
		{"pingdingshan", "平顶山", true},
		{"pds", "平顶山", true},
		{"xuchang", "许昌", true},
		{"shanwei", "汕尾", true}, // before 单位: 单位 is no name, 单 reads dān there
		{"qiuhen", "仇恨", false}, // 仇 in a common word: chóu is its usual reading
		{"zengjing", "曾经", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got := ix.Suggest(tc.in, 5)
			if len(got) == 0 || got[0].Word != tc.want || got[0].Usual != tc.usual {
				t.Errorf("Suggest(%q) = %+v; want %s first (usual reading %v)", tc.in, got, tc.want, tc.usual)
			}
		})
	}
}

func TestSuggestRanking(t *testing.T) {
	ix := newIndex(t)
	got := ix.Suggest("zz", 3)
	want := []string{"郑州", "组织", "政治"} // whole two-character words, by frequency
	for i, w := range want {
		if i >= len(got) || got[i].Word != w || !got[i].Whole {
			t.Fatalf("Suggest(zz) = %+v, want %v", got, want)
		}
	}
	// The input begins a longer word: it comes after the whole ones.
	got = ix.Suggest("zhongnan", 5)
	if len(got) < 2 || got[0].Word != "中南" || got[1].Word != "钟南山" || got[1].Whole || got[1].Pinyin != "zhong nan shan" {
		t.Errorf("Suggest(zhongnan) = %+v; want 中南 (whole) then 钟南山 (begun)", got)
	}
	// More use in the archive moves a word up.
	ix.Add("钟表", 100000)
	if got := ix.Suggest("zhongb", 1); len(got) != 1 || got[0].Word != "钟表" || got[0].Freq != 100010 {
		t.Errorf("after Add: %+v", got)
	}
}

func TestSuggestRefuses(t *testing.T) {
	ix := newIndex(t)
	for _, in := range []string{"", "钟南山", "5G", "zhong?", "xyzzyq", "qqqqqqqq"} {
		if got := ix.Suggest(in, 5); len(got) != 0 {
			t.Errorf("Suggest(%q) = %+v, want nothing", in, got)
		}
	}
	for in, want := range map[string]bool{"zns": true, "zhong南山": true, "钟南山": false, "5G": false, "": false} {
		if got := pinyin.IsPinyin(in); got != want {
			t.Errorf("IsPinyin(%q) = %v", in, got)
		}
	}
	before := ix.Len()
	for _, w := range []string{"钟", "COVID", "5G网络", "一二三四五六七八九十一二三四五六七"} {
		ix.Add(w, 1)
	}
	if ix.Len() != before {
		t.Errorf("single characters, Latin, mixed and over-long words were added: %d → %d", before, ix.Len())
	}
}

func BenchmarkSuggest(b *testing.B) {
	ix := newIndex(b)
	// 20,000 more two- to four-character words, to look up among.
	base := []rune("中华人民共和国国务院新闻发布会郑州市委宣传部经济发展改革")
	for i := 0; i < 20000; i++ {
		w := []rune{base[i%len(base)], base[(i/len(base))%len(base)], base[(i/7)%len(base)]}
		ix.Add(string(w[:2+i%2]), float64(i%500))
	}
	ins := []string{"zhongnanshan", "zz", "zhong南山", "zengguofan", "zhonghua"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = ix.Suggest(ins[i%len(ins)], 10)
	}
}

func ExampleIndex_Suggest() {
	ix := pinyin.New(pinyin.Options{})
	ix.Add("郑州", 9000)
	ix.Add("钟南山", 120)
	ix.Add("组织", 5000)
	for _, in := range []string{"zns", "zz", "zhong南山"} {
		for _, s := range ix.Suggest(in, 2) {
			fmt.Println(in, s.Word, s.Pinyin)
		}
	}
	// Output:
	// zns 钟南山 zhong nan shan
	// zz 郑州 zheng zhou
	// zz 组织 zu zhi
	// zhong南山 钟南山 zhong 南 山
}
