package index

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/zhsearch/zhsearch/article"
)

// A wire story of five paragraphs, written for these tests.
var wire = []string{
	"本报讯 市交通运输局昨天发布消息，地铁十二号线东段将于下月底开通试运营，全长二十四公里，设车站十八座，连接高新区与老城区。",
	"据介绍，十二号线东段采用六节编组列车，最高运行速度每小时一百公里，高峰时段行车间隔三分钟，开通后从高新区到火车站只需二十五分钟。",
	"为方便市民换乘，沿线新建公交接驳线路九条，调整既有线路十四条，并在六个车站周边增设非机动车停放区和出租车候客点。",
	"市交通运输局有关负责人表示，试运营初期将安排志愿者在各站引导乘客，同时开展运营安全检查，发现问题及时整改，确保线路平稳运行。",
	"十二号线西段目前正在进行轨道铺设，预计明年年底建成，届时全线贯通，将成为贯穿城市东西的又一条骨干线路。",
}

// A different story on the same topic, sharing its key words.
var sameTopic = []string{
	"本报讯 地铁十二号线沿线居民近日反映，施工期间夜间噪声较大，影响休息。记者昨天走访了东段多个工地，了解夜间施工审批情况。",
	"施工单位表示，部分工序需要连续作业，已按规定办理夜间施工许可，并加装隔音屏障，今后将尽量把高噪声作业安排在白天进行。",
	"环保部门提醒，居民发现未经许可的夜间施工，可拨打热线电话投诉，执法人员将在两小时内到场核查处理。",
}

func dupArticle(id, title, published string, paras ...string) *article.Article {
	a := &article.Article{ID: id, Title: title, PublishedAt: published, Source: "测试"}
	for _, p := range paras {
		a.Paragraphs = append(a.Paragraphs, article.Paragraph{Text: p})
	}
	return a
}

// dupIndex holds the wire story, its copies and its look-alikes.
func dupIndex(t *testing.T) *Index {
	t.Helper()
	ix := openMem(t)
	for _, a := range []*article.Article{
		dupArticle("orig", "地铁十二号线东段下月底开通", "2024-06-03T08:00:00+08:00", wire...),
		// republished: a new headline and a byline
		dupArticle("retitled", "二十五分钟从高新区到火车站", "2024-06-03T15:00:00+08:00", append([]string{"（记者 王小明 通讯员 李华）"}, wire...)...),
		// republished the next day without its last paragraph
		dupArticle("cut", "地铁十二号线东段将开通", "2024-06-04T09:30:00+08:00", wire[:4]...),
		// republished without a date
		dupArticle("undated", "十二号线东段下月开通", "", wire...),
		// another story on the same topic, the same day
		dupArticle("topic", "地铁十二号线施工夜间噪声引关注", "2024-06-03T10:00:00+08:00", sameTopic...),
		// the same words a year earlier: another occasion, not a copy
		dupArticle("lastyear", "地铁十二号线东段下月底开通", "2023-06-03T08:00:00+08:00", wire...),
		// no letters or digits: no fingerprint
		dupArticle("blank", "……", "2024-06-03T08:00:00+08:00", "……"),
	} {
		putArticle(t, ix, a)
	}
	return ix
}

