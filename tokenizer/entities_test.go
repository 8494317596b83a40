package tokenizer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEntities(t *testing.T) {
	s, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, text         string
		person, place, org []string
	}{
		{"tags and a title cue", "国务院总理李克强在北京会见了联合国秘书长。", []string{"李克强"}, []string{"北京"}, []string{"国务院", "联合国"}},
		{"nr without a cue is not a person", "李克强的名字。", nil, nil, nil},
		{"a cue after the name", "特朗普表示，美国将继续谈判。", []string{"特朗普"}, []string{"美国"}, nil},
		{"an unknown name with a byline cue", "本报讯（记者 景静 文/图）", []string{"景静"}, nil, nil},
		{"common words tagged as names are not", "文明城市建设取得新进展。", nil, nil, nil},
		{"a correction: tagged ns, a person", "钟南山院士在武汉说。", []string{"钟南山"}, []string{"武汉"}, nil},
		{"a correction: tagged nr, a place", "代表团抵达莫斯科。", nil, []string{"莫斯科"}, nil},
		{"full names (nrfg) need no cue", "习近平在人民大会堂会见外宾。", []string{"习近平"}, []string{"人民大会堂"}, nil},
		{"once cued, counted everywhere, once", "北京、上海和北京。李克强出席。总理李克强说。", []string{"李克强"}, []string{"北京", "上海"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := s.Entities(s.Analyze([]byte(tc.text), IndexMode))
			if !slices.Equal(e.Person, tc.person) || !slices.Equal(e.Place, tc.place) || !slices.Equal(e.Org, tc.org) {
				t.Errorf("%s: got %+v, want person %v place %v org %v", tc.text, e, tc.person, tc.place, tc.org)
			}
		})
	}
}

// TestEntitiesNewsroomTags: a word the newsroom adds with a tag is a name
// of that kind with no cue and past the noise rules; one added with
// another tag takes back the base dictionary's.
func TestEntitiesNewsroomTags(t *testing.T) {
	s, err := NewSegmenter()
	if err != nil {
		t.Fatal(err)
	}
	text := []byte("二七经开区的张小明介绍，北京的新华社报道。")
	before := s.Entities(s.Analyze(text, IndexMode))
	if slices.Contains(before.Place, "二七经开区") || slices.Contains(before.Person, "张小明") || !slices.Contains(before.Org, "新华社") {
		t.Fatalf("before the newsroom's words: %+v", before)
	}
	if err := s.AddWords(Word{Word: "二七经开区", Pos: "ns"}, Word{Word: "张小明", Pos: "person"}, Word{Word: "新华社", Pos: "n"}); err != nil {
		t.Fatal(err)
	}
	after := s.Entities(s.Analyze(text, IndexMode))
	want := Entities{Person: []string{"张小明"}, Place: []string{"二七经开区", "北京"}}
	if !slices.Equal(after.Person, want.Person) || !slices.Equal(after.Place, want.Place) || len(after.Org) != 0 {
		t.Errorf("after the newsroom's words: got %+v, want %+v", after, want)
	}
	if k := s.EntityOf("张小明"); k != EntityPerson {
		t.Errorf("EntityOf(张小明) = %v, want person", k)
	}
}

func TestEntitiesBounded(t *testing.T) {
	s, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	// 2×MaxEntities distinct places of the dictionary, each twice
	zr, err := gzip.NewReader(bytes.NewReader(zhS))
	if err != nil {
		t.Fatal(err)
	}
	var places []string
	sc := bufio.NewScanner(zr)
	for sc.Scan() && len(places) < 2*MaxEntities {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[2] == "ns" && utf8.RuneCountInString(f[0]) >= 2 && s.EntityOf(f[0]) == EntityPlace {
			places = append(places, f[0])
		}
	}
	var toks []Token
	for range 2 {
		for _, p := range places {
			toks = append(toks, Token{Term: p, Kind: KindWord}, Token{Term: p, Kind: KindSubword})
		}
	}
	e := s.Entities(toks)
	if !slices.Equal(e.Place, places[:MaxEntities]) {
		t.Errorf("got %d places %v, want the first %d of %v", len(e.Place), e.Place, MaxEntities, places)
	}
}
