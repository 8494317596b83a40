// Package dupeval is zhsearch eval duplicates: it scores the duplicate
// decision on labelled pairs of articles (testdata/duplicates.tsv, built
// by scripts/duplicates-set.py; docs/duplicates.md). The pairs' articles
// are read from the corpora, indexed in memory, and each pair is decided
// by the index itself (Index.Duplicates: the LSH look-up and the
// threshold); a sweep of thresholds shows the margin around the chosen
// one. Like bench/searcheval it opens an index in-process, which package
// bench does not.
package dupeval

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/dedup"
	"github.com/zhsearch/zhsearch/index"
)

// Pairs are the labelled pairs of a pairs file.
type Pairs struct {
	path string
	list []labelledPair
}

// ReadPairs reads a pairs file: a, b, label (1 duplicate, 0 not, ? not
// scored), kind; tab-separated, # comments. A bad line is an error naming
// the file and line.
func ReadPairs(path string) (*Pairs, error) {
	list, err := readPairs(path)
	if err != nil {
		return nil, err
	}
	return &Pairs{path: path, list: list}, nil
}

// Run reads the articles of the JSONL corpora and decides every pair. A
// pair naming an article the index refuses is an error naming the pairs
// file and line.
func Run(ctx context.Context, pairs *Pairs, corpora []string) (*Report, error) {
	byID := map[string]*article.Article{}
	rejected := map[string]string{} // id → why the corpus line was refused
	for _, c := range corpora {
		if err := readCorpusTolerant(c, byID, rejected); err != nil {
			return nil, err
		}
	}
	for _, p := range pairs.list {
		for _, id := range []string{p.a, strings.TrimSuffix(p.b, editSuffix)} {
			if why, ok := rejected[id]; ok {
				return nil, fmt.Errorf("%s:%d: article %s is one the index refuses (%s)", pairs.path, p.line, id, why)
			}
		}
	}
	return runDuplicateEval(ctx, pairs.list, byID)
}

// readCorpusTolerant reads a JSONL corpus into byID, noting the lines
// the index would refuse (a control character in the text) in rejected
// by id, so that a pair naming one is reported, not the whole corpus.
func readCorpusTolerant(path string, byID map[string]*article.Article, rejected map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, gz := article.FormatOf(path)
	r, err := article.Decompress(f, gz)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer r.Close()
	return article.ReadNDJSON(r, article.ReadOptions{}, func(it article.Item) error {
		if it.Err != nil {
			rejected[lineID(path, it.Line)] = it.Err.Error()
			return nil
		}
		byID[it.Article.ID] = it.Article
		return nil
	})
}

// lineID stands for the id of a refused line, which the reader does not
// give: its file and line.
func lineID(path string, line int) string { return fmt.Sprintf("%s:%d", filepath.Base(path), line) }

// labelledPair is one line of the pairs file.
type labelledPair struct {
	a, b  string
	label string // "1" duplicate, "0" not, "?" not scored
	kind  string
	line  int
}

// editSuffix marks a synthetic wire edit of an article (wireEdit).
const editSuffix = "~edit"

func readPairs(path string) ([]labelledPair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []labelledPair
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 4 {
			return nil, fmt.Errorf("%s:%d: %d fields; want a, b, label, kind separated by tabs", path, n, len(fields))
		}
		p := labelledPair{a: fields[0], b: fields[1], label: fields[2], kind: fields[3], line: n}
		if p.label != "1" && p.label != "0" && p.label != "?" {
			return nil, fmt.Errorf("%s:%d: label %q; want 1, 0 or ?", path, n, p.label)
		}
		if p.a == "" || p.b == "" || p.a == p.b {
			return nil, fmt.Errorf("%s:%d: a pair needs two different ids", path, n)
		}
		if strings.HasSuffix(p.a, editSuffix) {
			return nil, fmt.Errorf("%s:%d: a synthetic edit (%s) goes second, after its original", path, n, p.a)
		}
		if strings.HasSuffix(p.b, editSuffix) && strings.TrimSuffix(p.b, editSuffix) != p.a {
			return nil, fmt.Errorf("%s:%d: %s is not an edit of %s", path, n, p.b, p.a)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no pairs", path)
	}
	return out, nil
}

