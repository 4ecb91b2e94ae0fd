package host

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/analytics/promkpi"
	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/sla"
)

// WithRecorder writes the analytics events of every turn (and of the
// helpdesk deliveries) through rec.
func WithRecorder(rec *analytics.Recorder) Option { return func(h *Host) { h.recorder = rec } }

// WithSLA stamps each handoff with its due times from table, once routed,
// and, with a watcher, keeps its SLA timers with the session and hands
// the due ones to the watcher (alerts at its thresholds).
func WithSLA(table *sla.Table, w *sla.Watcher) Option {
	return func(h *Host) { h.slaTable, h.watcher = table, w }
}

// WithSLAQueue answers the flows' `sla` builtin (the expected wait told
// in a transfer message) from q's live figures.
func WithSLAQueue(q *sla.Queue) Option { return func(h *Host) { h.queue = q } }

// slaInfo is the engines' `sla` builtin: the expected wait from now, on
// the wall clock (with business hours, to the due time the SLA computes),
// and when closed hours stretch it, that time (first_response_by: "Monday
// at 10:30 CET", the team's zone named unless s's customer reads the same
// clock, as the handoff's messages tell it).
func (h *Host) slaInfo(team string, p flows.Priority, lang string, now time.Time, s *flows.Session) map[string]any {
	open, waiting := h.queue.Expected(team, p)
	policy := h.slaTable.Policy(team)
	d := policy.Wait(now, open)
	m := map[string]any{"first_response": "", "first_response_minutes": 0, "first_response_by": "", "queue": waiting, "team": team}
	if d > 0 {
		m["first_response"] = handoff.FormatDuration(d, lang)
		m["first_response_minutes"] = int((d + time.Minute - 1) / time.Minute)
	}
	if d > open && policy.Hours != nil {
		due := now.Add(d)
		var c flows.Contact
		var channel string
		if s != nil {
			c, channel = s.Contact, s.Channel
		}
		m["first_response_by"] = handoff.FormatDue(due, now, policy.Hours.Location, lang, handoff.CustomerZone(c, channel, policy.Hours.Location, due))
	}
	return m
}

// analyticsOptions are the engine options of the recorder and the SLA.
func (h *Host) analyticsOptions() []engine.Option {
	var opts []engine.Option
	if h.queue != nil {
		opts = append(opts, engine.WithSLAInfo(h.slaInfo))
	}
	if h.recorder != nil {
		opts = append(opts, engine.WithObserver(h.recorder.Observe))
	}
	if h.watcher != nil {
		opts = append(opts, engine.WithCommitHook(h.watcher.Commit))
	}
	if h.router == nil && h.slaTable != nil {
		// No routing: the flow's team and priority decide the due times.
		opts = append(opts, engine.WithHandoffHook(func(_ context.Context, _ *flows.Session, hf *flows.Handoff) error {
			h.slaTable.Stamp(hf)
			return nil
		}))
	}
	return opts
}

// fireSLA runs a due timer of the SLA watcher; it reports whether the
// timer was the watcher's, and the error of its firing (the timer stays
// due).
func (h *Host) fireSLA(ctx context.Context, t flows.Timer) (bool, error) {
	if !sla.IsKey(t.Key) {
		return false, nil
	}
	if h.watcher == nil {
		// Alerts are off now: forget the timer with the session's next
		// save (a turn drops timers it does not know).
		return false, nil
	}
	return true, h.watcher.Fire(ctx, t)
}

