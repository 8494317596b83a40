package index

import (
	"context"
	"fmt"
	"testing"

	"github.com/zhsearch/zhsearch/article"
)

// TestWordsBeforeStraddles: when a query is a word, every article that
// holds it as a word ranks above every article where its characters only
// straddle two words (和服 in 和服务), which is still found (recall stays
// whole), and each hit says how it matched. The straddling article is
// given the query's characters more often, so relevance alone would rank
// it first. (Pairs where gse itself finds the word across the boundary,
// 和尚 in 结婚的和尚未结婚, or holds it as a sub-word, 国会 of 美国会, 将来 of
// 即将来临, rank as words: the tier follows the segmenter.)
func TestWordsBeforeStraddles(t *testing.T) {
	for _, tc := range []struct {
		query, words, straddle string
	}{
		{"和服", "她穿着和服参加了茶道表演。", "我们要做好和服务群众的工作，和服务企业的工作，和服务基层的工作。"},
		{"南海", "南海的渔业资源十分丰富。", "海南海事局发布航行警告，海南海事局提醒过往船只，海南海事局表示。"},
		{"研究生", "他是一名在读研究生。", "科学家研究生命的起源，研究生命的演化，研究生命的奥秘。"},
		{"球拍", "他买了一副新球拍。", "乒乓球拍卖会在周末举行，乒乓球拍卖价格很高，乒乓球拍卖结束。"},
		{"分组", "老师把学生分组讨论。", "部分组织没有参加，部分组织提出意见，部分组织已经解散。"},
		{"合同", "双方签订了购销合同。", "结合同学们的意见，结合同学们的建议，结合同学们的反馈。"},
		{"生活", "城市生活十分便利。", "学生活动中心开放，学生活动丰富多彩，学生活动很多。"},
		{"中学", "他在第一中学读书。", "其中学生占多数，其中学生代表发言，其中学生表现突出。"},
		{"大学", "她考上了北京的大学。", "广大学生积极参与，广大学生踊跃报名，广大学生热情高涨。"},
		{"人才", "公司引进高端人才。", "发挥个人才能，展示个人才能，提升个人才能。"},
		{"民生", "政府高度关注民生问题。", "人民生活水平不断提高，人民生活更加富裕，人民生活越来越好。"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			ix := openMem(t)
			ctx := context.Background()
			for _, a := range []*article.Article{
				{ID: "words", Title: "新闻一", Paragraphs: []article.Paragraph{{Text: tc.words}}},
				{ID: "straddle", Title: "新闻二", Paragraphs: []article.Paragraph{{Text: tc.straddle}}},
			} {
				a.Normalize()
				if err := ix.Put(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			for _, typ := range []string{TypeArticle, TypeParagraph} {
				res, err := ix.Search(ctx, Request{Query: tc.query, Type: typ})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, h := range res.Hits {
					got = append(got, fmt.Sprintf("%s:%s", articleOf(h.ID), h.Match))
				}
				want := []string{"words:" + MatchWords, "straddle:" + MatchSubstring}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s search for %s: hits %v, want %v", typ, tc.query, got, want)
				}
			}
		})
	}
}
