package tokenizer

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/zhsearch/zhsearch/internal/shapes"
)

// shapeBytes is the size of each shape's text in the benchmarks: a
// quarter of the article limit, a single paragraph.
const shapeBytes = 256 << 10

// BenchmarkAnalyzeShapes analyses one paragraph of each text shape as a
// write does (index-time words and sub-words, then the recall bigrams):
// MB/s must not depend on the shape (docs/reliability.md).
func BenchmarkAnalyzeShapes(b *testing.B) {
	seg := shared(b)
	for _, sh := range shapes.All() {
		text := []byte(sh.Text(shapeBytes))
		b.Run(sh.Name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			cpu := shapes.CPUTime()
			for b.Loop() {
				seg.Analyze(text, IndexMode)
				RecallStream(text)
			}
			mb := float64(len(text)) * float64(b.N) / 1e6
			b.ReportMetric(float64(shapes.CPUTime()-cpu)/1e6/mb, "cpu-ms/MB")
		})
	}
}

// linearWork checks what analysing text asked of gse: no Cut call over
// MaxChunkRunes runes, every rune handed to Cut once, and a bounded
// number of dictionary look-ups per rune. These are what make the cost
// linear; a clock would decide nothing here.
func linearWork(t testing.TB, seg *Segmenter, text []byte) []Token {
	t.Helper()
	var w work
	toks, err := seg.analyze(context.Background(), text, IndexMode, &w)
	if err != nil {
		t.Fatal(err)
	}
	runes := utf8.RuneCount(text)
	if w.maxCutRunes > MaxChunkRunes {
		t.Errorf("gse's Cut was given %d runes at once, over the bound of %d", w.maxCutRunes, MaxChunkRunes)
	}
	if w.cutRunes != runes {
		t.Errorf("gse's Cut was given %d runes in all for a text of %d", w.cutRunes, runes)
	}
	if w.finds > maxSubwordRunes*runes {
		t.Errorf("%d sub-word look-ups for %d runes: over %d a rune", w.finds, runes, maxSubwordRunes)
	}
	return toks
}

// TestAnalyzeWorkIsLinear is the regression test of issue 18: a long run
// with no break (100,000 "a", 349,000 中 in the report) was handed to gse
// whole, and every substring of a long word was looked up.
func TestAnalyzeWorkIsLinear(t *testing.T) {
	seg := shared(t)
	for _, sh := range shapes.All() {
		t.Run(sh.Name, func(t *testing.T) {
			text := sh.Text(64 << 10)
			toks := linearWork(t, seg, []byte(text))
			checkTokens(t, text, toks)
			if len(toks) == 0 {
				t.Fatal("no tokens")
			}
		})
	}
}

