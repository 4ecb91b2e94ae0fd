package analytics

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonbot/baton/flows"
)

// Recorder derives the analytics events of every turn a host takes and
// writes them to a sink. Give Observe to the engine with
// engine.WithObserver; hosts report deliveries with Delivered and their own
// events with Emit. A nil *Recorder records nothing.
type Recorder struct {
	sink    flows.EventSink
	opts    DeriveOptions
	now     func() time.Time
	onError func(error)
	// versions remembers each flow's version for events that come from
	// outside a turn (deliveries).
	versions sync.Map
	seq      atomic.Int64
}

// RecorderOption configures a Recorder.
type RecorderOption func(*Recorder)

// WithText includes message and comment texts in events (off: sizes only).
func WithText(on bool) RecorderOption { return func(r *Recorder) { r.opts.Text = on } }

// WithSalt mixes salt into contact pseudonyms (see Pseudonym).
func WithSalt(salt string) RecorderOption { return func(r *Recorder) { r.opts.Salt = salt } }

// WithRecorderClock sets the clock for host events that carry no time.
func WithRecorderClock(now func() time.Time) RecorderOption {
	return func(r *Recorder) { r.now = now }
}

// OnError sets what is done with a sink's error (default: nothing; the
// turn is never failed by analytics).
func OnError(f func(error)) RecorderOption { return func(r *Recorder) { r.onError = f } }

// NewRecorder returns a recorder writing to sink.
func NewRecorder(sink flows.EventSink, opts ...RecorderOption) *Recorder {
	r := &Recorder{sink: sink, now: time.Now}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Observe derives and writes the events of a saved turn; it has the
// signature engine.WithObserver takes.
func (r *Recorder) Observe(ctx context.Context, t flows.TurnRecord) {
	if r == nil {
		return
	}
	r.ObserveAt(ctx, t, r.now())
}

// ObserveAt is Observe with the observation time given (a host with a
// clock of its own: the sandbox's virtual one).
func (r *Recorder) ObserveAt(ctx context.Context, t flows.TurnRecord, now time.Time) {
	if r == nil || r.sink == nil {
		return
	}
	if t.Flow != nil && t.Flow.Version != "" {
		if v, ok := r.versions.Load(t.Flow.Name); !ok || v.(string) != t.Flow.Version {
			r.versions.Store(t.Flow.Name, t.Flow.Version)
		}
	}
	o := r.opts
	o.Now = now
	// A turn's events (a few hundred bytes each) are the largest thing a
	// turn allocates; sinks copy what they keep (flows.EventSink), so the
	// slice is reused.
	buf := eventBufs.Get().(*[]flows.Event)
	events := derive(*buf, t, o)
	r.Emit(ctx, events...)
	if events != nil && cap(events) <= maxPooledEvents {
		clear(events) // no strings kept alive from the pool
		*buf = events[:0]
	}
	eventBufs.Put(buf)
}

// eventBufs holds the event slices of Observe; one bigger than
// maxPooledEvents (a turn with a very long path) is not kept.
var eventBufs = sync.Pool{New: func() any { return new([]flows.Event) }}

const maxPooledEvents = 64

// Emit writes events a host produced itself, filling in the schema
// version, an id, the time and the flow version when they are missing.
func (r *Recorder) Emit(ctx context.Context, events ...flows.Event) {
	if r == nil || r.sink == nil || len(events) == 0 {
		return
	}
	for i := range events {
		ev := &events[i]
		if ev.V == 0 {
			ev.V = flows.EventSchema
		}
		if ev.At.IsZero() {
			ev.At = r.now()
		}
		if ev.ID == "" {
			// conversation:host:{time}:{seq} (base 36), appended in a
			// buffer on the stack: one allocation, the string.
			var buf [96]byte
			id := append(append(buf[:0], ev.Conversation...), ":host:"...)
			id = append(strconv.AppendInt(id, ev.At.UnixMilli(), 36), ':')
			ev.ID = string(strconv.AppendInt(id, r.seq.Add(1), 36))
		}
		if ev.FlowVersion == "" {
			if v, ok := r.versions.Load(ev.Flow); ok {
				ev.FlowVersion = v.(string)
			}
		}
	}
	if err := r.sink.Write(ctx, events...); err != nil && r.onError != nil {
		r.onError(err)
	}
}

// Delivered reports a settled handoff outbox item: handoff_delivered when
// the ticket was opened, handoff_failed when the open item is dead. Other
// items (appends, closes, replies, retries) are not events.
func (r *Recorder) Delivered(ctx context.Context, it flows.OutboxItem, err error) {
	if r == nil || it.Kind != flows.OutboxOpen {
		return
	}
	var typ flows.EventType
	switch it.Status {
	case flows.OutboxDelivered:
		typ = flows.EvHandoffDelivered
	case flows.OutboxDead:
		typ = flows.EvHandoffFailed
	default:
		return
	}
	// The event (most of a kilobyte) goes in a pooled slice, as a turn's
	// do: sinks do not keep it (flows.EventSink).
	buf := eventBufs.Get().(*[]flows.Event)
	events := append((*buf)[:0], HandoffEvent(typ, it.Handoff, r.opts.Salt))
	ev := &events[0]
	ev.Conversation = orElse(ev.Conversation, it.ConversationID)
	ev.Handoff = orElse(ev.Handoff, it.HandoffID)
	ev.At = r.now()
	ev.Attempts = it.Attempts
	ev.Ticket, ev.Connector = it.Ticket.ID, it.Ticket.Connector
	if typ == flows.EvHandoffFailed {
		ev.Error = it.LastError
		if err != nil {
			ev.Error = err.Error()
		}
	}
	r.Emit(ctx, events...)
	clear(events) // no strings kept alive from the pool
	*buf = events[:0]
	eventBufs.Put(buf)
}

// HandoffEvent is an event of type typ about handoff h with the common
// fields and the handoff's id, reason, team, priority and due times; the
// caller sets the time and what else the type carries.
func HandoffEvent(typ flows.EventType, h *flows.Handoff, salt string) flows.Event {
	ev := flows.Event{V: flows.EventSchema, Type: typ}
	if h == nil {
		return ev
	}
	ev.Conversation, ev.Contact = h.ConversationID, Pseudonym(h.Contact.ID, salt)
	ev.Flow, ev.Channel, ev.Lang, ev.State = h.Flow, h.Channel, h.Language, h.State
	ev.Handoff, ev.Reason, ev.Team, ev.Priority = h.ID, h.Reason, h.Team, string(h.Priority)
	ev.FirstResponseDue, ev.ResolutionDue = h.FirstResponseDue, h.ResolutionDue
	return ev
}

func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Close closes the sink.
func (r *Recorder) Close() error {
	if r == nil || r.sink == nil {
		return nil
	}
	return r.sink.Close()
}
