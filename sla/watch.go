package sla

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// keyPrefix starts the keys of the watcher's timers: "sla:<handoff id>:<threshold>".
const keyPrefix = "sla:"

// IsKey reports whether a store timer's key is an SLA watcher's (the host
// hands those to Watcher.Fire instead of running a turn).
func IsKey(key string) bool { return strings.HasPrefix(key, keyPrefix) }

func timerKey(handoff string, threshold int) string {
	return keyPrefix + handoff + ":" + strconv.Itoa(threshold)
}

// parseKey splits a timer key; the handoff id may hold colons.
func parseKey(key string) (handoff string, threshold int, ok bool) {
	rest, ok := strings.CutPrefix(key, keyPrefix)
	i := strings.LastIndexByte(rest, ':')
	if !ok || i <= 0 {
		return "", 0, false
	}
	th, err := strconv.Atoi(rest[i+1:])
	if err != nil || th <= 0 {
		return "", 0, false
	}
	return rest[:i], th, true
}

// alertMemory is how long an alert's marker is kept: longer than any
// first-response target.
const alertMemory = 60 * 24 * time.Hour

// Store is what the watcher needs of the store.
type Store interface {
	flows.SessionStore
	flows.Deduper
}

// Watcher raises the SLA alerts of waiting handoffs.
type Watcher struct {
	store      Store
	alerter    flows.Alerter
	thresholds []int
	now        func() time.Time
	emit       func(context.Context, flows.Event)
	link       string
	onError    func(error)
	contact    func(id string) string
	tries      int
	ticketOf   func(ctx context.Context, handoff string) (flows.TicketRef, bool)
	table      *Table
}

// WatchOption configures a Watcher.
type WatchOption func(*Watcher)

// Thresholds sets the shares of the first-response target, in percent,
// at which alerts are raised (default 80 and 100).
func Thresholds(percent ...int) WatchOption {
	return func(w *Watcher) {
		w.thresholds = nil
		for _, p := range percent {
			if p > 0 && !slices.Contains(w.thresholds, p) {
				w.thresholds = append(w.thresholds, p)
			}
		}
		slices.Sort(w.thresholds)
	}
}

// WatchClock sets the clock.
func WatchClock(now func() time.Time) WatchOption { return func(w *Watcher) { w.now = now } }

// WatchEvents reports each alert as an sla_alert event (analytics
// Recorder.Emit).
func WatchEvents(emit func(context.Context, ...flows.Event)) WatchOption {
	return func(w *Watcher) {
		w.emit = func(ctx context.Context, ev flows.Event) { emit(ctx, ev) }
	}
}

// WatchContact gives the sla_alert event its contact: pseudonym returns
// the customer's pseudonym from the channel's contact id, as the other
// events have it (analytics.Pseudonym with the events' salt). Without it
// the event has no contact.
func WatchContact(pseudonym func(id string) string) WatchOption {
	return func(w *Watcher) { w.contact = pseudonym }
}

// ConversationLink is the link of an alert whose handoff has no ticket
// URL yet: {id} is replaced by the conversation id (the config's link).
func ConversationLink(tmpl string) WatchOption { return func(w *Watcher) { w.link = tmpl } }

// TicketLookup finds a handoff's ticket once the helpdesk opened it
// (the delivered open outbox item), so an alert links the ticket.
func TicketLookup(f func(ctx context.Context, handoff string) (flows.TicketRef, bool)) WatchOption {
	return func(w *Watcher) { w.ticketOf = f }
}

// WatchTable gives the watcher the SLA table that stamped the due times:
// for a team whose clock runs only in business hours, a threshold is then
// that share of the open time (80% of a 2-hour target asked at 17:30,
// open until 18:00 and from 9:00, is at 10:06 the next morning), not of
// the nights and weekends up to the due time.
func WatchTable(t *Table) WatchOption { return func(w *Watcher) { w.table = t } }

