package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// Server is `baton serve`: a Host with its HTTP endpoints.
//
//	GET/POST /webhooks/whatsapp   the WhatsApp Cloud API webhook
//	POST /webhooks/telegram/{name} a Telegram bot's webhook
//	/ and /api/…                  the web chat (every widget also under /web/{name}/)
//	GET /api/tickets              the captured tickets, without a helpdesk
//	POST /bridge/zendesk|freshdesk|webhook   agents' replies, ticket changes
//	GET /metrics                  Prometheus
//	GET /healthz                  the process is up
//	GET /readyz                   the workers run and the store answers
type Server struct {
	Host    *Host
	Metrics *Metrics
	cfg     *config.Config
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler // mux behind the Host check (hostCheck)
	// spared are the path prefixes the Host check serves for any name.
	spared  []string
	store   flows.Store
	ready   atomic.Bool
	noWatch bool
	// closers end what would hold a graceful shutdown (web event streams).
	closers []func()
	// recorder writes the analytics events (closed after the host stops).
	recorder *analytics.Recorder
	flows    map[string]*flows.Flow // loaded once per path while the accounts are set up, then nil
	// cfgSum is the config file's digest when the server was built (nil
	// without one: `baton serve FLOW`), for Reload to say it changed.
	cfgSum *[32]byte
}

// ServerOptions are what `baton serve` adds to a config.
type ServerOptions struct {
	Logger *slog.Logger
	// Store replaces the config's store (tests).
	Store flows.Store
	// HTTPClient is what channel senders, connectors and the LLM call out
	// with (default: one that keeps enough idle connections per host for
	// every worker, see outboundClient).
	HTTPClient *http.Client
	// Host options added last (tests: clocks, polls).
	Host []Option
	// Getenv reads the environment variables the config does not name
	// (the LLM's API key for OpenAI's own API: BATON_LLM_API_KEY,
	// OPENAI_API_KEY); default os.Getenv.
	Getenv func(string) string
	// Sandbox serves without a helpdesk and without calling out:
	// handoffs become tickets a CaptureConnector keeps (shown at GET
	// /api/tickets and in the log), and HTTP actions are answered by the
	// flows' sandbox: responses (`baton serve FLOW`).
	Sandbox bool
	// NoWatch turns off reloading the flows when their files change
	// (Reload still reloads them).
	NoWatch bool
	// Events, when set, is the analytics events file (overriding the
	// config's events.file).
	Events string
	// EventsText includes message texts in the analytics events
	// (overriding the config's events.text when it is false).
	EventsText bool
	// Connectors are the program's own connectors by name, beside the
	// built-in ones the config configures: one for each name the config
	// was loaded with (config.WithConnectors), and no other.
	Connectors map[string]flows.Connector
	// NewConnectors builds the program's own connectors by name, as
	// NewServer builds the built-in ones: each is called with the
	// options they get (handoff.ConfigOptions of the config, then
	// handoff.WithHTTPClient with HTTPClient or its default, and the
	// customer's media), so a connector that passes its options to a
	// handoff.Client sends through the server's client. A name the config
	// was loaded with is given here or in Connectors, not in both.
	NewConnectors map[string]ConnectorFunc
	// Accounts are the accounts of the program's own channels (an SMS
	// gateway...), served beside the config's: each with its Sender and
	// its flow file in Path, which NewServer loads and checks with the
	// config's flows, before the store is opened, and reloads as theirs.
	// The program mounts their webhook handlers (Server.Mount), which hand
	// each message to Server.Host. With them the config may have no
	// channels: of its own.
	Accounts []*Account
	// BeforeStore, when set, is called once the config, the flows and the
	// connectors passed their checks, just before the store is opened;
	// its error is NewServer's. `baton serve` binds its address there: an
	// address in use is said before a bolt file is created or waited for.
	BeforeStore func() error
}

