package query

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"二七经开区", "二七经开区"},
		{"地铁 票价", "(and 地铁 票价)"},
		{`"二七店"`, `"二七店"`},
		{`“二七店”`, `"二七店"`},
		{"地铁 -郑州", "(and 地铁 -郑州)"},
		{`地铁 -"1号线"`, `(and 地铁 -"1号线")`},
		{"疫苗 OR 票价", "(or 疫苗 票价)"},
		{"疫苗 | 票价", "(or 疫苗 票价)"},
		{"(夜间经济 OR 疫苗) 郑州", "(and (or 夜间经济 疫苗) 郑州)"},
		{"（夜间经济 OR 疫苗）郑州", "(and (or 夜间经济 疫苗) 郑州)"},
		{"title:地铁 author:王芳", "(and title:地铁 author:王芳)"},
		{"title：地铁", "title:地铁"},
		{`section:"聚焦高质量发展 全力以赴拼经济"`, `section:"聚焦高质量发展 全力以赴拼经济"`},
		{"title:(地铁 OR 公交)", "(or title:地铁 title:公交)"},
		{"COVID-19", "COVID-19"},
		{"a OR b c", "(or a (and b c))"},
		{"pinyin:zhongnanshan", "pinyin:zhongnanshan"},
		{"pinyin：zns 疫情", "(and pinyin:zns 疫情)"},
		{"pinyin:zhong南山", "pinyin:zhong南山"},
		{`pinyin:"zhong nan shan"`, `pinyin:"zhong nan shan"`},
	} {
		q, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := q.String(); got != c.want {
			t.Errorf("Parse(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, msg string }{
		{"", "empty"},
		{`"二七`, "unbalanced quote"},
		{"(地铁", "missing ')'"},
		{"地铁)", "remove the extra ')'"},
		{"color:红", "unknown field"},
		{"-地铁", "only excludes"},
		{`""`, "empty phrase"},
		{"()", "empty parentheses"},
		{"OR 地铁", "OR needs a word"},
		{"地铁 OR", "OR needs a word"},
		{"title:author:x", "inside field"},
		{strings.Repeat("地", 257), "at most 256"},
		{strings.Repeat("(", 17) + "a" + strings.Repeat(")", 17), "nested deeper"},
		{"\xff", "UTF-8"},
		{strings.Repeat("a ", 65), "at most 64"},
		{"pinyin:钟南山", "holds no Latin letter"},
		{`pinyin:"钟南山"`, "holds no Latin letter"},
	} {
		_, err := Parse(c.in)
		if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Parse(%.20q): %v, want ErrSyntax saying %q", c.in, err, c.msg)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"a b", `"a b" -c`, "(a OR b) title:c", "-", "((", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q): %v is not ErrSyntax", s, err)
			}
			return
		}
		if q == nil || !positive(q) {
			t.Fatalf("Parse(%q) = %v: nothing to search for", s, q)
		}
	})
}

func ExampleParse() {
	q, err := Parse(`(地铁 OR 公交) title:"票价调整" -author:李强`)
	fmt.Println(q, err)
	_, err = Parse(`color:红`)
	fmt.Println(err)
	// Output:
	// (and (or 地铁 公交) title:"票价调整" -author:李强) <nil>
	// query syntax: unknown field "color"; use one of title, body, author, section, tag, source, pinyin
}
