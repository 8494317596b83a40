package index

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// searchCase is one data-driven case of testdata/search_cases.json: a
// request and the hits it must give (ids in order), or how many.
type searchCase struct {
	Name  string   `json:"name"`
	Req   Request  `json:"req"`
	IDs   []string `json:"ids"`
	Total *uint64  `json:"total"`
}

func TestSearchCases(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "search_cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []searchCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("testdata/search_cases.json: %v", err)
	}
	ix := sharedTestIndex(t)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), c.Req)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
			if c.IDs != nil && !slices.Equal(got, c.IDs) && !(len(got) == 0 && len(c.IDs) == 0) {
				t.Errorf("ids = %q, want %q", got, c.IDs)
			}
			if c.IDs != nil && c.Total == nil && res.Total != uint64(len(c.IDs)) {
				t.Errorf("total = %d, want %d", res.Total, len(c.IDs))
			}
			if c.Total != nil && res.Total != *c.Total {
				t.Errorf("total = %d, want %d", res.Total, *c.Total)
			}
		})
	}
}