// ConnectorFunc builds a program's own connector with the options NewServer
// gives the built-in ones (ServerOptions.NewConnectors).
type ConnectorFunc func(opts ...handoff.ConnectorOption) (flows.Connector, error)

// NewServer builds the host and its endpoints from cfg: the store, the
// channels with their flows, the helpdesk connectors and the bridge.
func NewServer(cfg *config.Config, o ServerOptions) (_ *Server, err error) {
	if cfg.Channels.Len() == 0 && len(o.Accounts) == 0 {
		return nil, fmt.Errorf("%s configures no channel; add one under channels: (web, whatsapp or telegram), or give a program's own in ServerOptions.Accounts", cfg.Source)
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, log: log, mux: http.NewServeMux(), noWatch: o.NoWatch}
	if sum, ok := configDigest(cfg.Source); ok && !o.Sandbox {
		s.cfgSum = &sum
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = outboundClient(cfg.Server.Workers)
	}
	// What the config and the flows can get wrong is found before the
	// store is opened: a run that exits over it leaves no database file
	// (a bolt store's) behind, and holds no lock.
	conns, err := s.preflight(o, hc)
	if err != nil {
		return nil, err
	}
	if o.BeforeStore != nil {
		if err := o.BeforeStore(); err != nil {
			return nil, err
		}
	}
	st := o.Store
	if st == nil {
		if st, err = openStore(cfg); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				_ = st.Close()
			}
		}()
	}
	s.store = st
	s.Metrics = NewMetrics(st, nil) // the store itself: it counts its pending items (flows.OutboxStats)
	s.Metrics.logTo(log)
	opts := []Option{WithLogger(log), WithMetrics(s.Metrics), WithWorkers(cfg.Server.Workers), WithHTTPTimeout(cfg.Server.HTTPTimeout), WithMaxMessage(cfg.Server.MaxMessage),
		WithHTTP(NewHTTPCaller(HTTPClient(hc), HTTPMaxResponse(cfg.Server.HTTPMaxResponse), HTTPMaxTimeout(max(cfg.Server.HTTPTimeout, MaxHTTPTimeout))))}
	if l := cfg.Server.Lease; l > 0 {
		opts = append(opts, WithLease(l), WithDeliverOptions(handoff.DeliverLease(l), handoff.DeliverTimeout(min(handoff.DefaultTimeout, l/2))))
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	nlu := NewNLU(cfg.Handoff, getenv, !o.Sandbox)
	nlu.client = hc // idle connections for every worker, as the channels'
	if msg := nlu.Notice(); msg != "" {
		log.Warn(msg)
	}
	opts = append(opts, WithNLU(nlu))
	if cfg.Store.Kind == config.StoreValkey {
		opts = append(opts, WithSharedStore(), WithVersionGrace(cfg.Server.VersionGrace)) // several processes may serve from it
	}
	if o.Sandbox {
		opts = append(opts, WithSandboxHTTP())
	} else if conns != nil {
		opts = append(opts, WithDeployment(cfg.Handoff, conns))
	}
	more, err := s.analyticsSetup(o.Events, o.EventsText)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil { // before the store, opened before them
			_ = s.recorder.Close()
		}
	}()
	opts = append(opts, more...)
	h, err := New(st, append(opts, o.Host...)...)
	if err != nil {
		return nil, err
	}
	s.Host = h
	if err := s.whatsapp(hc); err != nil {
		return nil, err
	}
	if err := s.telegram(hc); err != nil {
		return nil, err
	}
	if err := s.web(); err != nil {
		return nil, err
	}
	if err := s.media(); err != nil {
		return nil, err
	}
	if err := s.bridge(); err != nil {
		return nil, err
	}
	for _, a := range o.Accounts {
		f, err := s.flow(a.Path)
		if err != nil {
			return nil, err
		}
		if err := h.AddAccount(a, f); err != nil {
			return nil, err
		}
	}
	s.flows = nil // the accounts hold them now; a reload replaces them there
	if h.Capture() != nil && !o.Sandbox {
		log.Warn("the config names no helpdesk connector: handoffs are captured (in the log, and at GET /api/tickets on a loopback address), not sent; add a connectors: section to send them",
			"config", cfg.Source)
	}
	if c := h.Capture(); c != nil && !IsLoopback(cfg.Server.Listen) {
		log.Warn("GET /api/tickets is not served: the captured tickets hold every transcript and web conversation id, and the listen address is not a loopback one; they are in the log, or listen on 127.0.0.1",
			"listen", cfg.Server.Listen)
	} else if c != nil {
		s.mux.HandleFunc("GET /api/tickets", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(struct {
				Note    string           `json:"note"`
				Tickets []CapturedTicket `json:"tickets"`
			}{"no helpdesk is configured: these tickets were captured, not sent", c.Tickets()})
		})
	}
	s.mux.Handle("GET /metrics", s.Metrics.Handler())
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("GET /readyz", s.readyz)
	// Another method is 405, as the mux answers when nothing else
	// matches: the web chat at / would answer 404.
	for _, p := range []string{"/metrics", "/healthz", "/readyz"} {
		s.mux.HandleFunc(p, getOnly)
	}
	s.spared = append(s.spared, "/webhooks/", "/bridge/", "/metrics", "/healthz", "/readyz")
	s.handler = newHostCheck(s.mux, cfg.Server.Listen, cfg.Server.Hosts, s.spared, log)
	return s, nil
}