// wireEdit is what a wire desk does to a story it republishes: a new
// headline (the start of the lead), a byline line added at the top, the
// middle paragraph cut, and a later time. It is deterministic, so runs
// compare.
func wireEdit(a *article.Article) *article.Article {
	e := *a
	e.ID = a.ID + editSuffix
	e.Source = "转载"
	e.URL = ""
	lead := []rune(a.Paragraphs[0].Text)
	e.Title = "转载：" + string(lead[:min(18, len(lead))])
	paras := slices.Clone(a.Paragraphs)
	if len(paras) >= 3 {
		paras = slices.Delete(paras, len(paras)/2, len(paras)/2+1)
	}
	e.Paragraphs = append([]article.Paragraph{{Text: "（本报记者 张明 通讯员 刘芳 报道）"}}, paras...)
	if t, err := time.Parse(time.RFC3339, a.PublishedAt); err == nil {
		e.PublishedAt = t.Add(6 * time.Hour).Format(time.RFC3339)
	}
	return &e
}

type dupKind struct {
	name             string
	n, saidDuplicate int
	label            string
}

type dupDecision struct {
	p                       labelledPair
	similarity, containment float64
	inWindow                bool
	said                    bool // Index.Duplicates lists b among a's duplicates
}

// Report is the decisions of Run.
type Report struct {
	decisions []dupDecision
	indexed   int
	took      time.Duration
}

func runDuplicateEval(ctx context.Context, pairs []labelledPair, byID map[string]*article.Article) (*Report, error) {
	arts := map[string]*article.Article{}
	for _, p := range pairs {
		for _, id := range []string{p.a, p.b} {
			if _, ok := arts[id]; ok {
				continue
			}
			orig := strings.TrimSuffix(id, editSuffix)
			a, ok := byID[orig]
			if !ok {
				return nil, fmt.Errorf("pairs line %d: no article %s in the corpora", p.line, orig)
			}
			if id != orig {
				a = wireEdit(a)
			}
			arts[id] = a
		}
	}
	ix, err := index.Open(index.Options{})
	if err != nil {
		return nil, err
	}
	defer ix.Close()
	start := time.Now()
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range arts {
			if !yield(id) {
				return
			}
		}
	})
	for i := 0; i < len(ids); i += 200 {
		var batch []*article.Article
		for _, id := range ids[i:min(i+200, len(ids))] {
			a := *arts[id]
			a.Normalize()
			batch = append(batch, &a)
		}
		if err := ix.Put(ctx, batch...); err != nil {
			return nil, err
		}
	}
	rep := &Report{indexed: len(ids), took: time.Since(start)}
	dups := map[string][]string{}
	for _, p := range pairs {
		if _, ok := dups[p.a]; !ok {
			d, err := ix.Duplicates(ctx, p.a, index.MaxDuplicates)
			if err != nil {
				return nil, err
			}
			for _, x := range d.Duplicates {
				dups[p.a] = append(dups[p.a], x.ID)
			}
			if dups[p.a] == nil {
				dups[p.a] = []string{}
			}
		}
		a, b := *arts[p.a], *arts[p.b]
		a.Normalize()
		b.Normalize()
		s, c, in, err := index.PairSimilarity(&a, &b, nil)
		if err != nil {
			return nil, err
		}
		rep.decisions = append(rep.decisions, dupDecision{p: p, similarity: s, containment: c, inWindow: in, said: slices.Contains(dups[p.a], p.b)})
	}
	return rep, nil
}

