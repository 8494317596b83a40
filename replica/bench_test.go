package replica

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/internal/measure"
)

// benchArticle is an article of about 1.5 KB of text.
func benchArticle(i int) *article.Article {
	a := &article.Article{ID: fmt.Sprintf("bench-%d", i), Title: vocab[i%len(vocab)] + vocab[(i/7)%len(vocab)] + "报道"}
	for p := range 4 {
		var s strings.Builder
		for k := range 30 {
			s.WriteString(vocab[(i*31+p*7+k*13)%len(vocab)])
		}
		s.WriteString("。")
		a.Paragraphs = append(a.Paragraphs, article.Paragraph{Text: s.String()})
	}
	a.Normalize()
	return a
}

// putter is a single-node index or a replica.
type putter interface {
	Put(ctx context.Context, arts ...*article.Article) error
}

// runWrites writes b.N articles, one a call, from `clients` goroutines,
// and reports acknowledged writes a second and the latency percentiles
// of the acknowledgement.
func runWrites(b *testing.B, p putter, clients int) {
	ctx := context.Background()
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > b.N {
					return
				}
				t0 := time.Now()
				if err := p.Put(ctx, benchArticle(i)); err != nil {
					b.Error(err)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	pct := func(q float64) float64 { return float64(measure.Percentile(all, q).Microseconds()) / 1000 }
	b.ReportMetric(float64(len(all))/el.Seconds(), "writes/s")
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkWrite compares, in one run, acknowledged writes of one article
// each on a single node's index on disk, and through a replica of a
// three-node JetStream cluster (R3) with three zhsearch nodes applying
// every write (the write acknowledged once stored on a quorum and applied
// by the node that took it), all on this machine, 8 clients each; and,
// to tell the log's cost from that of indexing everything three times,
// one NATS server and one node:
//
//	go test ./replica -run '^$' -bench BenchmarkWrite -benchtime 400x
func BenchmarkWrite(b *testing.B) {
	const clients = 8
	b.Run("single", func(b *testing.B) {
		ix, err := index.Open(index.Options{Path: filepath.Join(b.TempDir(), "idx")})
		if err != nil {
			b.Fatal(err)
		}
		defer ix.Close()
		runWrites(b, ix, clients)
	})
	// The log's own cost: one NATS server, one zhsearch node.
	b.Run("replicated-R1-1node", func(b *testing.B) {
		emb, err := RunEmbedded(context.Background(), EmbeddedOptions{Name: "solo", Listen: "127.0.0.1:" + fmt.Sprint(freePorts(b, 1)[0]), StoreDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		defer emb.Shutdown()
		ix, err := index.Open(index.Options{Path: filepath.Join(b.TempDir(), "idx")})
		if err != nil {
			b.Fatal(err)
		}
		defer ix.Close()
		opts := testOptions([]string{emb.ClientURL()})
		opts.Replicas = 1
		n, err := Open(context.Background(), ix, opts)
		if err != nil {
			b.Fatal(err)
		}
		defer n.Close()
		for n.Ready(context.Background()) != nil {
			time.Sleep(20 * time.Millisecond)
		}
		runWrites(b, n, clients)
	})
	b.Run("replicated-R3", func(b *testing.B) {
		_, urls := startNATS(b, 3)
		var nodes []*Node
		for i := range 3 {
			ix, err := index.Open(index.Options{Path: filepath.Join(b.TempDir(), fmt.Sprint("z", i))})
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			n, err := Open(context.Background(), ix, testOptions(urls))
			if err != nil {
				b.Fatal(err)
			}
			defer n.Close()
			nodes = append(nodes, n)
		}
		for _, n := range nodes {
			for n.Ready(context.Background()) != nil {
				time.Sleep(20 * time.Millisecond)
			}
		}
		runWrites(b, nodes[0], clients)
		// The other replicas catch up too (not timed).
		last := nodes[0].Status().Applied
		for _, n := range nodes[1:] {
			if err := n.WaitApplied(context.Background(), last); err != nil {
				b.Fatal(err)
			}
		}
	})
}
