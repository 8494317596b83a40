package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// Report is everything one bench run measured. Sizes are in MiB (2^20
// bytes) for memory and MB (10^6 bytes) for text and disk, as in issue 9.
type Report struct {
	Started  time.Time `json:"started"`
	Command  string    `json:"command"`
	Machine  Machine   `json:"machine"`
	Binary   string    `json:"binary"`
	Corpus   string    `json:"corpus"`
	Articles int       `json:"articles"`
	TextMB   float64   `json:"text_mb"` // titles and paragraphs, UTF-8
	Seed     uint64    `json:"seed"`
	// Ceiling is, per query kind, the best "source in top 10" any ranking
	// can reach on these queries (see KindCeiling); nil when not computed.
	Ceiling map[string]KindCeiling `json:"ceiling,omitempty"`

	Ingest  *IngestResult  `json:"ingest,omitempty"`
	Query   *QueryResult   `json:"query,omitempty"`
	Startup *StartupResult `json:"startup,omitempty"`
	// Profiles lists the pprof files written next to the report.
	Profiles []string `json:"profiles,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs      int    `json:"cpus"`
	Revision  string `json:"revision,omitempty"` // VCS revision of the bench binary (+dirty)
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	LoadAvg   string `json:"loadavg_at_start"` // other users of a shared machine show here
}

func thisMachine() Machine {
	la, _ := os.ReadFile("/proc/loadavg")
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, LoadAvg: strings.TrimSpace(string(la))}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision":
				m.Revision = s.Value + m.Revision
			case s.Key == "vcs.modified" && s.Value == "true":
				m.Revision += "+dirty"
			}
		}
	}
	return m
}

// IngestResult is the bulk import of the corpus into an empty index.
type IngestResult struct {
	Method     string  `json:"method"`
	Seconds    float64 `json:"seconds"` // import start to exit: durable, searchable on open
	DocsPerSec float64 `json:"docs_per_sec"`
	MBPerSec   float64 `json:"mb_per_sec"`
	PeakRSSMiB float64 `json:"peak_rss_mib"` // the import process's VmHWM / ru_maxrss
	IndexMB    float64 `json:"index_mb"`     // bytes of the index directory
	Served     int64   `json:"served"`       // articles the server then reports (-1: not logged)
}

// QueryResult is the query load and quality on the ingested corpus.
type QueryResult struct {
	Queries    int        `json:"queries"`
	Concurrent LoadResult `json:"concurrent"`
	Single     LoadResult `json:"single"`
	Quality    *Quality   `json:"quality"`
	// ServerRSSMiB is the server's VmHWM after the load.
	ServerPeakRSSMiB float64 `json:"server_peak_rss_mib"`
	QueriesFile      string  `json:"queries_file"`
}

// StartupRun is one restart on the existing index.
type StartupRun struct {
	FirstSearchS float64 `json:"first_search_s"` // exec to first 200 answer to a search
	IdleRSSMiB   float64 `json:"idle_rss_mib"`   // VmRSS after settling
}

// StartupResult is the median of several restarts.
type StartupResult struct {
	Runs         []StartupRun `json:"runs"`
	SettleS      float64      `json:"settle_s"`
	FirstSearchS float64      `json:"first_search_s"` // median
	IdleRSSMiB   float64      `json:"idle_rss_mib"`   // median
}

const (
	mib = 1 << 20
	mb  = 1e6
)

// WriteFiles writes report.json and report.md into dir.
func (r *Report) WriteFiles(dir string) error { return writeReport(dir, r, r.WriteMarkdown) }

// workDirs makes out, where a run leaves its report, and a temporary
// directory (its name starting with prefix) for the run's indexes and
// files; remove deletes the temporary one.
func workDirs(out, prefix string) (tmp string, remove func(), err error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", nil, err
	}
	if tmp, err = os.MkdirTemp("", prefix); err != nil {
		return "", nil, err
	}
	return tmp, func() { _ = os.RemoveAll(tmp) }, nil
}

// writeReport writes v as dir/report.json and md's text as dir/report.md:
// the two files every mode of the bench leaves.
func writeReport(dir string, v any, md func(io.Writer)) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "report.md"))
	if err != nil {
		return err
	}
	md(f)
	return f.Close()
}

// row is one line of the report's table: what this run measured, and
// nothing else (other engines are compared in the same run by peerbench's
// compare.sh, not by figures copied into this table).
type row struct {
	name  string
	value func(*Report) (string, bool) // text, known
}

var rows = []row{
	{"ingest, until all searchable", func(r *Report) (string, bool) {
		if r.Ingest == nil {
			return "", false
		}
		return fmt.Sprintf("%s docs/s, %.2f MB/s", thousands(r.Ingest.DocsPerSec), r.Ingest.MBPerSec), true
	}},
	{"peak RSS during ingest", func(r *Report) (string, bool) {
		if r.Ingest == nil {
			return "", false
		}
		return fmt.Sprintf("%.0f MiB", r.Ingest.PeakRSSMiB), true
	}},
	{"index on disk", func(r *Report) (string, bool) {
		if r.Ingest == nil {
			return "", false
		}
		return fmt.Sprintf("%.0f MB", r.Ingest.IndexMB), true
	}},
	{"8 clients: QPS, p99", func(r *Report) (string, bool) {
		if r.Query == nil {
			return "", false
		}
		c := r.Query.Concurrent
		return fmt.Sprintf("%s QPS, %.1f ms", thousands(c.QPS), c.P99MS), true
	}},
	{"1 client p50", func(r *Report) (string, bool) {
		if r.Query == nil {
			return "", false
		}
		return fmt.Sprintf("%.2f ms", r.Query.Single.P50MS), true
	}},
	{"first answered search after restart, idle RSS", func(r *Report) (string, bool) {
		if r.Startup == nil {
			return "", false
		}
		s := r.Startup
		return fmt.Sprintf("%.2f s, %.0f MiB", s.FirstSearchS, s.IdleRSSMiB), true
	}},
	{"word-span queries: source in top 10 / among all hits", func(r *Report) (string, bool) { return quality(r, KindWordSpan) }},
	{"substring queries: source in top 10 / among all hits", func(r *Report) (string, bool) { return quality(r, KindSubstring) }},
}

func quality(r *Report, kind string) (string, bool) {
	if r.Query == nil || r.Query.Quality == nil {
		return "", false
	}
	k, ok := r.Query.Quality.Kinds[kind]
	if !ok {
		return "", false
	}
	v := fmt.Sprintf("%.2f / %.3f", k.InTop10, k.InAll)
	if c, ok := r.Ceiling[kind]; ok {
		v += fmt.Sprintf(" (best possible top 10: %.2f)", c.InTop10)
	}
	return v, true
}

// thousands formats a rate with a thousands separator, no decimals.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// WriteMarkdown writes the table of what the run measured, then the
// details.
func (r *Report) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "Corpus: %d articles of `%s` (%.1f MB of text); %d queries, seed %d; %d CPUs, %s; load average at start %s; bench binary at %s.\n\n",
		r.Articles, filepath.Base(r.Corpus), r.TextMB, queriesOf(r), r.Seed, r.Machine.CPUs, r.Machine.GoVersion, r.Machine.LoadAvg, orUnknown(r.Machine.Revision))
	fmt.Fprintf(w, "| | zhsearch |\n|---|---|\n")
	for _, rw := range rows {
		v, known := rw.value(r)
		if !known {
			v = "not measured"
		}
		fmt.Fprintf(w, "| %s | %s |\n", rw.name, v)
	}
	fmt.Fprintf(w, "\nCommand: `%s`\n", r.Command)
	if in := r.Ingest; in != nil {
		fmt.Fprintf(w, "\nIngest: %s, %.1f s for %d articles; the server then reported %d articles.\n", in.Method, in.Seconds, r.Articles, in.Served)
	}
	if q := r.Query; q != nil {
		for _, l := range []LoadResult{q.Concurrent, q.Single} {
			fmt.Fprintf(w, "\nLoad, %d client(s), %.1f s: %d answers (%d errors), %.0f QPS; latency ms mean %.2f, p50 %.2f, p90 %.2f, p99 %.2f, max %.2f.\n",
				l.Clients, l.Seconds, l.Requests, l.Errors, l.QPS, l.MeanMS, l.P50MS, l.P90MS, l.P99MS, l.MaxMS)
		}
		fmt.Fprintf(w, "\nServer peak RSS after the load: %.0f MiB.\n", q.ServerPeakRSSMiB)
		if qu := q.Quality; qu != nil {
			fmt.Fprintf(w, "\nQuality (%s):\n\n| kind | queries | in top 10 | best possible top 10 | held verbatim by > 10 articles | among all hits | top-10 hits with a mark | median hits |\n|---|---|---|---|---|---|---|---|\n", qu.Method)
			for _, kind := range []string{KindWordSpan, KindSubstring} {
				k := qu.Kinds[kind]
				best, ambiguous := "not computed", ""
				if c, ok := r.Ceiling[kind]; ok {
					best, ambiguous = fmt.Sprintf("%.3f", c.InTop10), strconv.Itoa(c.Ambiguous)
				}
				fmt.Fprintf(w, "| %s | %d | %.3f | %s | %s | %.3f | %.3f | %d |\n", kind, k.Queries, k.InTop10, best, ambiguous, k.InAll, k.Marked, k.MedianTotal)
			}
			if r.Ceiling != nil {
				fmt.Fprintf(w, "\nThe best possible top 10 orders the articles that hold a query verbatim by their chance of being the one the generator drew it from (bench.KindCeiling): no ranking can do better in expectation.\n")
			}
		}
	}
	if s := r.Startup; s != nil {
		fmt.Fprintf(w, "\nRestarts (idle RSS after %.0f s):", s.SettleS)
		for _, run := range s.Runs {
			fmt.Fprintf(w, " %.2f s / %.0f MiB;", run.FirstSearchS, run.IdleRSSMiB)
		}
		fmt.Fprintf(w, " medians above.\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown revision"
	}
	return s
}

func queriesOf(r *Report) int {
	if r.Query == nil {
		return 0
	}
	return r.Query.Queries
}
