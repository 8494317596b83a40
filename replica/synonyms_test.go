package replica

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// synonymsOf is a node's list (GET /v1/synonyms), or what a search for
// word looks for on it (?expand=word).
func synonymsOf(t *testing.T, z *zNode, expand string) []string {
	t.Helper()
	u := z.base() + "/v1/synonyms"
	if expand != "" {
		u += "?expand=" + url.QueryEscape(expand)
	}
	status, raw, err := call(http.MethodGet, u, "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET %s: %d %s %v", u, status, raw, err)
	}
	var out struct {
		Rules  []string `json:"rules"`
		Expand []string `json:"expand"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if expand != "" {
		return out.Expand
	}
	return out.Rules
}

func synonymWrite(t *testing.T, z *zNode, method, query, body string) {
	t.Helper()
	status, raw, err := call(method, z.base()+"/v1/synonyms"+query, body)
	if err != nil || status != http.StatusOK {
		t.Fatalf("%s /v1/synonyms%s on %s: %d %s %v", method, query, z.name, status, raw, err)
	}
}

// TestClusterSynonyms: a synonym written on one node is in the list and
// the query expansion of the others as soon as the write is answered
// there and once they apply it; concurrent adds on two nodes keep both; a
// node restarted, one built from the stream's beginning and one restored
// from a peer's snapshot hold the same list, deletes included.
func TestClusterSynonyms(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node NATS cluster and zhsearch nodes")
	}
	_, urls := startNATS(t, 3)
	dir := t.TempDir()
	var zs []*zNode
	newNode := func(name string) *zNode {
		z := &zNode{name: name, dir: filepath.Join(dir, name), opts: testOptions(urls)}
		z.start(t)
		zs = append(zs, z)
		return z
	}
	t.Cleanup(func() {
		for _, z := range zs {
			z.stop(t)
		}
	})
	a, b := newNode("a"), newNode("b")
	waitFor(t, "both nodes ready", func() bool {
		return a.replica().Ready(context.Background()) == nil && b.replica().Ready(context.Background()) == nil
	})

	// Written on A: read back at once on A, and on B once applied there.
	synonymWrite(t, a, http.MethodPost, "", `{"rules":["世卫组织, 世界卫生组织, WHO"]}`)
	if got := synonymsOf(t, a, "世卫组织"); !slices.Contains(got, "世界卫生组织") {
		t.Fatalf("A expands 世卫组织 to %q right after its write", got)
	}
	waitFor(t, "B to expand 世卫组织", func() bool { return slices.Contains(synonymsOf(t, b, "世卫组织"), "世界卫生组织") })

	// Adds on both nodes at once: each is computed from the latest list,
	// so none is lost. Forty writers keep the subject busy: a write is
	// refused while another list is in flight, many times over, and must
	// keep trying as long as the list moves on (ten writers and a fixed
	// count of attempts failed on a busy machine; forty fail it anywhere).
	const adds = 40
	var wg sync.WaitGroup
	for i := range adds {
		z := []*zNode{a, b}[i%2]
		wg.Go(func() {
			body := `{"rules":["词` + strconv.Itoa(i) + `, 同义` + strconv.Itoa(i) + `"]}`
			if status, raw, err := call(http.MethodPost, z.base()+"/v1/synonyms", body); err != nil || status != http.StatusOK {
				t.Errorf("POST on %s: %d %s %v", z.name, status, raw, err)
			}
		})
	}
	wg.Wait()
	// Each node applies the other's writes after answering its own: wait
	// for both to reach the stream's end, then compare.
	end := streamLast(t, urls)
	waitFor(t, "both nodes to apply the stream", func() bool {
		return a.replica().Status().Applied >= end && b.replica().Status().Applied >= end
	})
	want := synonymsOf(t, a, "")
	if len(want) != adds+1 {
		t.Fatalf("after %d concurrent adds A holds %d rules, want %d: %q", adds, len(want), adds+1, want)
	}
	if got := synonymsOf(t, b, ""); !slices.Equal(got, want) {
		t.Fatalf("B holds %q, A %q", got, want)
	}

	// B stops; A adds a rule and deletes one; B restarted has both.
	b.stop(t)
	synonymWrite(t, a, http.MethodPost, "", `{"rules":["土豆 => 马铃薯"]}`)
	synonymWrite(t, a, http.MethodDelete, "?rule="+url.QueryEscape("词0, 同义0"), "")
	want = synonymsOf(t, a, "")
	if slices.Contains(want, "词0, 同义0") || !slices.Contains(want, "土豆 => 马铃薯") {
		t.Fatalf("A's list after the add and delete: %q", want)
	}
	b.start(t)
	waitFor(t, "restarted B to hold A's list", func() bool { return slices.Equal(synonymsOf(t, b, ""), want) })
	if got := synonymsOf(t, b, "土豆"); !slices.Equal(got, []string{"土豆", "马铃薯"}) {
		t.Fatalf("restarted B expands 土豆 to %q", got)
	}

	// A restart with nothing new to apply: the list comes from the index.
	b.stop(t)
	b.start(t)
	if got := synonymsOf(t, b, ""); !slices.Equal(got, want) {
		t.Fatalf("B restarted with nothing to apply holds %q, want %q", got, want)
	}

	// A node from the stream's beginning, and one from A's snapshot (which
	// resumes after the snapshot's sequence, past the synonym message).
	c := newNode("c")
	waitFor(t, "a new node to hold the list", func() bool { return slices.Equal(synonymsOf(t, c, ""), want) })
	snap := filepath.Join(dir, "snap")
	if _, err := a.ix.Backup(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	d := &zNode{name: "d", dir: snap, opts: testOptions(urls)}
	d.start(t)
	zs = append(zs, d)
	if got := synonymsOf(t, d, ""); !slices.Equal(got, want) {
		t.Fatalf("the node restored from A's snapshot holds %q, want %q", got, want)
	}

	// Replace everything on C; every node follows.
	synonymWrite(t, c, http.MethodPut, "", `{"rules":["新冠, 新冠肺炎 => 新型冠状病毒肺炎"]}`)
	for _, z := range zs {
		waitFor(t, z.name+" to take the replaced list", func() bool {
			return slices.Equal(synonymsOf(t, z, ""), []string{"新冠, 新冠肺炎 => 新型冠状病毒肺炎"})
		})
	}
}
