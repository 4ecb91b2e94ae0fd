package host

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/batonbot/baton/flows"
)

// Metrics are the series `baton serve` exposes on /metrics, in a registry
// of their own:
//
//	baton_turns_total{channel,outcome}           turns taken (ok, error)
//	baton_turn_duration_seconds{channel}         time of a turn (load, flow, save), HTTP calls not included
//	baton_inbound_total{channel,outcome}         messages received (accepted, duplicate, error, unknown_account)
//	baton_handoffs_total{reason,team}            handoffs by escalation reason and routed team
//	baton_outbox_depth{kind}                     pending outbox items (reply, open, append, close)
//	baton_outbox_oldest_seconds{kind}            age of the oldest pending item
//	baton_deliveries_total{kind,outcome}         delivery attempts (delivered, retry, dead)
//	baton_webhook_rejects_total{endpoint,reason} webhooks refused (signature, too_large, bad_request, ...)
//	baton_channel_send_errors_total{channel,code} failed sends by provider error code
//	baton_reloads_total{outcome}                 flow reloads (ok, refused)
//
// plus the Go runtime and process collectors.
type Metrics struct {
	reg        *prometheus.Registry
	turns      *prometheus.CounterVec
	turnTime   *prometheus.HistogramVec
	inbound    *prometheus.CounterVec
	handoffs   *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	rejects    *prometheus.CounterVec
	sendErrors *prometheus.CounterVec
	reloads    *prometheus.CounterVec
	outbox     *outboxCollector
	// The children a turn counts on, looked up once: WithLabelValues
	// checks and hashes the label values on every call, and a message
	// cost four of them.
	turnsOf, inboundOf, deliveriesOf children[prometheus.Counter]
	turnTimeOf                       children[prometheus.Observer]

	mu             sync.Mutex
	reasons, teams map[string]bool // the handoffs' label values so far
}

// maxLabelValues bounds the distinct reasons, and the distinct teams, of
// baton_handoffs_total: both are templates a flow may fill from what a
// customer wrote.
const maxLabelValues = 100

// NewMetrics registers the series; outbox, when not nil, is read at each
// scrape for the outbox depth and age: its PendingStats when it is a
// flows.OutboxStats (every store), else what List returns.
func NewMetrics(outbox flows.Outbox, now func() time.Time) *Metrics {
	if now == nil {
		now = time.Now
	}
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.turns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_turns_total", Help: "Turns taken, by channel and outcome (ok, error)."}, []string{"channel", "outcome"})
	m.turnTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "baton_turn_duration_seconds", Help: "Time of a turn: loading the session, running the flow (NLU and routing included) and saving it. An HTTP action's call is not in it: its result is a turn of its own.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"channel"})
	m.inbound = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_inbound_total", Help: "Customer messages received, by channel and outcome (accepted, duplicate, error, unknown_account)."}, []string{"channel", "outcome"})
	m.handoffs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_handoffs_total", Help: "Handoffs, by escalation reason and routed team."}, []string{"reason", "team"})
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_deliveries_total", Help: "Outbox delivery attempts, by kind and outcome (delivered, retry, dead)."}, []string{"kind", "outcome"})
	m.rejects = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_webhook_rejects_total", Help: "Webhook requests refused, by endpoint and reason."}, []string{"endpoint", "reason"})
	m.sendErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_channel_send_errors_total", Help: "Failed channel sends, by channel and provider error code."}, []string{"channel", "code"})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_reloads_total", Help: "Flow reloads, by outcome (ok, refused)."}, []string{"outcome"})
	m.turnsOf.with, m.inboundOf.with, m.deliveriesOf.with = m.turns.WithLabelValues, m.inbound.WithLabelValues, m.deliveries.WithLabelValues
	m.turnTimeOf.with, m.turnTimeOf.one = m.turnTime.WithLabelValues, true
	m.reg.MustRegister(m.turns, m.turnTime, m.inbound, m.handoffs, m.deliveries, m.rejects, m.sendErrors, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series whose labels are known in advance start at zero, so a rate
	// or an alert on them works from the first scrape instead of from
	// the first event (a dead letter, a refused reload).
	for _, kind := range []flows.OutboxKind{flows.OutboxReply, flows.OutboxOpen, flows.OutboxAppend, flows.OutboxClose} {
		for _, outcome := range []string{"delivered", "retry", "dead"} {
			m.deliveries.WithLabelValues(string(kind), outcome)
		}
	}
	for _, outcome := range []string{"ok", "refused"} {
		m.reloads.WithLabelValues(outcome)
	}
	if outbox != nil {
		m.outbox = &outboxCollector{outbox: outbox, now: now,
			depth: prometheus.NewDesc("baton_outbox_depth", "Pending outbox items, by kind.", []string{"kind"}, nil),
			age:   prometheus.NewDesc("baton_outbox_oldest_seconds", "Age of the oldest pending outbox item, by kind.", []string{"kind"}, nil)}
		m.reg.MustRegister(m.outbox)
	}
	return m
}

