package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheck asks /readyz of the server the --listen setting names and
// exits 0 when it is ready, 1 otherwise: a container HEALTHCHECK with no
// curl in the image.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhsearch healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "the server's --listen address (env ZHSEARCH_LISTEN)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	quiet := fs.Bool("q", false, "print nothing")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "listen" })
	if v := getenv("ZHSEARCH_LISTEN"); v != "" && !given {
		*listen = v
	}
	u, err := readyzURL(*listen)
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch healthcheck: --listen %q: %v\n", *listen, err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		fmt.Fprintf(stderr, "zhsearch healthcheck: %v\n", err)
		return 1
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if !*quiet {
			fmt.Fprintf(stderr, "zhsearch healthcheck: %s: %v\n", u, err)
		}
		return 1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		if !*quiet {
			fmt.Fprintf(stderr, "zhsearch healthcheck: %s: %s\n", u, resp.Status)
		}
		return 1
	}
	if !*quiet {
		fmt.Fprintf(stdout, "ready: %s\n", u)
	}
	return 0
}

// readyzURL turns a listen address into the URL of its /readyz.
func readyzURL(listen string) (string, error) {
	base, err := listenURL(listen)
	return base + "/readyz", err
}

// listenURL turns a listen address into the base URL a client on this
// machine asks. A server listening on every interface (0.0.0.0, ::, or no
// host) is asked on the loopback address.
func listenURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", errors.New("want host:port")
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1" // Go's wildcard listeners are dual-stack
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
