// Package alert keeps saved searches (alerts) and matches every article
// written after an alert was saved against it: the matches are recorded
// durably, listed, streamed to subscribers and, for an alert with a
// webhook, POSTed to it signed with the alert's secret.
//
// The alerts, their matches, the writes waiting to be matched and the
// webhook deliveries waiting to be made live in one bbolt file in the data
// directory (store.go): bbolt is already in the build (through bleve),
// keeps every committed transaction through a crash (it fsyncs before a
// commit returns), and gives ordered keys, so matches page and stream by
// their sequence number.
//
// Matching (match.go) runs on a goroutine of its own: the index's write
// hook records the ids of a write as pending, in the same file, before the
// write is acknowledged, and queues the analysed articles; the matcher
// runs every alert on an in-memory index of what is queued
// (index.Index.Match) and records the matches and clears the pending
// entries in one transaction. After a crash, Open matches what was left
// pending again. A match is recorded once per alert and article: a
// rewrite of an article an alert already matched does not match again.
//
// The package depends on index (the requests, the written articles and
// the matching) and knows nothing of HTTP serving; package api serves it.
package alert

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
)

// Errors callers match with errors.Is.
var (
	ErrNotFound = errors.New("alert not found")
	// ErrInvalid is a saved search that cannot be saved as it is; the
	// message says what to change.
	ErrInvalid = errors.New("invalid alert")
	// ErrHostNotAllowed is a webhook URL whose host is not on the
	// allowlist (Options.AllowHosts).
	ErrHostNotAllowed = errors.New("webhook host not allowed")
	ErrClosed         = errors.New("alerts closed")
)

// Index is what alerts need of the search index (index.Index).
type Index interface {
	CheckStanding(r index.Request) error
	Match(ctx context.Context, ws []*index.Written, reqs []index.Request) ([][]string, []error, error)
	WrittenOf(ctx context.Context, ids []string) (*index.Written, error)
}

// Spec is a saved search as a client gives it: the search API's query and
// filters, by the search API's names, an optional name and webhook.
type Spec struct {
	Name    string   `json:"name,omitempty"`
	Query   string   `json:"q"`
	Section []string `json:"section,omitempty"`
	Author  []string `json:"author,omitempty"`
	Tag     []string `json:"tag,omitempty"`
	Source  []string `json:"source,omitempty"`
	// Since and Until bound published_at as in a search; a relative date
	// (-7d, today) is resolved when each article is matched.
	Since string `json:"since,omitempty"`
	Until string `json:"until,omitempty"`
	// Synonyms is on (the default), phrases or off, as in a search.
	Synonyms string `json:"synonyms,omitempty"`
	Webhook  string `json:"webhook,omitempty"`
}

// Limits of a saved search.
const (
	MaxNameRunes  = 200
	MaxQueryRunes = 500
	MaxWebhookLen = 2048
	MaxAlerts     = 10000
)

// Alert is a saved search with what it has matched.
type Alert struct {
	ID string `json:"id"`
	Spec
	CreatedAt   time.Time  `json:"created_at"`
	Matches     int        `json:"matches"`
	LastMatchAt *time.Time `json:"last_match_at,omitempty"`
	// Delivery is the webhook's state; nil without a webhook.
	Delivery *Delivery `json:"delivery,omitempty"`
}

// Delivery is the state of an alert's webhook deliveries.
type Delivery struct {
	Delivered     int        `json:"delivered"`
	Pending       int        `json:"pending"` // waiting for a first attempt or a retry
	Failed        int        `json:"failed"`  // given up after retrying for Options.RetryFor
	Attempts      int        `json:"attempts"`
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	LastStatus    int        `json:"last_status,omitempty"` // HTTP status of the last attempt; 0 if none came
	LastError     string     `json:"last_error,omitempty"`
}

// Created is the answer to Create: the alert and, once, its webhook
// secret.
type Created struct {
	Alert
	Secret string `json:"secret,omitempty"`
}

// Match is one article an alert matched.
type Match struct {
	Seq         uint64    `json:"id"` // increasing over all alerts: the stream's event id and the cursor
	AlertID     string    `json:"alert_id"`
	ArticleID   string    `json:"article_id"`
	Title       string    `json:"title"`
	URL         string    `json:"url,omitempty"`
	Source      string    `json:"source,omitempty"`
	PublishedAt string    `json:"published_at,omitempty"`
	MatchedAt   time.Time `json:"matched_at"`
}

