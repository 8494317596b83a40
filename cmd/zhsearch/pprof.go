package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// When ZHSEARCH_PPROF names a loopback address, every zhsearch command
// (serve, import) also serves net/http/pprof there, on its own listener
// and mux, never on the API's. zhsearch bench --profile sets it for the
// processes it measures; an operator can set it to profile a live server.
// Only loopback addresses are accepted: profiles show the data.
func init() {
	addr := os.Getenv("ZHSEARCH_PPROF")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "zhsearch: ZHSEARCH_PPROF=%q: need a loopback HOST:PORT such as 127.0.0.1:6060; profiling off\n", addr)
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zhsearch: ZHSEARCH_PPROF: %v; profiling off\n", err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() { _ = http.Serve(ln, mux) }()
}
