package index

import (
	"reflect"
	"testing"

	"github.com/zhsearch/zhsearch/query"
)

type fakePinyin map[string][]string

func (f fakePinyin) Words(s string) []string { return f[s] }

// TestPinyinTexts: pinyin: texts become the words they spell (an OR of
// several), under NOT and OR too; others and unknown spellings stay.
func TestPinyinTexts(t *testing.T) {
	pr := fakePinyin{"zns": {"钟南山"}, "zz": {"郑州", "镇江"}}
	for _, tc := range []struct {
		q, want string
		spelled map[string][]string
	}{
		{"pinyin:zns 防疫", "(and 钟南山 防疫)", map[string][]string{"zns": {"钟南山"}}},
		{"-pinyin:zns 防疫", "(and -钟南山 防疫)", map[string][]string{"zns": {"钟南山"}}},
		{"pinyin:zz OR 广州", "(or (or 郑州 镇江) 广州)", map[string][]string{"zz": {"郑州", "镇江"}}},
		{"pinyin:qqq", "pinyin:qqq", map[string][]string{}},
		{"钟南山", "钟南山", nil},
	} {
		t.Run(tc.q, func(t *testing.T) {
			tree, err := query.Parse(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			out, spelled := pinyinTexts(tree, pr)
			if got := out.String(); got != tc.want {
				t.Errorf("%s -> %s, want %s", tc.q, got, tc.want)
			}
			if !reflect.DeepEqual(spelled, tc.spelled) {
				t.Errorf("spelled %v, want %v", spelled, tc.spelled)
			}
		})
	}
}