// MatchPage is a page of an alert's matches, oldest first.
type MatchPage struct {
	AlertID string  `json:"alert_id"`
	Matches []Match `json:"matches"`
	// Next is the since of the next page ("" at the end for now: ask
	// again with the last match's id for newer ones).
	Next string `json:"next,omitempty"`
}

// Options configure the alerts.
type Options struct {
	// Path is the bbolt file; "" keeps one in a temporary directory,
	// removed by Close (for a server without a data directory).
	Path  string
	Index Index
	// Synonyms returns the current synonym list, for alerts with
	// synonyms on; nil: none.
	Synonyms func() index.Expander
	// Location is the newsroom's zone, for relative dates; nil is
	// index.DefaultLocation().
	Location *time.Location
	// AllowHosts are the hosts webhooks may call ("example.com", or
	// ".example.com" for it and its subdomains); empty allows loopback
	// addresses only.
	AllowHosts []string
	// Now is the clock of the recorded times; nil is time.Now.
	Now func() time.Time
	// Backoff is the wait before retry n (1, 2, …) of a delivery; nil is
	// DefaultBackoff.
	Backoff func(n int) time.Duration
	// RetryFor bounds how long a delivery is retried after its first
	// attempt; 0 is DefaultRetryFor.
	RetryFor time.Duration
	// Client makes the webhook calls; nil is a client that refuses to
	// connect anywhere but loopback when AllowHosts is empty and follows
	// no redirect.
	Client *http.Client
	// MaxQueued is how many written articles may wait to be matched
	// before writers wait for the matcher; 0 is DefaultMaxQueued.
	MaxQueued int
	// NoDeliver leaves webhooks undelivered (zhsearch import: the server
	// delivers them when it starts).
	NoDeliver bool
	// Coordinator shares the webhook calls among replicas that all match
	// every write (replicated servers): only its leader calls, and what
	// one replica delivered no other calls again. nil: this server calls.
	Coordinator Coordinator
	// CoordinatorPoll is how often a replica that is not the leader looks
	// for the outcomes of its waiting deliveries; 0 is two seconds.
	CoordinatorPoll time.Duration
	Logger          *slog.Logger
}

// Coordinator decides which of several replicas makes the webhook calls
// and keeps what became of each delivery where every replica reads it
// (package replica keeps both in NATS JetStream key-value buckets). Keys
// are EventKey values.
type Coordinator interface {
	// Leader reports whether this replica makes the calls now.
	Leader() bool
	// Outcome is the recorded outcome of a delivery (OutcomeDelivered or
	// OutcomeFailed), "" if none is recorded.
	Outcome(ctx context.Context, key string) (string, error)
	// Record records the outcome of a delivery.
	Record(ctx context.Context, key, outcome string) error
}

// Defaults of Options.
const (
	DefaultRetryFor  = time.Hour
	DefaultMaxQueued = 20000
)

// DefaultBackoff waits 1 s before the first retry and doubles each time,
// up to 5 minutes: within DefaultRetryFor a delivery is tried about 17
// times.
func DefaultBackoff(n int) time.Duration {
	d := time.Second << min(n-1, 20)
	return min(d, 5*time.Minute)
}

// Service keeps the alerts. It is safe for concurrent use.
type Service struct {
	opts   Options
	log    *slog.Logger
	db     *store
	tmpDir string

	mu     sync.Mutex
	specs  map[string]specEntry // the alerts, for the matcher
	last   uint64               // the newest match's Seq
	change chan struct{}        // closed when matches are recorded

	// the matcher's queue (match.go)
	qmu     sync.Mutex
	qcond   *sync.Cond
	queue   []*queued
	queued  int  // articles in queue
	busy    bool // the matcher holds items taken from queue
	closing bool
	matched sync.WaitGroup

	// deliveries (webhook.go)
	wake      chan struct{}
	stop      chan struct{}
	streams   chan struct{} // closed by StopStreams
	stopOnce  sync.Once
	delivered sync.WaitGroup
	client    *http.Client
}

// specEntry is an alert as the matcher needs it.
type specEntry struct {
	seq  uint64 // creation order
	spec Spec
}

