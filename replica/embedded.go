package replica

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions configure a NATS server run inside the process
// (--nats-embedded): for trying replication on one machine, and for the
// tests. In production run a NATS cluster of its own (docs/scale.md).
type EmbeddedOptions struct {
	// Name is the server's name, unique in its cluster.
	Name string
	// Listen is the client address, host:port ("127.0.0.1:4222").
	Listen string
	// StoreDir holds JetStream's files; the server keeps its stream there
	// across restarts.
	StoreDir string
	// ClusterName, ClusterListen and Routes join servers into a JetStream
	// cluster: ClusterListen is this server's route address (host:port),
	// Routes the route addresses of all servers (its own may be listed).
	// Empty ClusterListen runs a single server (use stream replicas 1).
	ClusterName   string
	ClusterListen string
	Routes        []string
}

// MaxPayload is the largest message the embedded server accepts: an
// article may hold 1 MiB of text (article.MaxArticleBytes), and its JSON
// more. A separate NATS cluster needs max_payload set as high.
const MaxPayload = 8 << 20

// Embedded is a running embedded NATS server.
type Embedded struct {
	s *server.Server
}

// RunEmbedded starts a NATS server with JetStream and waits until it
// takes connections.
func RunEmbedded(o EmbeddedOptions) (*Embedded, error) {
	host, port, err := splitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("nats listen address %q: %w", o.Listen, err)
	}
	opts := &server.Options{
		ServerName: o.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		MaxPayload: MaxPayload,
		NoSigs:     true, // the program handles signals
		NoLog:      true,
	}
	if o.ClusterListen != "" {
		ch, cp, err := splitHostPort(o.ClusterListen)
		if err != nil {
			return nil, fmt.Errorf("nats cluster address %q: %w", o.ClusterListen, err)
		}
		name := o.ClusterName
		if name == "" {
			name = "zhsearch"
		}
		opts.Cluster = server.ClusterOpts{Name: name, Host: ch, Port: cp}
		var routes []string
		for _, r := range o.Routes {
			if !strings.Contains(r, "://") {
				r = "nats-route://" + r
			}
			routes = append(routes, r)
		}
		opts.Routes = server.RoutesFromStr(strings.Join(routes, ","))
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("embedded nats server %s did not start listening on %s", o.Name, o.Listen)
	}
	return &Embedded{s: s}, nil
}

// ClientURL is the URL clients connect to.
func (e *Embedded) ClientURL() string { return e.s.ClientURL() }

// Shutdown stops the server and waits until it has.
func (e *Embedded) Shutdown() {
	e.s.Shutdown()
	e.s.WaitForShutdown()
}

func splitHostPort(hp string) (string, int, error) {
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	return h, n, nil
}