// preflight checks what the config and the flows may get wrong, before
// the store is opened: it loads the channels' flows (kept for the
// accounts), builds the helpdesk connectors (returned; nil without any,
// or in the sandbox) and the bridge's handlers, and checks the media
// links and the events' stream.
func (s *Server) preflight(o ServerOptions, hc *http.Client) (map[string]flows.Connector, error) {
	cfg := s.cfg
	for _, ref := range cfg.FlowRefs() {
		if _, err := s.flow(ref.Path); err != nil {
			return nil, err
		}
	}
	for _, a := range o.Accounts {
		if err := checkAccount(a); err != nil {
			return nil, fmt.Errorf("ServerOptions.Accounts: %w", err)
		}
		switch {
		case a.Path == "":
			return nil, fmt.Errorf("ServerOptions.Accounts: account %s has no Path; set it to its flow file", key(a.Channel, a.Name))
		case a.Sender == nil:
			return nil, fmt.Errorf("ServerOptions.Accounts: account %s has no Sender; set it to the channel's flows.Channel", key(a.Channel, a.Name))
		}
		if _, err := s.flow(a.Path); err != nil {
			return nil, err
		}
	}
	if _, err := cfg.Handoff.MediaLinks(); err != nil {
		return nil, fmt.Errorf("connectors.webhook.media_url: %w", err)
	}
	if cfg.Events.Stream != "" && o.Store == nil && cfg.Store.Kind != config.StoreValkey {
		return nil, fmt.Errorf("%s: events.stream needs the valkey store (store.kind: valkey), so every instance writes one stream", cfg.Source)
	}
	if err := s.bridgeSecrets(); err != nil {
		return nil, err
	}
	for _, given := range []struct {
		field string
		names []string
	}{{"Connectors", slices.Sorted(maps.Keys(o.Connectors))}, {"NewConnectors", slices.Sorted(maps.Keys(o.NewConnectors))}} {
		for _, name := range given.names {
			if !slices.Contains(cfg.Handoff.Connectors.Custom, name) {
				return nil, fmt.Errorf("%s: the connector %q is given in ServerOptions.%s but the config does not know it; load the config with config.WithConnectors(%q)", cfg.Source, name, given.field, name)
			}
			if o.Connectors[name] != nil && o.NewConnectors[name] != nil {
				return nil, fmt.Errorf("%s: the connector %q is given in both ServerOptions.Connectors and NewConnectors; give it in one", cfg.Source, name)
			}
		}
	}
	names := cfg.Handoff.Connectors.Names()
	if o.Sandbox || len(names) == 0 {
		return nil, nil
	}
	conns := map[string]flows.Connector{}
	// What the built-in connectors are built with, and a program's own
	// built by NewServer (NewConnectors).
	opts := []handoff.ConnectorOption{handoff.WithHTTPClient(hc), handoff.WithMedia(func(conv string) flows.MediaFetcher {
		if s.Host == nil {
			return nil
		}
		return s.Host.MediaFetcher(conv)
	})}
	if len(names) > len(cfg.Handoff.Connectors.Custom) {
		built, err := handoff.Connectors(cfg.Handoff, opts...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Source, err)
		}
		maps.Copy(conns, built)
	}
	for _, name := range cfg.Handoff.Connectors.Custom {
		c := o.Connectors[name]
		if build := o.NewConnectors[name]; build != nil {
			var err error
			if c, err = build(append(handoff.ConfigOptions(cfg.Handoff), opts...)...); err != nil {
				return nil, fmt.Errorf("%s: the connector %q: %w", cfg.Source, name, err)
			}
		}
		if c == nil {
			return nil, fmt.Errorf("%s: the connector %q was named with config.WithConnectors but not given in ServerOptions.Connectors (or built by NewConnectors)", cfg.Source, name)
		}
		conns[name] = c
	}
	return conns, nil
}

