package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // a scratch container has no zoneinfo: carry it in the binary

	gbytes "github.com/labstack/gommon/bytes"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/query"
)

// Config is everything the server is told at start-up: one value built
// from flags, each with an environment twin; a flag given on the command
// line wins over its variable.
type Config struct {
	Listen string
	Data   string
	// Seed: index the demo seed page into a new index. Unless set, it is
	// on only for the in-memory index (Data empty): a newsroom's data
	// directory starts empty.
	Seed     bool
	seedAuto bool
	Dict     string
	// MaxDictWords bounds the newsroom dictionary (index.SetMaxWords).
	MaxDictWords int
	// Synonyms is a synonym list file (package synonym) added at start.
	Synonyms string
	// Snapshots is where POST /v1/admin/snapshot writes; "" is next to Data.
	Snapshots string
	// KeepSnapshots is how many snapshots are kept; older ones go.
	KeepSnapshots int
	APIKeys       []string
	ReadKeys      []string
	CORSOrigins   []string
	AlertHosts    []string
	LogFormat     string
	LogLevel      string
	Timezone      *time.Location

	MaxBodyBytes          int64
	MaxQueryLen           int
	MaxSize               int
	RequestTimeout        time.Duration
	WriteDeadline         time.Duration
	MaxConcurrentSearches int
	MaxExport             int

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownGrace     time.Duration
	CompactIdle       time.Duration

	// Replication (package replica, docs/scale.md).
	Replicate         []string // NATS URLs; empty runs a single node
	NATSEmbedded      bool
	NATSListen        string
	NATSName          string
	NATSClusterListen string
	NATSRoutes        []string
	StreamReplicas    int
	MaxLag            int
	PublishTimeout    time.Duration
}

// setting is one flag with its environment variable.
type setting struct {
	name, env, def, usage string
	set                   func(string) error // parses and stores a value
	secret                bool               // never printed
}