// Open opens (or creates) the alerts at opts.Path, matches the writes a
// crash left pending and starts matching and delivering.
func Open(ctx context.Context, opts Options) (*Service, error) {
	if opts.Index == nil {
		return nil, errors.New("alert.Open: no index")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = DefaultRetryFor
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = DefaultMaxQueued
	}
	if opts.CoordinatorPoll <= 0 {
		opts.CoordinatorPoll = 2 * time.Second
	}
	if opts.Location == nil {
		opts.Location = index.DefaultLocation()
	}
	s := &Service{opts: opts, log: opts.Logger, change: make(chan struct{}),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), streams: make(chan struct{})}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.qcond = sync.NewCond(&s.qmu)
	s.client = opts.Client
	if s.client == nil {
		s.client = guardedClient(len(opts.AllowHosts) == 0)
	}
	path := opts.Path
	if path == "" {
		dir, err := os.MkdirTemp("", "zhsearch-alerts-*")
		if err != nil {
			return nil, err
		}
		s.tmpDir, path = dir, filepath.Join(dir, "alerts.db")
	}
	db, err := openStore(path)
	if err != nil {
		s.removeTmp()
		return nil, err
	}
	s.db = db
	specs, last, err := db.load()
	if err != nil {
		_ = db.close()
		s.removeTmp()
		return nil, err
	}
	s.specs, s.last = specs, last
	if err := s.recover(ctx); err != nil {
		_ = db.close()
		s.removeTmp()
		return nil, err
	}
	s.matched.Add(1)
	go s.matchLoop()
	if !opts.NoDeliver {
		s.delivered.Add(1)
		go s.deliverLoop()
	}
	return s, nil
}

func (s *Service) removeTmp() {
	if s.tmpDir != "" {
		_ = os.RemoveAll(s.tmpDir)
	}
}

// Close matches what is queued, stops delivering and closes the file.
func (s *Service) Close() error {
	s.StopStreams()
	s.qmu.Lock()
	s.closing = true
	s.qcond.Broadcast()
	s.qmu.Unlock()
	s.matched.Wait()
	close(s.stop)
	s.delivered.Wait()
	err := s.db.close()
	s.removeTmp()
	return err
}

// StopStreams ends every stream of matches (Done is closed): a server
// shutting down calls it so that streams do not hold the shutdown.
func (s *Service) StopStreams() { s.stopOnce.Do(func() { close(s.streams) }) }

// Done is closed once streams should end.
func (s *Service) Done() <-chan struct{} { return s.streams }