// analyticsSetup builds the server's analytics: the Prometheus KPIs on
// its registry (always), the events sinks of the config's events: section
// (a JSONL file, a webhook, the Valkey stream; eventsFile overrides the
// file; eventsText turns the texts on, as events.text: true does), and the
// SLA table and watcher of its sla: tables.
func (s *Server) analyticsSetup(eventsFile string, eventsText bool) ([]Option, error) {
	cfg := s.cfg
	ev := cfg.Events
	ev.Text = ev.Text || eventsText
	if eventsFile != "" {
		ev.File = eventsFile
	} else if ev.File != "" && !filepath.IsAbs(ev.File) {
		ev.File = filepath.Join(cfg.Dir(), ev.File)
	}
	prom, err := promkpi.New(s.Metrics.Registry())
	if err != nil {
		return nil, err
	}
	sinks := analytics.Fanout{prom}
	logErr := func(err error) { s.log.Warn("analytics events", "error", err) }
	if ev.File != "" {
		var fo []analytics.FileOption
		if ev.RotateSize > 0 {
			fo = append(fo, analytics.RotateSize(ev.RotateSize))
		}
		if ev.RotateDaily {
			fo = append(fo, analytics.RotateDaily())
		}
		f, err := analytics.OpenFile(ev.File, fo...)
		if err != nil {
			return nil, err
		}
		sinks = append(sinks, f)
	}
	if ev.Webhook != "" {
		wo := []analytics.WebhookOption{analytics.WebhookBatch(analytics.OnSendError(logErr))}
		if ev.WebhookSecret != "" && !config.IsPlaceholder(ev.WebhookSecret) {
			secret := ev.WebhookSecret
			wo = append(wo, analytics.WebhookSigner(func(id string, ts time.Time, body []byte) (string, error) {
				return handoff.SignWebhook(secret, id, ts, body)
			}))
		}
		sinks = append(sinks, analytics.NewWebhookSink(ev.Webhook, wo...))
	}
	if ev.Stream != "" {
		vs, ok := s.store.(interface{ Client() valkey.Client })
		if !ok {
			_ = sinks.Close() // the events file, opened above
			return nil, fmt.Errorf("%s: events.stream needs the valkey store (store.kind: valkey), so every instance writes one stream", cfg.Source)
		}
		sinks = append(sinks, analytics.NewValkeyStream(vs.Client(), ev.Stream, ev.MaxLen, analytics.OnSendError(logErr)))
	}
	var q *sla.Queue
	if cfg.SLA != nil {
		qo := []sla.QueueOption{sla.QueueClock(s.now), sla.QueueOnFuture(s.futureEvent())}
		if ttl := cfg.Store.SessionTTL; ttl > 0 {
			qo = append(qo, sla.QueueMaxAge(ttl)) // its conversation is gone by then
		}
		q = sla.NewQueue(cfg.SLA, qo...)
		sinks = append(sinks, q)
	}
	s.recorder = analytics.NewRecorder(sinks, analytics.WithText(ev.Text), analytics.WithSalt(ev.Salt), analytics.OnError(logErr), analytics.WithRecorderClock(s.now))
	opts := []Option{WithRecorder(s.recorder)}
	if cfg.SLA != nil {
		opts = append(opts, WithSLAQueue(q))
		var alerter flows.Alerter
		if a := cfg.SLAAlerts; a.Enabled() {
			n := &sla.Notifier{Slack: a.Slack, Teams: a.Teams, Webhook: a.Webhook}
			if a.Secret != "" && !config.IsPlaceholder(a.Secret) {
				secret := a.Secret
				n.Sign = func(id string, ts time.Time, body []byte) (string, error) {
					return handoff.SignWebhook(secret, id, ts, body)
				}
			}
			alerter = n
		}
		wo := []sla.WatchOption{sla.WatchClock(s.now), sla.WatchTable(cfg.SLA), sla.WatchEvents(s.recorder.Emit),
			sla.WatchContact(func(id string) string { return analytics.Pseudonym(id, ev.Salt) }), sla.ConversationLink(cfg.Handoff.Link), sla.TicketLookup(s.ticketOf),
			sla.OnWatchError(func(err error) { s.log.Error("SLA alert", "error", err) })}
		if len(cfg.SLAAlerts.At) > 0 {
			wo = append(wo, sla.Thresholds(cfg.SLAAlerts.At...))
		}
		opts = append(opts, WithSLA(cfg.SLA, sla.NewWatcher(s.store, alerter, wo...)))
	}
	return opts, nil
}

// now is the host's clock (the wall clock until the host is built).
func (s *Server) now() time.Time {
	if s.Host != nil {
		return s.Host.now()
	}
	return time.Now()
}

// futureWarnEvery bounds how often the SLA queue's events dated ahead of
// the clock are logged: a clock gone wrong dates every event.
const futureWarnEvery = time.Minute

// futureEvent warns of the events the SLA queue reads at the clock's time
// because they are dated ahead of it, at most once every futureWarnEvery
// (counting the ones it did not name).
func (s *Server) futureEvent() func(ev *flows.Event) {
	var (
		mu     sync.Mutex
		last   time.Time
		unsaid int
	)
	return func(ev *flows.Event) {
		mu.Lock()
		defer mu.Unlock()
		now := s.now()
		if !last.IsZero() && now.Sub(last) < futureWarnEvery && now.After(last) {
			unsaid++
			return
		}
		s.log.Warn("an analytics event is dated ahead of the clock; the SLA queue reads it as happening now (check this host's clock, or the timestamps of its source)",
			"type", ev.Type, "conversation", ev.Conversation, "at", ev.At, "now", now, "more_since_last_warning", unsaid)
		last, unsaid = now, 0
	}
}

// ticketOf finds the ticket the helpdesk opened for handoff: its
// delivered open item.
func (s *Server) ticketOf(ctx context.Context, handoff string) (flows.TicketRef, bool) {
	items, err := s.store.OutboxOf(flows.OutboxOpen).List(ctx, flows.OutboxDelivered)
	if err != nil {
		return flows.TicketRef{}, false
	}
	for _, it := range items {
		if it.HandoffID == handoff && it.Kind == flows.OutboxOpen && it.Ticket.ID != "" {
			return it.Ticket, true
		}
	}
	return flows.TicketRef{}, false
}