// settings declares every setting of serve. The order is the order of
// `zhsearch serve --help` and of the README's table.
func (c *Config) settings() []setting {
	str := func(dst *string, check func(string) error) func(string) error {
		return func(v string) error {
			if check != nil {
				if err := check(v); err != nil {
					return err
				}
			}
			*dst = v
			return nil
		}
	}
	list := func(dst *[]string, check func(string) error) func(string) error {
		return func(v string) error {
			var out []string
			for _, item := range strings.Split(v, ",") {
				if item = strings.TrimSpace(item); item == "" {
					continue
				}
				if check != nil {
					if err := check(item); err != nil {
						return err
					}
				}
				out = append(out, item)
			}
			*dst = out
			return nil
		}
	}
	boolean := func(dst *bool) func(string) error {
		return func(v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			*dst = b
			return nil
		}
	}
	positive := func(dst *int, max int) func(string) error {
		return func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || (max > 0 && n > max) {
				if max > 0 {
					return fmt.Errorf("want a whole number from 1 to %d", max)
				}
				return errors.New("want a whole number of 1 or more")
			}
			*dst = n
			return nil
		}
	}
	duration := func(dst *time.Duration) func(string) error {
		return func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return errors.New("want a positive duration such as 500ms, 10s or 1m")
			}
			*dst = d
			return nil
		}
	}
	size := func(dst *int64) func(string) error {
		return func(v string) error {
			n, err := gbytes.Parse(v)
			if err != nil || n < 1 {
				return errors.New("want a size such as 1048576, 512KiB or 8MiB")
			}
			*dst = n
			return nil
		}
	}
	oneOf := func(vals ...string) func(string) error {
		return func(v string) error {
			for _, ok := range vals {
				if v == ok {
					return nil
				}
			}
			return fmt.Errorf("want one of %s", strings.Join(vals, ", "))
		}
	}
	return []setting{
		{"listen", "ZHSEARCH_LISTEN", "127.0.0.1:8080", "address to serve HTTP on; 0.0.0.0:8080 for every interface", str(&c.Listen, checkListen), false},
		{"data", "ZHSEARCH_DATA", "", "data directory: the index in DIR/index (opened, or created if new) under an exclusive lock; empty keeps an in-memory index", str(&c.Data, nil), false},
		{"seed", "ZHSEARCH_SEED", "auto", "index the embedded seed page (a demo) into a new index: true or false; auto: only the in-memory index, so a --data directory starts empty", func(v string) error {
			c.seedAuto = v == "auto"
			if c.seedAuto {
				return nil
			}
			return boolean(&c.Seed)(v)
		}, false},
		{"snapshots", "ZHSEARCH_SNAPSHOTS", "", "directory of the snapshots POST /v1/admin/snapshot makes, each a data directory serve --data can use; empty: the --data directory's name + -snapshots", str(&c.Snapshots, nil), false},
		{"keep-snapshots", "ZHSEARCH_KEEP_SNAPSHOTS", "7", "snapshots kept in --snapshots: after a new one is written, the oldest past this number are removed", positive(&c.KeepSnapshots, 0), false},
		{"dict", "ZHSEARCH_DICT", "", "newsroom dictionary file on top of gse's: one `word [freq [pos]]` a line, # comments; an error names the file and line", str(&c.Dict, nil), false},
		{"max-dict-words", "ZHSEARCH_MAX_DICT_WORDS", strconv.Itoa(index.DefaultMaxWords), "most words the newsroom dictionary (--dict and POST /v1/dictionary) may hold; past it a POST answers 409 dictionary_full. Each 10,000 words cost memory (docs/operations.md)", positive(&c.MaxDictWords, 0), false},
		{"synonyms", "ZHSEARCH_SYNONYMS", "", "synonym list added at start to the one kept in the data directory: `a, b, c` (equivalent) or `a => b` (one-way) a line, # comments; an error names the file and line", str(&c.Synonyms, nil), false},
		{"api-key", "ZHSEARCH_API_KEY", "", "comma-separated keys that may write (Authorization: Bearer KEY); without one, writes only from loopback. Prefer the variable: flags show in ps", list(&c.APIKeys, nil), true},
		{"read-key", "ZHSEARCH_READ_KEY", "", "comma-separated keys required to read /v1 (API keys also read); empty leaves reads open", list(&c.ReadKeys, nil), true},
		{"cors-origins", "ZHSEARCH_CORS_ORIGINS", "", "comma-separated browser origins allowed to call the API (https://news.example.com, or *); empty turns CORS off", list(&c.CORSOrigins, checkOrigin), false},
		{"alert-hosts", "ZHSEARCH_ALERT_HOSTS", "", "comma-separated hosts alert webhooks may call (hooks.example.com, or .example.com for it and its subdomains); empty: loopback addresses only", list(&c.AlertHosts, nil), false},
		{"log-format", "ZHSEARCH_LOG_FORMAT", "text", "log format: text or json", str(&c.LogFormat, oneOf("text", "json")), false},
		{"log-level", "ZHSEARCH_LOG_LEVEL", "info", "log level: debug, info, warn or error", str(&c.LogLevel, oneOf("debug", "info", "warn", "error")), false},
		{"timezone", "ZHSEARCH_TIMEZONE", "Asia/Shanghai", "the newsroom's zone: date-only values are days there (IANA name)", func(v string) error {
			loc, err := time.LoadLocation(v)
			if err != nil || v == "" {
				return errors.New("want an IANA zone name such as Asia/Shanghai or UTC")
			}
			c.Timezone = loc
			return nil
		}, false},
		{"max-body", "ZHSEARCH_MAX_BODY", "64MiB", "largest request body accepted (an NDJSON import included); larger answers 413", size(&c.MaxBodyBytes), false},
		{"max-query-len", "ZHSEARCH_MAX_QUERY_LEN", strconv.Itoa(query.MaxRunes), "most characters in a query (q, prefix, text); longer answers 400; at most the parser's " + strconv.Itoa(query.MaxRunes), positive(&c.MaxQueryLen, query.MaxRunes), false},
		{"max-size", "ZHSEARCH_MAX_SIZE", strconv.Itoa(index.MaxSize), "most hits a page (size); larger answers 400", positive(&c.MaxSize, index.MaxSize), false},
		{"request-timeout", "ZHSEARCH_REQUEST_TIMEOUT", api.DefaultRequestTimeout.String(), "deadline of a read of the API, the search included (one deadline); past it answers 503", duration(&c.RequestTimeout), false},
		{"write-deadline", "ZHSEARCH_WRITE_DEADLINE", "30s", "deadline of each write to the index (an article, a page, a batch of NDJSON lines); past it the write stores nothing and answers 503", duration(&c.WriteDeadline), false},
		{"max-searches", "ZHSEARCH_MAX_SEARCHES", "16", "searches running at once; as many more wait up to 250ms, the rest answer 503 with Retry-After", positive(&c.MaxConcurrentSearches, 0), false},
		{"export-max", "ZHSEARCH_EXPORT_MAX", "100000", "most hits GET /v1/export streams; past it the file says it was cut short", positive(&c.MaxExport, 0), false},
		{"read-header-timeout", "ZHSEARCH_READ_HEADER_TIMEOUT", "5s", "time a client has to send the request headers (slowloris guard)", duration(&c.ReadHeaderTimeout), false},
		{"read-timeout", "ZHSEARCH_READ_TIMEOUT", "30s", "time a client has to send the whole request", duration(&c.ReadTimeout), false},
		{"write-timeout", "ZHSEARCH_WRITE_TIMEOUT", "60s", "time to write an answer; must exceed --request-timeout", duration(&c.WriteTimeout), false},
		{"idle-timeout", "ZHSEARCH_IDLE_TIMEOUT", "120s", "how long an idle keep-alive connection stays open", duration(&c.IdleTimeout), false},
		{"compact-idle", "ZHSEARCH_COMPACT_IDLE", "10s", "when writes have paused this long (or since start), merge the index's segments into one if those besides the largest hold 10% of the articles (smaller, faster index); 0 never", func(v string) error {
			if v == "0" {
				c.CompactIdle = 0
				return nil
			}
			return duration(&c.CompactIdle)(v)
		}, false},
		{"shutdown-grace", "ZHSEARCH_SHUTDOWN_GRACE", "15s", "on SIGTERM/SIGINT, how long in-flight requests may finish", duration(&c.ShutdownGrace), false},
		{"replicate", "ZHSEARCH_REPLICATE", "", "comma-separated NATS URLs (nats://host:4222,...): every write goes through a JetStream stream that every replica applies (docs/scale.md); empty runs a single node", list(&c.Replicate, checkNATSURL), false},
		{"nats-embedded", "ZHSEARCH_NATS_EMBEDDED", "false", "run a NATS server with JetStream inside this process (its files in DATA/nats) and replicate through it: for trying replication on one machine", boolean(&c.NATSEmbedded), false},
		{"nats-listen", "ZHSEARCH_NATS_LISTEN", "127.0.0.1:4222", "client address of the embedded NATS server", str(&c.NATSListen, checkListen), false},
		{"nats-name", "ZHSEARCH_NATS_NAME", "", "name of the embedded NATS server, unique in its cluster; empty: zhsearch-PORT", str(&c.NATSName, nil), false},
		{"nats-cluster-listen", "ZHSEARCH_NATS_CLUSTER_LISTEN", "", "route address (host:port) of the embedded NATS server in a cluster of embedded servers; empty runs it alone", str(&c.NATSClusterListen, checkOptionalListen), false},
		{"nats-routes", "ZHSEARCH_NATS_ROUTES", "", "comma-separated route addresses (host:port) of every embedded NATS server of the cluster", list(&c.NATSRoutes, checkListen), false},
		{"stream-replicas", "ZHSEARCH_STREAM_REPLICAS", "3", "copies JetStream keeps of the write stream (3 tolerates one NATS server down); an embedded server alone uses 1", positive(&c.StreamReplicas, 5), false},
		{"max-lag", "ZHSEARCH_MAX_LAG", "100", "messages a replica may be behind the stream and still be ready (/readyz)", positive(&c.MaxLag, 0), false},
		{"publish-timeout", "ZHSEARCH_PUBLISH_TIMEOUT", "5s", "how long a write waits for JetStream to store it on a quorum; past it the write answers 503", duration(&c.PublishTimeout), false},
	}
}

