package synonym

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func mustSet(t testing.TB, text string) *Set {
	t.Helper()
	rules, err := Parse(strings.NewReader(text), "test.txt")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSet(rules)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // rules written back
	}{
		{"equivalent", "世卫组织, 世界卫生组织, WHO", []string{"世卫组织, 世界卫生组织, who"}},
		{"one way", "土豆 => 马铃薯", []string{"土豆 => 马铃薯"}},
		{"several sources and targets", "新冠,新冠肺炎=>新型冠状病毒肺炎, COVID-19", []string{"新冠, 新冠肺炎 => 新型冠状病毒肺炎, covid-19"}},
		{"comments and blank lines", "# 机构\n\n  # indented comment\n世卫组织, WHO\n", []string{"世卫组织, who"}},
		{"full width comma, arrow and letters", "世卫组织，ＷＨＯ\n土豆＝＞馬鈴薯", []string{"世卫组织, who", "土豆 => 马铃薯"}},
		{"repeated word dropped", "a, b, A", []string{"a, b"}},
		{"inner spaces collapsed", "WHO,  World   Health Organization", []string{"who, world health organization"}},
		{"a # inside a rule is text", "C#, C Sharp", []string{"c#, c sharp"}},
		{"BOM", "\uFEFFa, b", []string{"a, b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := Parse(strings.NewReader(tc.in), "t.txt")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rules {
				got = append(got, r.String())
				back, err := ParseRule(r.String())
				if err != nil || back.String() != r.String() {
					t.Errorf("%q does not round-trip: %v %v", r.String(), back, err)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	long := strings.Repeat("长", MaxWordRunes+1)
	for _, tc := range []struct {
		name, in, want string
	}{
		{"one word", "# c\nWHO\n", "syn.txt:2: invalid synonym rule: \"WHO\" names one word"},
		{"empty word", "a,,b", "syn.txt:1: invalid synonym rule: an empty word"},
		{"nothing left of arrow", "a, b\n => b", "syn.txt:2: invalid synonym rule: nothing left of =>"},
		{"nothing right of arrow", "a =>", "syn.txt:1: invalid synonym rule: nothing right of =>"},
		{"two arrows", "a => b => c", "syn.txt:1: invalid synonym rule: \"a => b => c\" has more than one =>"},
		{"too long", "x\n#\n" + long + ", b", "syn.txt:3: invalid synonym rule: \"" + long + "\" is 33 characters long"},
		{"control character", "a\x01, b", "syn.txt:1: invalid synonym rule: \"a\\x01\" contains a control character"},
		{"not UTF-8", "a, \xff", "syn.txt:1: invalid synonym rule: the rule is not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "too long" {
				tc.in = strings.Replace(tc.in, "x\n", "a, x\n", 1)
			}
			_, err := Parse(strings.NewReader(tc.in), "syn.txt")
			if err == nil || !errors.Is(err, ErrBadRule) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got %v, want an ErrBadRule starting %q", err, tc.want)
			}
		})
	}
	t.Run("too many rules", func(t *testing.T) {
		var b strings.Builder
		for i := 0; i <= MaxRules; i++ {
			fmt.Fprintf(&b, "w%d, v%d\n", i, i)
		}
		_, err := Parse(strings.NewReader(b.String()), "big.txt")
		if !errors.Is(err, ErrBadRule) || !strings.Contains(err.Error(), fmt.Sprintf("big.txt:%d:", MaxRules+1)) {
			t.Errorf("got %v", err)
		}
	})
}

func TestExpand(t *testing.T) {
	s := mustSet(t, `
世卫组织, 世界卫生组织, WHO
土豆 => 马铃薯
新冠, 新冠肺炎 => 新型冠状病毒肺炎
世卫组织, 谭德塞所在机构
`)
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"世卫组织", []string{"世卫组织", "世界卫生组织", "who", "谭德塞所在机构"}},
		{"WHO", []string{"WHO", "世卫组织", "世界卫生组织"}},
		{"ｗｈｏ", []string{"ｗｈｏ", "世卫组织", "世界卫生组织"}},
		{" 世界卫生组织 ", []string{"世界卫生组织", "世卫组织", "who"}},
		{"谭德塞所在机构", []string{"谭德塞所在机构", "世卫组织"}}, // rules do not chain
		{"土豆", []string{"土豆", "马铃薯"}},
		{"马铃薯", []string{"马铃薯"}}, // one way: not backwards
		{"新冠", []string{"新冠", "新型冠状病毒肺炎"}},
		{"新冠肺炎", []string{"新冠肺炎", "新型冠状病毒肺炎"}},
		{"新型冠状病毒肺炎", []string{"新型冠状病毒肺炎"}},
		{"郑州", []string{"郑州"}},
		{"  ", nil},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := s.Expand(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	var none *Set
	if got := none.Expand("WHO"); !slices.Equal(got, []string{"WHO"}) {
		t.Errorf("nil set: %q", got)
	}
	if got := s.Words(); !slices.Equal(got, []string{"世卫组织", "世界卫生组织", "who", "土豆", "马铃薯", "新冠", "新冠肺炎", "新型冠状病毒肺炎", "谭德塞所在机构"}) {
		t.Errorf("Words = %q", got)
	}
}

