package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	// Logger receives the server's errors and warnings (nil: none), and a
	// line now and then while it is still starting.
	Logger *slog.Logger
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
// takes connections, its listeners fail (an address in use: the error
// says so at once), or ctx ends. Recovering a large JetStream store may
// take long, so there is no deadline of its own; on ctx's end the server
// is shut down in the background (a store read that cannot be
// interrupted, a hung disk, may hold it) and ctx's error returned.
func RunEmbedded(ctx context.Context, o EmbeddedOptions) (*Embedded, error) {
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
	fatal := make(chan error, 1)
	s.SetLogger(&natsLogger{log: o.Logger, fatal: fatal}, false, false)
	go s.Start()
	started := time.Now()
	for tick := 1; !s.ReadyForConnections(100 * time.Millisecond); tick++ {
		select {
		case err := <-fatal:
			go s.Shutdown()
			return nil, fmt.Errorf("embedded nats server %s: %w", o.Name, err)
		case <-ctx.Done():
			go s.Shutdown()
			return nil, fmt.Errorf("embedded nats server %s: still starting: %w", o.Name, ctx.Err())
		default:
		}
		if tick%100 == 0 && o.Logger != nil {
			o.Logger.Warn("the embedded NATS server is still starting (recovering its JetStream store?)",
				"name", o.Name, "store", o.StoreDir, "for", time.Since(started).Round(time.Second))
		}
	}
	return &Embedded{s: s}, nil
}

// natsLogger takes the embedded server's log: errors and warnings go to
// log, and a fatal error (a listener that cannot start) ends RunEmbedded's
// wait through fatal.
type natsLogger struct {
	log   *slog.Logger
	fatal chan error
}

func (l *natsLogger) Fatalf(format string, v ...any) {
	select {
	case l.fatal <- errors.New(fmt.Sprintf(format, v...)):
	default:
	}
}

func (l *natsLogger) Errorf(format string, v ...any) {
	if l.log != nil {
		l.log.Error("nats: "+fmt.Sprintf(format, v...), "component", "nats")
	}
}

func (l *natsLogger) Warnf(format string, v ...any) {
	if l.log != nil {
		l.log.Warn("nats: "+fmt.Sprintf(format, v...), "component", "nats")
	}
}

func (l *natsLogger) Noticef(string, ...any) {}
func (l *natsLogger) Debugf(string, ...any)  {}
func (l *natsLogger) Tracef(string, ...any)  {}

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
