package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

// TestVerifyCommand: `zhsearch verify` exits 0 on a sound index, 1 on a
// damaged one with a message naming the file and the way out, 1 on a
// directory without an index or one a process holds, 2 on a usage error.
func TestVerifyCommand(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	ix, err := index.Open(index.Options{Path: indexDir(data)})
	if err != nil {
		t.Fatal(err)
	}
	a := &article.Article{ID: "v1", Title: "校验", Paragraphs: []article.Paragraph{{Text: "索引文件校验。"}}}
	a.Normalize()
	if err := ix.Put(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	verify := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, append([]string{"verify"}, args...), func(string) string { return "" }, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	if code, out, errOut := verify("--data", data); code != 0 || !strings.Contains(out, "sound") {
		t.Fatalf("sound index: exit %d, %q %q", code, out, errOut)
	}
	if code, _, _ := verify(); code != 2 {
		t.Errorf("no --data: exit %d, want 2", code)
	}
	if code, _, _ := verify("--data", data, "extra"); code != 2 {
		t.Errorf("an extra argument: exit %d, want 2", code)
	}
	if code, _, errOut := verify("--data", t.TempDir()); code != 1 || !strings.Contains(errOut, "holds no index") {
		t.Errorf("no index: exit %d, %q", code, errOut)
	}

	held, err := index.Open(index.Options{Path: indexDir(data)})
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := verify("--data", data)
	held.Close()
	if code != 1 || !strings.Contains(errOut, "snapshot") {
		t.Errorf("index held by a process: exit %d, %q", code, errOut)
	}

	segs, _ := filepath.Glob(filepath.Join(indexDir(data), "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatal("no segment")
	}
	for _, s := range segs { // the newest snapshot holds one of them: damage all
		f, err := os.OpenFile(s, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt([]byte("damage"), 40); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	code, _, errOut = verify("--data", data)
	if code != 1 || !strings.Contains(errOut, ".zap") || !strings.Contains(errOut, "checksum mismatch") ||
		!strings.Contains(errOut, "zhsearch restore") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("damaged segment: exit %d, want 1 and one line naming the file and the remedy: %q", code, errOut)
	}
}