func TestStorePersistsAndFeedsTheDictionary(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var fed [][]string
	opt := StoreOptions{Dir: dir, AddWords: func(_ context.Context, w []string) error {
		fed = append(fed, w)
		return nil
	}}
	st, err := OpenStore(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if st.Current().Len() != 0 || len(fed) != 0 {
		t.Fatalf("a new store holds %d rules, fed %q", st.Current().Len(), fed)
	}
	rule, _ := ParseRule("世卫组织, WHO, World Health Organization")
	oneWay, _ := ParseRule("土豆 => 马铃薯")
	if _, n, err := st.Add(ctx, []Rule{rule, oneWay, rule}); err != nil || n != 2 {
		t.Fatalf("Add: %d %v", n, err)
	}
	if got := fed[len(fed)-1]; !slices.Equal(got, []string{"世卫组织", "who", "土豆", "马铃薯"}) {
		t.Errorf("dictionary fed %q (a word with a space is a phrase, not a dictionary word)", got)
	}
	// A restart: a new store over the same directory.
	st2, err := OpenStore(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := st2.Current().Expand("who"); !slices.Equal(got, []string{"who", "世卫组织", "world health organization"}) {
		t.Errorf("after a restart Expand(who) = %q", got)
	}
	if _, n, err := st2.Delete(ctx, []Rule{oneWay}, false); err != nil || n != 1 {
		t.Fatalf("Delete: %d %v", n, err)
	}
	if _, _, err := st2.Delete(ctx, []Rule{oneWay}, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting a missing rule: %v", err)
	}
	st3, err := OpenStore(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := st3.Current().Expand("土豆"); len(got) != 1 {
		t.Errorf("a deleted rule came back after a restart: %q", got)
	}
	if _, err := st3.Replace(ctx, nil); err != nil {
		t.Fatal(err)
	}
	st4, err := OpenStore(ctx, opt)
	if err != nil || st4.Current().Len() != 0 {
		t.Fatalf("after PUT of nothing: %d rules, %v", st4.Current().Len(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != FileName {
		t.Errorf("the data directory holds %v; want only %s (no temporary files left)", entries, FileName)
	}
}

func TestStoreDamagedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("a, b\nlonely\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenStore(context.Background(), StoreOptions{Dir: dir})
	if !errors.Is(err, ErrBadRule) || !strings.Contains(err.Error(), path+":2:") {
		t.Errorf("got %v, want an error naming %s:2", err, path)
	}
}

func TestStoreDictionaryFailureKeepsTheOldList(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("dictionary full")
	fail := false
	st, err := OpenStore(ctx, StoreOptions{AddWords: func(context.Context, []string) error {
		if fail {
			return boom
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ParseRule("a, b")
	if _, _, err := st.Add(ctx, []Rule{r}); err != nil {
		t.Fatal(err)
	}
	fail = true
	r2, _ := ParseRule("c, d")
	if _, _, err := st.Add(ctx, []Rule{r2}); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if st.Current().Len() != 1 {
		t.Errorf("a failed write changed the list: %d rules", st.Current().Len())
	}
}

// BenchmarkExpand looks words up in a list of 100 rules: half hit a
// rule, half do not.
func BenchmarkExpand(b *testing.B) {
	var text strings.Builder
	for i := 0; i < 100; i++ {
		if i%4 == 0 {
			fmt.Fprintf(&text, "简称%d => 全称机构名称%d\n", i, i)
		} else {
			fmt.Fprintf(&text, "简称%d, 全称机构名称%d, ABBR%d\n", i, i, i)
		}
	}
	s := mustSet(b, text.String())
	words := []string{"简称17", "全称机构名称42", "abbr99", "郑州", "钟南山", "Covid-19"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = s.Expand(words[i%len(words)])
	}
}