func checkListen(v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil {
		return errors.New("want host:port, such as 127.0.0.1:8080 or :8080")
	}
	return nil
}

func checkOptionalListen(v string) error {
	if v == "" {
		return nil
	}
	return checkListen(v)
}

func checkNATSURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
		return fmt.Errorf("%q is not a NATS URL: want nats://host:4222", v)
	}
	return nil
}

func checkOrigin(v string) error {
	if v == "*" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("%q is not an origin: want scheme://host[:port], such as https://news.example.com", v)
	}
	return nil
}

// flagValue adapts a setting to flag.Value.
type flagValue struct {
	s   setting
	cur string
}

func (f *flagValue) String() string {
	if f == nil {
		return ""
	}
	return f.cur
}

func (f *flagValue) Set(v string) error {
	if err := f.s.set(v); err != nil {
		return err
	}
	f.cur = v
	return nil
}

// IsBoolFlag lets a boolean setting stand alone (--seed for --seed=true); seed's default is auto.
func (f *flagValue) IsBoolFlag() bool {
	return f.s.def == "true" || f.s.def == "false" || f.s.def == "auto"
}

// parseConfig builds the Config from args and the environment. It returns
// flag.ErrHelp after printing the help, or an error naming the setting.
func parseConfig(name string, args []string, getenv func(string) string, out io.Writer) (*Config, []string, error) {
	c := &Config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sets := c.settings()
	for _, s := range sets {
		if err := s.set(s.def); err != nil {
			return nil, nil, fmt.Errorf("default of --%s: %w", s.name, err) // a bug, caught by the tests
		}
		fs.Var(&flagValue{s: s, cur: s.def}, s.name, s.usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(out, name, sets)
			return nil, nil, err
		}
		return nil, nil, err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, s := range sets {
		if given[s.name] {
			continue
		}
		if v, ok := lookupEnv(getenv, s.env); ok {
			if err := s.set(v); err != nil {
				shown := v
				if s.secret {
					shown = "…"
				}
				return nil, nil, fmt.Errorf("%s=%q: %w", s.env, shown, err)
			}
		}
	}
	if c.seedAuto {
		c.Seed = c.Data == ""
	}
	if c.WriteTimeout <= c.RequestTimeout {
		return nil, nil, fmt.Errorf("--write-timeout (%s) must exceed --request-timeout (%s), or answers past the deadline are cut off", c.WriteTimeout, c.RequestTimeout)
	}
	return c, fs.Args(), nil
}

// lookupEnv reads a variable; an empty value counts as unset.
func lookupEnv(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

func printHelp(out io.Writer, name string, sets []setting) {
	fmt.Fprintf(out, "Usage: %s [flags]\n\nEvery flag has an environment twin; a flag on the command line wins.\n\n", name)
	for _, s := range sets {
		def := s.def
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(out, "  --%s (env %s, default %s)\n      %s\n", s.name, s.env, def, s.usage)
	}
}

// envOr reads a variable, with a default when it is unset or empty; the
// subcommands that take a few settings of their own use it.
func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}