// getOnly answers 405 to a request whose method an endpoint of GET (and
// HEAD) does not take.
func getOnly(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed: use GET", http.StatusMethodNotAllowed)
}

// IsLoopback reports whether listen (host:port) listens on a loopback
// address only: localhost, 127.0.0.0/8 or ::1.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// bridgeSecrets checks the bridge's secrets as its handlers take them
// (a Freshdesk secret of at least 16 characters, a whsec_ one for the
// generic webhook).
func (s *Server) bridgeSecrets() error {
	b := s.cfg.Bridge
	none := func(context.Context, string, flows.Input) error { return nil }
	for _, c := range []struct {
		name   string
		secret *config.BridgeSecret
		build  func(string, handoff.Deliver, ...handoff.HandlerOption) (http.Handler, error)
	}{{"zendesk", b.Zendesk, handoff.NewZendeskHandler}, {"freshdesk", b.Freshdesk, handoff.NewFreshdeskHandler}, {"webhook", b.Webhook, handoff.NewWebhookHandler}} {
		if c.secret == nil {
			continue
		}
		if _, err := c.build(c.secret.Secret, none); err != nil {
			return fmt.Errorf("bridge.%s: %w", c.name, err)
		}
	}
	return nil
}

// bridge mounts the helpdesks' callbacks the config gives secrets for.
func (s *Server) bridge() error {
	b := s.cfg.Bridge
	mount := func(name, secret string, build func(string, handoff.Deliver, ...handoff.HandlerOption) (http.Handler, error), opts ...handoff.HandlerOption) error {
		// Redeliveries are dropped by the inbox, in the write that
		// accepts a delivery (Host.DeliverBridge): a failed accept never
		// hides the helpdesk's retry, whichever process it reaches.
		// A signed request replayed with another (unsigned) delivery id
		// is known by its signature in the store, so every process
		// serving from it refuses the replay.
		opts = append([]handoff.HandlerOption{handoff.HandlerAcceptDedupe(b.DedupeTTL), handoff.HandlerDeduper(s.store, 0),
			handoff.HandlerTolerance(b.TimestampWindow)}, opts...)
		h, err := build(secret, s.Host.DeliverBridge, opts...)
		if err != nil {
			return fmt.Errorf("bridge.%s: %w", name, err)
		}
		// Any method: the handler answers 405 to all but POST.
		s.mux.Handle("/bridge/"+name, s.Metrics.countRejects("bridge/"+name, logRefusals(s.log, "bridge/"+name, h)))
		return nil
	}
	if b.Zendesk != nil {
		if err := mount("zendesk", b.Zendesk.Secret, handoff.NewZendeskHandler); err != nil {
			return err
		}
	}
	if b.Freshdesk != nil {
		if err := mount("freshdesk", b.Freshdesk.Secret, handoff.NewFreshdeskHandler); err != nil {
			return err
		}
	}
	if b.Webhook != nil {
		if err := mount("webhook", b.Webhook.Secret, handoff.NewWebhookHandler); err != nil {
			return err
		}
	}
	return nil
}