// logTo logs to l what a scrape could not collect (before serving).
func (m *Metrics) logTo(l *slog.Logger) {
	if m.outbox != nil {
		m.outbox.log = l
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the metrics' registry (for tests and extra collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// channel starts the series of a channel the host serves at zero: its
// turns (ok, error) and its inbound messages (accepted, duplicate, error).
func (m *Metrics) channel(name string) {
	if m == nil {
		return
	}
	for _, outcome := range []string{"ok", "error"} {
		m.turns.WithLabelValues(name, outcome)
	}
	for _, outcome := range []string{"accepted", "duplicate", "error"} {
		m.inbound.WithLabelValues(name, outcome)
	}
}

func (m *Metrics) turn(channel string, d time.Duration, err error) {
	if m == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.turnsOf.get(channel, outcome).Inc()
	m.turnTimeOf.get(channel, "").Observe(d.Seconds())
}

// deferred counts a message of channel left for a process running the
// flow version its conversation's state is in (rolling.go).
func (m *Metrics) deferred(channel string) {
	if m != nil {
		m.turnsOf.get(channel, "deferred").Inc()
	}
}

func (m *Metrics) received(channel, outcome string) {
	if m != nil {
		m.inboundOf.get(channel, outcome).Inc()
	}
}

func (m *Metrics) handoff(h *flows.Handoff) {
	if m != nil && h != nil {
		m.mu.Lock()
		reason, team := boundLabel(&m.reasons, h.Reason), boundLabel(&m.teams, h.Team)
		m.mu.Unlock()
		m.handoffs.WithLabelValues(reason, team).Inc()
	}
}

// boundLabel is v as a label value when it is a name (a letter, then
// letters, digits, '_', '-', '.' or ':', at most 64 bytes; or empty) among
// the first maxLabelValues seen, else "other": a reason or team rendered
// from a customer's message (text, an e-mail address, a phone number)
// never becomes a series, and the series stay few.
func boundLabel(seen *map[string]bool, v string) string {
	if !isLabelName(v) {
		return "other"
	}
	if *seen == nil {
		*seen = map[string]bool{}
	}
	if !(*seen)[v] {
		if len(*seen) >= maxLabelValues {
			return "other"
		}
		(*seen)[v] = true
	}
	return v
}

func isLabelName(v string) bool {
	if len(v) > 64 {
		return false
	}
	for i, c := range []byte(v) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':'):
		default:
			return false
		}
	}
	return true
}

func (m *Metrics) delivery(kind flows.OutboxKind, outcome string) {
	if m != nil {
		m.deliveriesOf.get(string(kind), outcome).Inc()
	}
}

// children caches a vector's children by their label values (one or
// two), which come from small sets (channels, outcomes, kinds): the cache
// holds no more than the vector does. Nothing deletes a child of these
// vectors, so a cached one is the vector's own.
type children[T any] struct {
	with func(lvs ...string) T // the vector's WithLabelValues
	one  bool                  // the vector has one label: get's b is ""
	mu   sync.RWMutex
	m    map[[2]string]T
}