func TestDuplicates(t *testing.T) {
	ix := dupIndex(t)
	ctx := context.Background()
	ids := func(d *Duplicates) []string {
		var out []string
		for _, x := range d.Duplicates {
			out = append(out, x.ID)
		}
		return out
	}
	for _, tc := range []struct {
		id   string
		want []string // most similar first
	}{
		{"orig", []string{"undated", "retitled", "cut"}},
		{"cut", []string{"orig", "undated", "retitled"}},
		{"topic", nil},
		{"lastyear", []string{"undated"}}, // undated: no window applies
		{"blank", nil},
	} {
		t.Run(tc.id, func(t *testing.T) {
			d, err := ix.Duplicates(ctx, tc.id, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(d); !slices.Equal(got, tc.want) {
				t.Fatalf("duplicates %v, want %v", got, tc.want)
			}
			if d.Total != len(tc.want) {
				t.Errorf("total %d, want %d", d.Total, len(tc.want))
			}
			for i, x := range d.Duplicates {
				if x.Similarity < DuplicateSimilarity || x.Similarity > 1 || x.Containment < DuplicateContainment || x.Containment > 1 {
					t.Errorf("%s: similarity %.3f, containment %.3f", x.ID, x.Similarity, x.Containment)
				}
				if i > 0 && x.Similarity > d.Duplicates[i-1].Similarity {
					t.Errorf("not most similar first: %v", d.Duplicates)
				}
				if x.Title == "" {
					t.Errorf("%s: no title", x.ID)
				}
			}
		})
	}
	d, err := ix.Duplicates(ctx, "orig", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Duplicates) != 1 || d.Total != 3 || d.Duplicates[0].Similarity != 1 {
		t.Errorf("size 1: %+v", d)
	}
	if _, err := ix.Duplicates(ctx, "nosuch", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	for _, n := range []int{-1, MaxDuplicates + 1} {
		if _, err := ix.Duplicates(ctx, "orig", n); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("size %d: %v, want ErrInvalidQuery", n, err)
		}
	}
	// an update that rewrites the copy is no copy any more
	putArticle(t, ix, dupArticle("cut", "地铁十二号线东段将开通", "2024-06-04T09:30:00+08:00", sameTopic[0]))
	d, err = ix.Duplicates(ctx, "orig", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(d); !slices.Equal(got, []string{"undated", "retitled"}) {
		t.Errorf("after rewriting cut: %v", got)
	}
}

func TestCollapseStory(t *testing.T) {
	ix := dupIndex(t)
	plain := mustSearch(t, ix, Request{Query: "十二号线", Sort: SortNewest})
	if plain.Total != 6 {
		t.Fatalf("plain search: %d hits, want 6", plain.Total)
	}
	res := mustSearch(t, ix, Request{Query: "十二号线", Sort: SortNewest, Collapse: CollapseStory})
	type kept struct {
		id   string
		dups []string
	}
	var got []kept
	for _, h := range res.Hits {
		if h.Duplicates != len(h.DuplicateIDs) {
			t.Errorf("%s: duplicates %d but %d ids", h.ID, h.Duplicates, len(h.DuplicateIDs))
		}
		got = append(got, kept{h.ID, h.DuplicateIDs})
	}
	// newest first: cut (06-04) stands for the story; orig and retitled
	// copy it; topic is another story; undated sorts last and joins cut's
	// story; lastyear is a story of its own.
	want := []kept{{"cut", []string{"retitled", "orig", "undated"}}, {"topic", nil}, {"lastyear", nil}}
	if !slices.EqualFunc(got, want, func(a, b kept) bool { return a.id == b.id && slices.Equal(a.dups, b.dups) }) {
		t.Errorf("collapsed hits %v, want %v", got, want)
	}
	if res.Total != 3 {
		t.Errorf("total %d, want 3", res.Total)
	}
	// paging walks the stories
	p2 := mustSearch(t, ix, Request{Query: "十二号线", Sort: SortNewest, Collapse: CollapseStory, Size: 1, Page: 2})
	if len(p2.Hits) != 1 || p2.Hits[0].ID != "topic" {
		t.Errorf("page 2 of size 1: %+v", p2.Hits)
	}
	for _, tc := range []struct {
		name string
		r    Request
	}{
		{"paragraphs", Request{Query: "十二号线", Type: TypeParagraph, Collapse: CollapseStory}},
		{"cursor", Request{Query: "十二号线", Collapse: CollapseStory, Cursor: "x"}},
		{"unknown", Request{Query: "十二号线", Collapse: "stories"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ix.Search(context.Background(), tc.r); !errors.Is(err, ErrInvalidQuery) {
				t.Errorf("%v, want ErrInvalidQuery", err)
			}
		})
	}
}