// Create saves an alert: the spec is checked (query, filters, webhook
// host), and the answer holds the webhook secret, which no later answer
// shows.
func (s *Service) Create(ctx context.Context, sp Spec) (*Created, error) {
	c, err := s.Prepare(ctx, sp)
	if err != nil {
		return nil, err
	}
	if _, err := s.Put(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Prepare checks a spec and makes the alert Create would save, with its
// id, creation time and secret, without saving it: a replicated server
// publishes it, and every replica saves the same alert with Put.
func (s *Service) Prepare(ctx context.Context, sp Spec) (*Created, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sp, err := s.check(sp)
	if err != nil {
		return nil, err
	}
	id, err := randomHex(8)
	if err != nil {
		return nil, err
	}
	secret := ""
	if sp.Webhook != "" {
		if secret, err = randomHex(32); err != nil {
			return nil, err
		}
	}
	a := Alert{ID: "al_" + id, Spec: sp, CreatedAt: s.opts.Now().UTC()}
	if sp.Webhook != "" {
		a.Delivery = &Delivery{}
	}
	s.mu.Lock()
	n := len(s.specs)
	s.mu.Unlock()
	if n >= MaxAlerts {
		return nil, fmt.Errorf("%w: there are %d alerts already, the most this server keeps; delete some first", ErrInvalid, n)
	}
	return &Created{Alert: a, Secret: secret}, nil
}

// Put saves an alert that Prepare made (here or on another replica) and
// reports whether it was new: an alert already saved under its id is left
// as it is, so applying the same alert twice changes nothing. From now
// on every write is matched against it.
func (s *Service) Put(ctx context.Context, c *Created) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if c == nil || !strings.HasPrefix(c.ID, "al_") || c.Query == "" {
		return false, fmt.Errorf("%w: an alert without an id or a query", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.specs[c.ID]; ok {
		return false, nil
	}
	if len(s.specs) >= MaxAlerts {
		return false, fmt.Errorf("%w: there are %d alerts already, the most this server keeps; delete some first", ErrInvalid, len(s.specs))
	}
	a := c.Alert
	if a.Webhook != "" && a.Delivery == nil {
		a.Delivery = &Delivery{}
	}
	seq, err := s.db.putAlert(&a, c.Secret)
	if err != nil {
		return false, err
	}
	s.specs[a.ID] = specEntry{seq: seq, spec: a.Spec}
	return true, nil
}

// check normalises a spec and refuses one that cannot be saved.
func (s *Service) check(sp Spec) (Spec, error) {
	sp.Name = strings.TrimSpace(sp.Name)
	sp.Query = strings.TrimSpace(sp.Query)
	sp.Webhook = strings.TrimSpace(sp.Webhook)
	sp.Since, sp.Until = strings.TrimSpace(sp.Since), strings.TrimSpace(sp.Until)
	for _, l := range []*[]string{&sp.Section, &sp.Author, &sp.Tag, &sp.Source} {
		*l = slices.DeleteFunc(*l, func(v string) bool { return strings.TrimSpace(v) == "" })
	}
	switch {
	case sp.Query == "":
		return sp, fmt.Errorf("%w: q: the query is missing or empty", ErrInvalid)
	case utf8.RuneCountInString(sp.Query) > MaxQueryRunes:
		return sp, fmt.Errorf("%w: q: the query is over %d characters", ErrInvalid, MaxQueryRunes)
	case utf8.RuneCountInString(sp.Name) > MaxNameRunes:
		return sp, fmt.Errorf("%w: name: over %d characters", ErrInvalid, MaxNameRunes)
	case len(sp.Webhook) > MaxWebhookLen:
		return sp, fmt.Errorf("%w: webhook: the URL is over %d bytes", ErrInvalid, MaxWebhookLen)
	}
	switch sp.Synonyms {
	case "", "on", "phrases", "off":
	default:
		return sp, fmt.Errorf("%w: synonyms: want on (the default), phrases or off", ErrInvalid)
	}
	if sp.Webhook != "" {
		if err := checkWebhook(sp.Webhook, s.opts.AllowHosts); err != nil {
			return sp, err
		}
	}
	r, err := s.request(sp)
	if err != nil {
		return sp, err
	}
	if err := s.opts.Index.CheckStanding(r); err != nil {
		return sp, err
	}
	return sp, nil
}

// request is the search request of a spec now: relative dates resolved,
// the current synonyms.
func (s *Service) request(sp Spec) (index.Request, error) {
	r := index.Request{Query: sp.Query, Sections: sp.Section, Authors: sp.Author, Tags: sp.Tag, Sources: sp.Source}
	now := s.opts.Now()
	var err error
	if r.Since, err = article.ResolveRelative(sp.Since, now, s.opts.Location); err != nil {
		return r, fmt.Errorf("%w: since: %w", ErrInvalid, err)
	}
	if r.Until, err = article.ResolveRelative(sp.Until, now, s.opts.Location); err != nil {
		return r, fmt.Errorf("%w: until: %w", ErrInvalid, err)
	}
	if sp.Synonyms != "off" && s.opts.Synonyms != nil {
		r.Synonyms = s.opts.Synonyms()
		r.SynonymPhrases = sp.Synonyms == "phrases"
	}
	return r, nil
}

// List returns every alert, oldest first.
func (s *Service) List(ctx context.Context) ([]Alert, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.db.listAlerts()
}

// Get returns one alert; ErrNotFound if unknown.
func (s *Service) Get(ctx context.Context, id string) (*Alert, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.db.getAlert(id)
}

// Delete removes an alert, its matches and its deliveries waiting;
// ErrNotFound if unknown.
func (s *Service) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.db.deleteAlert(id); err != nil {
		return err
	}
	delete(s.specs, id)
	return nil
}

// Matches pages through an alert's matches after the match with Seq
// after (0: from the first), limit at a time.
func (s *Service) Matches(ctx context.Context, id string, after uint64, limit int) (*MatchPage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ms, more, err := s.db.alertMatches(id, after, limit)
	if err != nil {
		return nil, err
	}
	p := &MatchPage{AlertID: id, Matches: ms}
	if more {
		p.Next = fmt.Sprint(ms[len(ms)-1].Seq)
	}
	return p, nil
}

// Latest returns an alert's newest limit matches, newest first (a list
// of what it found lately; Matches pages through all of them).
func (s *Service) Latest(ctx context.Context, id string, limit int) (*MatchPage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ms, err := s.db.latestMatches(id, limit)
	if err != nil {
		return nil, err
	}
	return &MatchPage{AlertID: id, Matches: ms}, nil
}

// MatchesAt is the Seq of the first match recorded at or after t: a
// since given as a time starts after the match before it.
func (s *Service) MatchesAt(ctx context.Context, id string, t time.Time) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.db.seqAt(id, t)
}

// After returns up to limit matches of every alert (or of alertID when
// it is not "") with a Seq above after, oldest first: a stream's replay.
func (s *Service) After(ctx context.Context, after uint64, alertID string, limit int) ([]Match, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.db.matchesAfter(after, alertID, limit)
}

// Last is the Seq of the newest match (0 if none), and a channel closed
// when a newer one is recorded.
func (s *Service) Last() (uint64, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, s.change
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a random id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