// get is with(a, b), or with(a) for a vector of one label.
func (c *children[T]) get(a, b string) T {
	k := [2]string{a, b}
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	if c.one {
		v = c.with(a)
	} else {
		v = c.with(a, b)
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[[2]string]T{}
	}
	c.m[k] = v
	c.mu.Unlock()
	return v
}

func (m *Metrics) reject(endpoint, reason string) {
	if m != nil {
		m.rejects.WithLabelValues(endpoint, reason).Inc()
	}
}

func (m *Metrics) reload(outcome string) {
	if m != nil {
		m.reloads.WithLabelValues(outcome).Inc()
	}
}

func (m *Metrics) sendError(channel string, code int) {
	if m != nil {
		m.sendErrors.WithLabelValues(channel, strconv.Itoa(code)).Inc()
	}
}

// sendFailed counts a failed send by its provider error code, or, when
// the provider gave none, "http_<status>" or "network" (no answer).
func (m *Metrics) sendFailed(channel string, err error) {
	if m == nil {
		return
	}
	code := "network"
	var ce *flows.ChannelError
	switch {
	case !errors.As(err, &ce):
	case ce.Code != 0:
		code = strconv.Itoa(ce.Code)
	case ce.Status != 0:
		code = "http_" + strconv.Itoa(ce.Status)
	}
	m.sendErrors.WithLabelValues(channel, code).Inc()
}

// outboxCollector reads the pending outbox items' counts at each scrape.
type outboxCollector struct {
	outbox     flows.Outbox
	now        func() time.Time
	depth, age *prometheus.Desc
	log        *slog.Logger // nil: errors are not logged
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.depth; ch <- c.age }

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stats, err := pendingStats(ctx, c.outbox)
	if err != nil {
		// The other metrics are served: the outbox's are left out of
		// this scrape (an invalid metric would fail it whole, a 500).
		if c.log != nil {
			c.log.Warn("metrics: reading the outbox failed; this scrape has no baton_outbox_ series", "error", err)
		}
		return
	}
	now := c.now()
	for _, k := range []flows.OutboxKind{flows.OutboxReply, flows.OutboxOpen, flows.OutboxAppend, flows.OutboxClose} {
		if _, ok := stats[k]; !ok {
			stats[k] = flows.PendingStat{}
		}
	}
	for k, st := range stats {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(st.Count), string(k))
		age := 0.0
		if st.Count > 0 {
			age = max(now.Sub(st.Oldest).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age, string(k))
	}
}

// pendingStats asks o for its pending items' counts (flows.OutboxStats,
// which every store implements), or counts what it lists.
func pendingStats(ctx context.Context, o flows.Outbox) (map[flows.OutboxKind]flows.PendingStat, error) {
	if counted, ok := o.(flows.OutboxStats); ok {
		return counted.PendingStats(ctx)
	}
	items, err := o.List(ctx, flows.OutboxPending)
	if err != nil {
		return nil, err
	}
	stats := map[flows.OutboxKind]flows.PendingStat{}
	for _, it := range items {
		st, ok := stats[it.Kind]
		if !ok || it.CreatedAt.Before(st.Oldest) {
			st.Oldest = it.CreatedAt
		}
		st.Count++
		stats[it.Kind] = st
	}
	return stats, nil
}

// rejectReason names why a webhook endpoint answered status.
func rejectReason(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "signature"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return "bad_request"
	case http.StatusNotFound: // a bridge's: handoff.ErrUnknownConversation
		return "unknown_conversation"
	case http.StatusMethodNotAllowed:
		return "method"
	case http.StatusUnsupportedMediaType:
		return "media_type"
	}
	if status >= 500 {
		return "server_error"
	}
	return strconv.Itoa(status)
}

// countRejects wraps a webhook endpoint: every 4xx or 5xx answer counts
// one reject of endpoint, by reason.
func (m *Metrics) countRejects(endpoint string, h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if sw.status >= 400 {
			m.reject(endpoint, rejectReason(sw.status))
		}
	})
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming handlers (server-sent events) flush through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