// score counts precision and recall of a decision over the scored pairs.
func score(ds []dupDecision, said func(dupDecision) bool) (tp, fp, fn int) {
	for _, d := range ds {
		switch {
		case d.p.label == "1" && said(d):
			tp++
		case d.p.label == "0" && said(d):
			fp++
		case d.p.label == "1":
			fn++
		}
	}
	return
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// WriteText writes the precision and recall of the decision, the pairs
// by kind and label, a sweep of thresholds, and with verbose every wrong
// decision.
func (r *Report) WriteText(w io.Writer, verbose bool) {
	pos, neg, unscored := 0, 0, 0
	for _, d := range r.decisions {
		switch d.p.label {
		case "1":
			pos++
		case "0":
			neg++
		default:
			unscored++
		}
	}
	fmt.Fprintf(w, "%d pairs (%d duplicates, %d different stories, %d rewrites not scored); %d articles indexed in %s\n",
		len(r.decisions), pos, neg, unscored, r.indexed, r.took.Round(time.Millisecond))
	fmt.Fprintf(w, "decision: of %d-character shingles, estimated containment >= %.2f and Jaccard >= %.2f, published within %.0f days\n",
		dedup.Shingle, index.DuplicateContainment, index.DuplicateSimilarity, index.DuplicateWindow.Hours()/24)
	tp, fp, fn := score(r.decisions, func(d dupDecision) bool { return d.said })
	fmt.Fprintf(w, "precision %.3f (%d/%d)  recall %.3f (%d/%d)\n", ratio(tp, tp+fp), tp, tp+fp, ratio(tp, tp+fn), tp, tp+fn)
	fmt.Fprintf(w, "\n%-9s %-5s %5s %10s\n", "kind", "label", "pairs", "duplicate")
	var kinds []*dupKind
	for _, d := range r.decisions {
		i := slices.IndexFunc(kinds, func(k *dupKind) bool { return k.name == d.p.kind && k.label == d.p.label })
		if i < 0 {
			kinds = append(kinds, &dupKind{name: d.p.kind, label: d.p.label})
			i = len(kinds) - 1
		}
		kinds[i].n++
		if d.said {
			kinds[i].saidDuplicate++
		}
	}
	for _, k := range kinds {
		fmt.Fprintf(w, "%-9s %-5s %5d %10d\n", k.name, k.label, k.n, k.saidDuplicate)
	}
	fmt.Fprintf(w, "\nthreshold sweep (the pair's measures and window, without the LSH look-up):\n%11s %7s %9s %7s\n", "containment", "Jaccard", "precision", "recall")
	for _, minSim := range []float64{0, 0.3, index.DuplicateSimilarity, 0.5} {
		for c := 0.70; c < 0.99; c += 0.03 {
			tp, fp, fn := score(r.decisions, func(d dupDecision) bool {
				return d.inWindow && d.similarity >= minSim && d.containment >= c-1e-9
			})
			fmt.Fprintf(w, "%11.2f %7.2f %9.3f %7.3f\n", c, minSim, ratio(tp, tp+fp), ratio(tp, tp+fn))
		}
	}
	fmt.Fprintf(w, "%11s %7s %9s %7s\n", "(none)", "", "", "")
	for j := 0.40; j < 0.96; j += 0.05 {
		tp, fp, fn := score(r.decisions, func(d dupDecision) bool { return d.inWindow && d.similarity >= j-1e-9 })
		fmt.Fprintf(w, "%11s %7.2f %9.3f %7.3f\n", "-", j, ratio(tp, tp+fp), ratio(tp, tp+fn))
	}
	if verbose {
		fmt.Fprintln(w, "\nwrong decisions:")
		for _, d := range r.decisions {
			if d.p.label != "?" && d.said != (d.p.label == "1") {
				fmt.Fprintf(w, "line %d %s %s label %s (%s): similarity %.3f, containment %.3f, in window %v\n", d.p.line, d.p.a, d.p.b, d.p.label, d.p.kind, d.similarity, d.containment, d.inWindow)
			}
		}
	}
}
