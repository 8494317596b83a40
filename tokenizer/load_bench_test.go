package tokenizer

import (
	"runtime"
	"strings"
	"testing"
)

// BenchmarkLoadDictionary measures the choice NewSegmenter makes: loading
// the embedded simplified dictionary alone against simplified plus
// traditional. It reports the heap the loaded segmenter keeps (live MiB
// after a GC) next to the time per load. "zh_s+calctoken" is the same
// dictionary loaded as gse's LoadDictStr does it, CalcToken pass included:
// the cost loadWords avoids.
func BenchmarkLoadDictionary(b *testing.B) {
	for _, dict := range []string{DictSimplified, DictSimplified + "+calctoken", DictBoth} {
		b.Run(dict, func(b *testing.B) {
			var live float64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				s, err := LoadSegmenter(strings.TrimSuffix(dict, "+calctoken"))
				if err != nil {
					b.Fatal(err)
				}
				if strings.HasSuffix(dict, "+calctoken") {
					s.calcTokens()
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				live = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
				runtime.KeepAlive(s)
			}
			b.ReportMetric(live, "live-MiB")
		})
	}
}
