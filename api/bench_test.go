package api

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
)

// BenchmarkMiddlewareStack measures what the operations middleware (request
// id, log line, metrics, headers, auth, limits, deadline, search gate) adds
// to a search answered by a backend that does no work.
func BenchmarkMiddlewareStack(b *testing.B) {
	for _, bc := range []struct {
		name string
		cfg  Config
	}{
		{"open", Config{}},
		{"keys+cors", Config{ReadKeys: []string{"r"}, APIKeys: []string{"w1", "w2"}, CORSOrigins: []string{"https://news.example.com"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bc.cfg.Backend = &fakeBackend{}
			bc.cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
			s := New(bc.cfg)
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", "/v1/search?q=x", nil)
				req.RemoteAddr = "192.0.2.1:1"
				req.Header.Set("Authorization", "Bearer r")
				req.Header.Set("Origin", "https://news.example.com")
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