// OnWatchError is told about alerts that could not be sent.
func OnWatchError(f func(error)) WatchOption { return func(w *Watcher) { w.onError = f } }

// NewWatcher returns a watcher alerting through alerter.
func NewWatcher(store Store, alerter flows.Alerter, opts ...WatchOption) *Watcher {
	w := &Watcher{store: store, alerter: alerter, thresholds: []int{80, 100}, now: time.Now, tries: 3}
	for _, o := range opts {
		o(w)
	}
	if len(w.thresholds) == 0 {
		w.thresholds = []int{100}
	}
	return w
}

// waiting reports whether s waits for a first reply to handoff ref.
func waiting(s *flows.Session) bool {
	return s != nil && s.Lifecycle == flows.LifecycleHandedOff && s.Handoff != nil && !s.Handoff.FirstResponseDue.IsZero()
}

// at is when threshold percent of ref's first-response target has
// passed: of its open time when the team's policy counts business hours
// (and still gives the due time ref was stamped with).
func (w *Watcher) at(ref *flows.HandoffRef, threshold int) time.Time {
	if w.table != nil && threshold != 100 && !ref.At.IsZero() {
		p := w.table.Policy(ref.Team)
		if d := p.FirstResponse[ref.Priority]; d > 0 && p.BusinessHours && p.Hours != nil && AddOpen(p.Hours, ref.At, d).Equal(ref.FirstResponseDue) {
			if t := AddOpen(p.Hours, ref.At, d*time.Duration(threshold)/100); !t.IsZero() {
				return t
			}
		}
	}
	return at(ref, threshold)
}

// at is when threshold percent of ref's first-response target has passed.
func at(ref *flows.HandoffRef, threshold int) time.Time {
	start := ref.At
	if start.IsZero() || !ref.FirstResponseDue.After(start) {
		return ref.FirstResponseDue
	}
	return start.Add(ref.FirstResponseDue.Sub(start) * time.Duration(threshold) / 100)
}

// Commit is the engine's commit hook (engine.WithCommitHook): a turn
// that leaves a handoff waiting with a due time sets the timer of its
// first threshold, and a turn that ends the wait (a first reply, the
// ticket closed or declined) removes its timers, in the same save.
func (w *Watcher) Commit(prev, next *flows.Session, c *flows.Commit) {
	was, is := waiting(prev), waiting(next)
	switch {
	case is && (!was || prev.Handoff.ID != next.Handoff.ID || !prev.Handoff.FirstResponseDue.Equal(next.Handoff.FirstResponseDue)):
		if was {
			w.drop(prev, c)
		}
		ref := next.Handoff
		th := w.thresholds[0]
		c.Timers = append(c.Timers, flows.Timer{Key: timerKey(ref.ID, th), ConversationID: next.ID, At: w.at(ref, th)})
	case was && !is:
		w.drop(prev, c)
	}
}

// drop removes every threshold timer of s's handoff.
func (w *Watcher) drop(s *flows.Session, c *flows.Commit) {
	for _, th := range w.thresholds {
		c.Timers = append(c.Timers, flows.Timer{Key: timerKey(s.Handoff.ID, th), ConversationID: s.ID})
	}
}

