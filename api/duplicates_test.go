package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

// A story of four paragraphs, written for this test, and a copy of it.
var dupStory = []string{
	"本报讯 市气象台昨天下午发布暴雨橙色预警，预计今天夜间到明天白天，全市大部分地区将出现大到暴雨，局部地区有大暴雨。",
	"市防汛抗旱指挥部随即启动三级应急响应，要求各区加强对低洼路段、地下空间和在建工地的巡查，提前转移危险区域人员。",
	"地铁运营公司表示，将根据雨情适时调整列车运行间隔，并在易积水车站出入口准备沙袋和挡水板，必要时临时关闭部分出入口。",
	"气象专家提醒，市民出行前请关注最新天气预报，尽量避免前往山区和河道附近，遇到积水路段不要强行通过。",
}

func dupServer(t *testing.T) string {
	t.Helper()
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	mk := func(id, title, published string, paras ...string) *article.Article {
		a := &article.Article{ID: id, Title: title, PublishedAt: published}
		for _, p := range paras {
			a.Paragraphs = append(a.Paragraphs, article.Paragraph{Text: p})
		}
		a.Normalize()
		return a
	}
	arts := []*article.Article{
		mk("rain", "暴雨橙色预警发布", "2024-07-10T17:00:00+08:00", dupStory...),
		mk("rain-copy", "今夜到明天有大到暴雨", "2024-07-10T20:00:00+08:00", append([]string{"（记者 陈静）"}, dupStory[:3]...)...),
		mk("rain-other", "暴雨过后 环卫工人清理路面", "2024-07-12T09:00:00+08:00",
			"本报讯 昨天的暴雨过后，环卫工人一早上岗，清理路面积水和落叶，疏通被堵塞的雨水口，确保道路尽快恢复通行。",
			"环卫部门负责人介绍，全市共出动作业车辆三百余台次，清运垃圾四十多吨，主要道路已于上午九点前清理完毕。"),
	}
	if err := ix.Put(context.Background(), arts...); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Config{Backend: ix}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestDuplicatesAPI(t *testing.T) {
	base := dupServer(t)
	var d index.Duplicates
	get(t, base, "/v1/articles/rain/duplicates", nil, http.StatusOK, &d)
	if len(d.Duplicates) != 1 || d.Duplicates[0].ID != "rain-copy" || d.Duplicates[0].Similarity <= 0 || d.Duplicates[0].Title != "今夜到明天有大到暴雨" {
		t.Errorf("duplicates of rain: %+v", d)
	}
	if d.MinContainment != index.DuplicateContainment || d.WindowDays != 7 {
		t.Errorf("decision not reported: %+v", d)
	}
	get(t, base, "/v1/articles/rain-other/duplicates", url.Values{"size": {"5"}}, http.StatusOK, &d)
	if d.Duplicates == nil || len(d.Duplicates) != 0 {
		t.Errorf("duplicates of rain-other: %+v", d.Duplicates)
	}
	for _, tc := range []struct {
		path   string
		params url.Values
		status int
		code   string
	}{
		{"/v1/articles/nope/duplicates", nil, http.StatusNotFound, "not_found"},
		{"/v1/articles/rain/duplicates", url.Values{"size": {"101"}}, http.StatusBadRequest, "invalid_parameter"},
		{"/v1/articles/rain/duplicates", url.Values{"size": {"x"}}, http.StatusBadRequest, "invalid_parameter"},
	} {
		var e struct{ Error Error }
		get(t, base, tc.path, tc.params, tc.status, &e)
		if e.Error.Code != tc.code {
			t.Errorf("%s %v: code %q, want %q", tc.path, tc.params, e.Error.Code, tc.code)
		}
	}
}

func TestCollapseStoryAPI(t *testing.T) {
	base := dupServer(t)
	var r struct {
		Total int `json:"total"`
		Hits  []struct {
			ID           string   `json:"id"`
			Duplicates   int      `json:"duplicates"`
			DuplicateIDs []string `json:"duplicate_ids"`
		} `json:"hits"`
	}
	get(t, base, "/v1/search", url.Values{"q": {"暴雨"}, "sort": {"oldest"}, "collapse": {"story"}}, http.StatusOK, &r)
	if r.Total != 2 || len(r.Hits) != 2 || r.Hits[0].ID != "rain" || r.Hits[0].Duplicates != 1 ||
		!slices.Equal(r.Hits[0].DuplicateIDs, []string{"rain-copy"}) || r.Hits[1].ID != "rain-other" || r.Hits[1].Duplicates != 0 {
		t.Errorf("collapse=story: %+v", r)
	}
	plain := r
	plain.Hits = nil
	get(t, base, "/v1/search", url.Values{"q": {"暴雨"}, "sort": {"oldest"}}, http.StatusOK, &plain)
	if plain.Total != 3 || plain.Hits[0].Duplicates != 0 || plain.Hits[0].DuplicateIDs != nil {
		t.Errorf("no collapse: %+v", plain)
	}
	var e struct{ Error Error }
	get(t, base, "/v1/search", url.Values{"q": {"暴雨"}, "type": {"paragraph"}, "collapse": {"story"}}, http.StatusBadRequest, &e)
}