// logRefusals wraps a bridge endpoint: every 4xx or 5xx answer is a line
// in the log with its status, reason and the start of the handler's
// message (which says what is wrong: a missing signature, a stale
// timestamp), as the channels log theirs.
func logRefusals(log *slog.Logger, endpoint string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &refusalWriter{statusWriter: statusWriter{ResponseWriter: w, status: http.StatusOK}}
		h.ServeHTTP(rw, r)
		if rw.status >= 400 {
			detail, _, _ := strings.Cut(strings.TrimSpace(string(rw.detail)), "\n")
			log.Info("bridge: webhook refused", "endpoint", endpoint, "status", rw.status, "reason", rejectReason(rw.status), "detail", detail)
		}
	})
}

// refusalWriter keeps the first 200 bytes an error answer writes.
type refusalWriter struct {
	statusWriter
	detail []byte
}

func (w *refusalWriter) Write(b []byte) (int, error) {
	if w.status >= 400 && len(w.detail) < 200 {
		w.detail = append(w.detail, b[:min(len(b), 200-len(w.detail))]...)
	}
	return w.statusWriter.Write(b)
}

// readyz answers 200 once the workers run and while the store answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() || !s.Host.workersRun() {
		http.Error(w, "starting or stopping", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.Due(ctx, time.Now(), 1); err != nil {
		http.Error(w, "the store does not answer", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

// configDigest sums the config file at path when it is a regular file:
// a config read from a pipe (`--config <(envsubst < baton.yaml)`) has
// nothing to read again, and opening it would wait for a writer.
func configDigest(path string) ([32]byte, bool) {
	if fi, err := os.Stat(path); path == "" || err != nil || !fi.Mode().IsRegular() {
		return [32]byte{}, false
	}
	return digest([]string{path}), true
}

// Reload loads every channel's flow again (SIGHUP): see Host.Reload.
// The config is read when the server is built only: when its file changed
// since, the log says that its changes wait for a restart.
func (s *Server) Reload() error {
	s.log.Info("reloading the flows (SIGHUP)")
	if sum, ok := configDigest(s.cfg.Source); ok && s.cfgSum != nil && sum != *s.cfgSum {
		s.log.Warn("the config changed since the server started: its changes take effect at the next start (restart baton serve); SIGHUP and saves reload the flows only", "config", s.cfg.Source)
	}
	return s.Host.Reload()
}

// Handler is the server's HTTP handler (every endpoint, behind the Host
// check of server.hosts).
func (s *Server) Handler() http.Handler { return s.handler }

// Mount serves h under prefix (ending in "/"), which h does not see:
// `baton serve FLOW --sandbox` mounts the web sandbox at /sandbox/.
func (s *Server) Mount(prefix string, h http.Handler) {
	s.mux.Handle(prefix, http.StripPrefix(strings.TrimSuffix(prefix, "/"), h))
}

// Close releases what NewServer opened, in the reverse order: the
// analytics events' sinks (flushed), then the store. It is for a program
// whose start fails after NewServer (baton serve when its web sandbox
// cannot start), so that a bolt file is not held until the process
// exits; Serve releases them itself: call one or the other.
func (s *Server) Close() error {
	rerr := s.recorder.Close()
	if err := s.store.Close(); err != nil {
		return fmt.Errorf("closing the store: %w", err)
	}
	if rerr != nil {
		return fmt.Errorf("flushing the analytics events: %w", rerr)
	}
	return nil
}

// OnShutdown has f called when a graceful shutdown begins, before the
// requests under way are waited for: f ends what would hold it, such as
// the event streams of a handler given to Mount.
func (s *Server) OnShutdown(f func()) { s.closers = append(s.closers, f) }

// Serve answers on l until ctx is done, then shuts down gracefully: it
// stops accepting requests (those under way finish, within
// server.shutdown_timeout), lets the turns and sends under way finish,
// releases what it claimed, closes the store and returns nil.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	return s.ServeOn(ctx, ServeStarting(l, s.log))
}

// ServeOn is Serve on the listener st has served while the server was
// being built: the requests st held are served now.
func (s *Server) ServeOn(ctx context.Context, st *Starting) error {
	hctx, stopHost := context.WithCancel(context.Background())
	hostDone := make(chan struct{})
	go func() {
		defer close(hostDone)
		_ = s.Host.Run(hctx)
	}()
	if !s.noWatch {
		// The files are watched before "serving" is logged: a change
		// saved from then on is seen.
		ready := make(chan struct{})
		go func() {
			if err := s.Host.watch(hctx, ready); err != nil {
				s.log.Warn("flow files are not watched; reload with SIGHUP", "error", err)
			}
		}()
		<-ready
	}
	srv := st.srv
	s.ready.Store(true)
	st.open(s.handler)
	s.log.Info("serving", "listen", st.addr.String(), "channels", len(s.Host.Accounts())) // a program's own accounts too
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-st.errc:
	}
	s.ready.Store(false)
	s.log.Info("shutting down: no new requests; finishing the turns under way")
	for _, c := range s.closers {
		c()
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		s.log.Warn("requests still under way at the shutdown timeout were cut", "error", err)
	}
	stopHost()
	select {
	case <-hostDone:
	case <-sctx.Done():
		s.log.Warn("turns still under way at the shutdown timeout; their messages are taken again when their leases end")
	}
	// The events are flushed in what is left of the shutdown timeout (a
	// network sink's own bound is 10 seconds), and at least a moment, for
	// a file's buffer: a sink that does not answer must not hold the
	// process past shutdown_timeout.
	flushed := make(chan error, 1)
	go func() { flushed <- s.recorder.Close() }()
	end, _ := sctx.Deadline()
	flushTimer := time.NewTimer(max(time.Until(end), 100*time.Millisecond))
	select {
	case err := <-flushed:
		if err != nil {
			s.log.Warn("flushing the analytics events", "error", err)
		}
	case <-flushTimer.C:
		s.log.Warn("analytics events still unsent at the shutdown timeout; they are dropped")
	}
	flushTimer.Stop()
	if err := s.store.Close(); err != nil {
		s.log.Warn("closing the store", "error", err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	s.log.Info("stopped")
	return nil
}

// outboundClient is the default client of a server's senders and
// connectors: http.DefaultTransport's settings, but keeping up to twice
// as many idle connections per host as there are workers (a reply, a
// handoff and an HTTP action may each be under way for every turn)
// instead of 2. With 2, most of the concurrent replies to the Graph API
// or tickets to a helpdesk closed their connection after one request and
// the next opened a new one, a TCP and TLS handshake per message.
func outboundClient(workers int) *http.Client {
	dt, ok := http.DefaultTransport.(*http.Transport)
	if !ok { // replaced by the program: its choice
		return http.DefaultClient
	}
	t := dt.Clone()
	t.MaxIdleConnsPerHost = 2 * max(workers, 1)
	t.MaxIdleConns = max(t.MaxIdleConns, 4*t.MaxIdleConnsPerHost)
	return &http.Client{Transport: t}
}