// TestChunksKeepOffsets checks that a text cut into chunks is analysed
// as its chunks are one by one, with offsets into the whole text and
// positions that go on from chunk to chunk.
func TestChunksKeepOffsets(t *testing.T) {
	seg := shared(t)
	long := strings.Join(seedLines(t), "") + strings.Repeat("中", 3*MaxChunkRunes) + strings.Repeat("ａ", 2*MaxChunkRunes)
	n := normalize([]byte(long))
	cs := chunks(string(n.norm))
	if len(cs) < 10 {
		t.Fatalf("%d chunks: want a text long enough for 10", len(cs))
	}
	var want []Token
	for _, c := range cs {
		from, to := n.orig(c.start), n.orig(c.end)
		last := 0
		if len(want) > 0 {
			last = want[len(want)-1].Position
		}
		for _, tok := range seg.Analyze([]byte(long[from:to]), IndexMode) {
			tok.Start += from
			tok.End += from
			tok.Position += last
			want = append(want, tok)
		}
	}
	got := seg.Analyze([]byte(long), IndexMode)
	checkTokens(t, long, got)
	if len(got) != len(want) {
		t.Fatalf("%d tokens, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("token %d is %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestChunks(t *testing.T) {
	run := func(s string, n int) string { return strings.Repeat(s, n) }
	for _, tc := range []struct {
		name, text string
		wantCuts   []int // rune lengths of the chunks
	}{
		{"short", "经济发展", []int{4}},
		{"exactly the bound", run("中", MaxChunkRunes), []int{MaxChunkRunes}},
		{"no break: cut at the bound", run("a", MaxChunkRunes*2+1), []int{MaxChunkRunes, MaxChunkRunes, 1}},
		{"after the last space", run("abc ", MaxChunkRunes/4+1), []int{MaxChunkRunes, 4}},
		{"after punctuation, not inside 3.14", run("中", 50) + "，" + run("3.14", 5), []int{51, 20}},
		{"where scripts change", run("中", 50) + run("a", 30), []int{50, 30}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			end := 0
			for _, c := range chunks(tc.text) {
				if c.start != end {
					t.Fatalf("chunk %+v does not start where the last ended (%d)", c, end)
				}
				end = c.end
				got = append(got, utf8.RuneCountInString(tc.text[c.start:c.end]))
			}
			if end != len(tc.text) {
				t.Fatalf("chunks end at %d of %d", end, len(tc.text))
			}
			if !slices.Equal(got, tc.wantCuts) {
				t.Errorf("chunks of %d, want %d", got, tc.wantCuts)
			}
		})
	}
}

// TestAnalyzeContextStops checks that a cancelled analysis stops and
// says why instead of analysing the whole text.
func TestAnalyzeContextStops(t *testing.T) {
	seg := shared(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	toks, err := seg.AnalyzeContext(ctx, []byte(strings.Repeat("中", 10*MaxChunkRunes)), IndexMode)
	if !errors.Is(err, context.Canceled) || toks != nil {
		t.Fatalf("cancelled analysis: %d tokens, error %v; want none and context.Canceled", len(toks), err)
	}
	toks, err = seg.AnalyzeContext(context.Background(), []byte("经济发展"), IndexMode)
	if err != nil || len(toks) == 0 {
		t.Fatalf("analysis: %v, %v", toks, err)
	}
}

// FuzzAnalyzeShapes analyses texts built by repeating a fuzzed unit,
// with or without its spaces and punctuation, and checks the work each
// took (linearWork) and the tokens' invariants.
func FuzzAnalyzeShapes(f *testing.F) {
	for _, sh := range shapes.All() {
		u := sh.Unit
		if len(u) > 200 {
			u = u[:200]
		}
		f.Add(strings.ToValidUTF8(u, ""), uint16(3000), false)
	}
	f.Add("ab ", uint16(30000), true)
	seg := shared(f)
	f.Fuzz(func(t *testing.T, unit string, reps uint16, strip bool) {
		if unit == "" {
			return
		}
		if strip {
			unit = strings.Map(func(r rune) rune {
				if breakAfter(r) {
					return -1
				}
				return r
			}, unit)
		}
		text := strings.Repeat(unit, int(reps)%(16<<10/max(1, len(unit)))+1)
		toks := linearWork(t, seg, []byte(text))
		if len(toks) > 2*maxSubwordRunes*utf8.RuneCountInString(text) {
			t.Fatalf("%d tokens for %d runes", len(toks), utf8.RuneCountInString(text))
		}
	})
}

// TestASCIICutIsGse holds asciiCut to gse's own Cut on ASCII text.
func TestASCIICutIsGse(t *testing.T) {
	seg := shared(t)
	if seg.asciiUnknown {
		t.Fatal("the default dictionary turns asciiCut off")
	}
	rng := rand.New(rand.NewPCG(18, 4))
	alphabet := "aZ09.5 -,;:'\"!?()%#@_/\t\n3.14x"
	texts := []string{"", "a", "c++ and c# at&t", "3.14", "1.", ".5", "v1.2.3", "covid-19 5g 2023", "ab ab ab", "12.5%", "a1.5", "1a.5"}
	for range 2000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		s = Normalize(s) // Analyze hands gse folded text
		if s == "" || !seg.cutsASCII(s) {
			continue
		}
		want := seg.gse.Cut(s, true)
		if got := asciiCut(s); !slices.Equal(got, want) {
			t.Fatalf("asciiCut(%q) = %q, gse says %q", s, got, want)
		}
	}
}

// TestASCIIWordTurnsOffASCIICut checks that a newsroom word of ASCII
// alone is found in Latin text: Analyze then leaves Latin text to gse.
func TestASCIIWordTurnsOffASCIICut(t *testing.T) {
	seg, err := NewSegmenter()
	if err != nil {
		t.Fatal(err)
	}
	if err := seg.AddWords(Word{Word: "covid19"}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range seg.Analyze([]byte("the covid19 wave"), IndexMode) {
		if tok.Term == "covid19" {
			return
		}
	}
	t.Error("the added word covid19 was not found")
}

// TestDictionaryFileMustBeRegular checks that a FIFO, a device or a
// directory given as a dictionary is refused at once, naming the file,
// instead of blocking the open for ever.
func TestDictionaryFileMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "words.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	seg := shared(t)
	for _, p := range []string{fifo, "/dev/zero", dir} {
		_, err := seg.LoadWordsFile(p)
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), p) {
			t.Errorf("LoadWordsFile(%s): %v; want ErrNotRegular naming the file", p, err)
		}
	}
}