// Fire runs a due SLA timer: when its handoff still waits, it raises the
// threshold's alert (once: a marker in the store's Deduper is taken
// first, so a repeated timer, a restart or another instance does not
// raise it again), reports it, and moves the timer to the next
// threshold; otherwise it removes the timer.
func (w *Watcher) Fire(ctx context.Context, t flows.Timer) error {
	hid, th, ok := parseKey(t.Key)
	if !ok {
		return fmt.Errorf("sla: %q is not an SLA timer key", t.Key)
	}
	for range 5 {
		s, err := w.store.Load(ctx, t.ConversationID)
		if errors.Is(err, flows.ErrNoSession) {
			// Gone (expired, deleted), and its timers with it: the stores'
			// Due skips those of a conversation with no session. Nothing is
			// deleted: its inbox may hold a new message, the first of the
			// customer's next conversation.
			return nil
		}
		if err != nil {
			return fmt.Errorf("sla: loading %s: %w", t.ConversationID, err)
		}
		c := flows.Commit{Timers: []flows.Timer{{Key: t.Key, ConversationID: s.ID}}}
		if waiting(s) && s.Handoff.ID == hid {
			if err := w.alert(ctx, s, th); err != nil {
				return err
			}
			if next := w.after(th); next > 0 {
				c.Timers = append(c.Timers, flows.Timer{Key: timerKey(hid, next), ConversationID: s.ID, At: w.at(s.Handoff, next)})
			}
		}
		err = w.store.Save(ctx, s, c)
		if errors.Is(err, flows.ErrConflict) {
			continue // a turn saved meanwhile: look again
		}
		return err
	}
	return fmt.Errorf("sla: conversation %s kept changing while its timer %s fired", t.ConversationID, t.Key)
}

// after is the threshold that follows th, 0 after the last.
func (w *Watcher) after(th int) int {
	for _, x := range w.thresholds {
		if x > th {
			return x
		}
	}
	return 0
}

// alert raises threshold th's alert for s's handoff, unless it was raised.
func (w *Watcher) alert(ctx context.Context, s *flows.Session, th int) error {
	ref := s.Handoff
	seen, err := w.store.Seen(ctx, "sla-alert:"+ref.ID+":"+strconv.Itoa(th), alertMemory)
	if err != nil {
		return fmt.Errorf("sla: marking the alert: %w", err)
	}
	if seen {
		return nil
	}
	now := w.now()
	if ref.Ticket.ID == "" && w.ticketOf != nil {
		if t, ok := w.ticketOf(ctx, ref.ID); ok {
			r := *ref
			r.Ticket = t
			ref = &r
		}
	}
	// The due time is told in the team's zone (its hours'), else in UTC:
	// never in the host's, which the team may not share.
	loc := time.UTC
	if h := w.table.Policy(ref.Team).Hours; h != nil && h.Location != nil {
		loc = h.Location
	}
	a := flows.SLAAlert{HandoffID: ref.ID, ConversationID: s.ID, Team: ref.Team, Priority: ref.Priority, Reason: ref.Reason, Channel: s.Channel,
		Target: "first_response", Threshold: th, RequestedAt: ref.At, Due: ref.FirstResponseDue.In(loc), At: now, Ticket: ref.Ticket, Link: ref.Ticket.URL}
	if a.Link == "" && w.link != "" {
		a.Link = strings.ReplaceAll(w.link, "{id}", s.ID)
	}
	if w.alerter != nil {
		var err error
		for i := range w.tries {
			if err = w.alerter.Alert(ctx, a); err == nil {
				break
			}
			if i+1 < w.tries {
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(i+1) * 500 * time.Millisecond):
				}
			}
		}
		if err != nil && w.onError != nil {
			w.onError(fmt.Errorf("sla: the %d%% alert of handoff %s could not be sent: %w", th, ref.ID, err))
		}
	}
	if w.emit != nil {
		contact := ""
		if w.contact != nil {
			contact = w.contact(s.Contact.ID)
		}
		w.emit(ctx, flows.Event{V: flows.EventSchema, Type: flows.EvSLAAlert, At: now, Conversation: s.ID, Contact: contact, Flow: s.Flow, Channel: s.Channel,
			Lang: s.Lang, State: s.State, Handoff: ref.ID, Reason: ref.Reason, Team: ref.Team, Priority: string(ref.Priority), Target: a.Target,
			Threshold: th, Due: ref.FirstResponseDue, WaitMS: max(now.Sub(ref.At), 0).Milliseconds(), Ticket: ref.Ticket.ID, Connector: ref.Ticket.Connector})
	}
	return nil
}
