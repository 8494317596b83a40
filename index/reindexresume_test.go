package index

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zhsearch/zhsearch/tokenizer"
)

// resumeWord is a word gse splits (郑东/数智/港), used by this test alone.
const resumeWord = "郑东数智港"

// TestReindexResumesAfterCrash: a process adds a word to an index on disk
// and is killed with SIGKILL while the re-index runs; the next Open
// re-applies the word and finishes the re-index, so every stored article
// holds the word whole, as if nothing had happened.
func TestReindexResumesAfterCrash(t *testing.T) {
	if dir := os.Getenv("ZHSEARCH_TEST_REINDEX_CRASH"); dir != "" {
		reindexCrashChild(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("runs a child process")
	}
	dir := filepath.Join(t.TempDir(), "idx")
	cmd := exec.Command(os.Args[0], "-test.run=^TestReindexResumesAfterCrash$", "-test.v")
	cmd.Env = append(os.Environ(), "ZHSEARCH_TEST_REINDEX_CRASH="+dir)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed by SIGKILL\n%s", err, out)
	}
	if !strings.Contains(string(out), "killing myself") {
		t.Fatalf("child did not get to add the word:\n%s", out)
	}
	ix, err := Open(Options{Path: dir, Segmenter: ownSegmenter(t)}) // a segmenter that never saw the word
	if err != nil {
		t.Fatalf("the index does not open after the crash: %v", err)
	}
	defer ix.Close()
	if got := words(ix.Analyze(resumeWord, tokenizer.QueryMode)); len(got) != 1 {
		t.Fatalf("after reopening, %s analyses to %q: the word was lost", resumeWord, got)
	}
	st := waitReindex(t, ix)
	t.Logf("child: %s; resumed re-index: %+v", strings.TrimSpace(lastLine(string(out), "killing")), st)
	if st.State != ReindexDone {
		t.Errorf("resumed re-index %+v", st)
	}
	if n := bodyDocs(t, ix, resumeWord); n != resumeArticles {
		t.Errorf("%d documents hold %s whole, want %d (every article)", n, resumeWord, resumeArticles)
	}
	if p, err := ix.unfinishedReindex(); err != nil || len(p) != 0 {
		t.Errorf("after the resumed run, still pending: %q %v", p, err)
	}
}

const resumeArticles = 40

func reindexCrashChild(t *testing.T, dir string) {
	ix, err := Open(Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := words(ix.Analyze(resumeWord, tokenizer.QueryMode)); len(got) == 1 {
		t.Fatalf("gse already knows %s: pick another word", resumeWord)
	}
	for i := 0; i < resumeArticles; i++ {
		put(t, ix, fmt.Sprintf("r%d", i), fmt.Sprintf("新闻%d", i), fmt.Sprintf("%s第%d期项目开工。", resumeWord, i))
	}
	if _, err := ix.AddWords(context.Background(), tokenizer.Word{Word: resumeWord, Freq: 1000, Pos: "ns"}); err != nil {
		t.Fatal(err)
	}
	st := ix.ReindexStatus()
	fmt.Printf("re-index at %d of %d; killing myself\n", st.Done, st.Total)
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

func lastLine(s, containing string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, containing) {
			return l
		}
	}
	return ""
}
