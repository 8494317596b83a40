package bench

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/zhsearch/zhsearch/internal/measure"
)

// LoadResult is one closed-loop load run: clients requests in flight at
// all times for a bounded duration.
type LoadResult struct {
	Clients  int     `json:"clients"`
	Seconds  float64 `json:"seconds"`  // from the first request sent to the last answer
	Requests int     `json:"requests"` // answered with 200
	Errors   int     `json:"errors"`   // failed or not 200
	QPS      float64 `json:"qps"`      // Requests / Seconds
	// Latency percentiles (nearest rank) of the raw samples of all
	// answered requests, in milliseconds.
	MeanMS float64 `json:"mean_ms"`
	P50MS  float64 `json:"p50_ms"`
	P90MS  float64 `json:"p90_ms"`
	P99MS  float64 `json:"p99_ms"`
	MaxMS  float64 `json:"max_ms"`
	// FirstError shows what went wrong, if anything did.
	FirstError string `json:"first_error,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// RunLoad sends GET requests for urls, round-robin, from exactly clients
// concurrent clients (vegeta at unlimited rate with that many workers,
// keep-alive connections) for duration d, and measures every answer.
func RunLoad(ctx context.Context, urls []string, clients int, d time.Duration) (LoadResult, error) {
	return RunLoadUntil(ctx, urls, clients, d, nil)
}

// RunLoadUntil is RunLoad that also ends when until is closed (a nil
// channel never is): the load that runs while something else happens.
// Requests in flight then are answered and measured.
func RunLoadUntil(ctx context.Context, urls []string, clients int, d time.Duration, until <-chan struct{}) (LoadResult, error) {
	if len(urls) == 0 || clients < 1 || d <= 0 {
		return LoadResult{}, fmt.Errorf("load: need urls, clients >= 1 and a duration")
	}
	targets := make([]vegeta.Target, len(urls))
	for i, u := range urls {
		targets[i] = vegeta.Target{Method: http.MethodGet, URL: u}
	}
	atk := vegeta.NewAttacker(
		vegeta.Workers(uint64(clients)),
		vegeta.MaxWorkers(uint64(clients)),
		vegeta.Connections(clients),
		vegeta.MaxConnections(clients),
		vegeta.KeepAlive(true),
		vegeta.Timeout(30*time.Second),
		vegeta.Redirects(vegeta.NoFollow),
	)
	unlimited := vegeta.ConstantPacer{Freq: 0, Per: time.Second}
	res := LoadResult{Clients: clients}
	lat := make([]time.Duration, 0, 1<<16)
	var first, last time.Time
	var sum time.Duration
	results := atk.Attack(vegeta.NewStaticTargeter(targets...), unlimited, d, "zhsearch-bench")
	stop := ctx.Done()
	for r := range results {
		select {
		case <-stop:
			atk.Stop()
			stop = nil
		case <-until:
			atk.Stop()
			until = nil
		default:
		}
		if first.IsZero() || r.Timestamp.Before(first) {
			first = r.Timestamp
		}
		if r.End().After(last) {
			last = r.End()
		}
		if r.Error != "" || r.Code != http.StatusOK {
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = fmt.Sprintf("%s: %d %s %.200s", r.URL, r.Code, r.Error, r.Body)
			}
			continue
		}
		lat = append(lat, r.Latency)
		sum += r.Latency
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	slices.Sort(lat)
	res.Requests = len(lat)
	res.Seconds = last.Sub(first).Seconds()
	if res.Seconds > 0 {
		res.QPS = float64(res.Requests) / res.Seconds
	}
	if len(lat) > 0 {
		res.MeanMS = ms(sum / time.Duration(len(lat)))
	}
	res.P50MS = ms(measure.Percentile(lat, 0.50))
	res.P90MS = ms(measure.Percentile(lat, 0.90))
	res.P99MS = ms(measure.Percentile(lat, 0.99))
	res.MaxMS = ms(measure.Percentile(lat, 1))
	return res, nil
}
