package host

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// setupHandoffs builds the router (with a deployment config) and the
// Deliverer that takes the handoff items of the outbox to the helpdesks.
func (h *Host) setupHandoffs() error {
	var resolve handoff.Resolver
	if h.deploy != nil {
		r, err := handoff.NewRouter(h.deploy, handoff.RouterClock(h.now), handoff.RouterLoads(h.store),
			handoff.RouterSLAWait(func(team string, start time.Time, d time.Duration) time.Duration {
				return h.slaTable.Policy(team).Wait(start, d) // the due time Stamp sets
			}))
		if err != nil {
			return err
		}
		h.router = r
		resolve = r.Resolver(h.conns)
		h.notifier = handoff.NewNotifier(h.deploy)
	} else {
		capture := NewCaptureConnector(h.log, h.now)
		capture.known = h.knownTeam
		h.conns = map[string]flows.Connector{CaptureName: capture}
		resolve = handoff.ConnectorMap(h.conns, CaptureName)
	}
	opts := append([]handoff.DeliverOption{handoff.DeliverClock(h.now), handoff.DeliverLogger(h.log),
		handoff.DeliverOnSettled(h.settled)}, h.deploy.DeliverOptions()...)
	opts = append(opts, h.deliver...)
	d, err := handoff.NewDeliverer(h.store.OutboxOf(flows.HandoffKinds...), resolve, opts...)
	if err != nil {
		return err
	}
	h.deliverer = d
	return nil
}

// Capture returns the capturing connector that stands in for a helpdesk
// when the host has no deployment config (nil otherwise).
func (h *Host) Capture() *CaptureConnector {
	c, _ := h.conns[CaptureName].(*CaptureConnector)
	return c
}

// route is the engines' handoff hook: the Router decides team, agent,
// priority and tags; a handoff that gets no ticket (out of hours, tell or
// email) is declined, which ends the conversation in the same save.
func (h *Host) route(ctx context.Context, _ *flows.Session, hf *flows.Handoff) error {
	d, err := h.router.Route(ctx, hf)
	if err != nil {
		return fmt.Errorf("routing by %s: %w", h.deploy.Source, err)
	}
	for _, w := range d.Warnings {
		h.log.Warn("routing", "handoff", hf.ID, "warning", w)
	}
	if h.deploy.Tells(d) {
		h.decided.Store(hf.ID, d.Message)
		if tc := turnCallOf(ctx); tc != nil {
			tc.told = append(tc.told, hf.ID)
		}
	}
	if !d.OpenTicket {
		h.routed(hf, d, nil)
		return engine.ErrHandoffDeclined
	}
	h.slaTable.Stamp(hf)
	h.routed(hf, d, h.summarize(ctx, hf))
	return nil
}

// summarize puts the LLM's summary on top of hf (at most
// flows.MaxSummaryBytes), once per turn (a turn
// retried on a conflict routes again, its handoff with a new id); on a
// failure the ticket keeps the extractive one and the error is returned.
func (h *Host) summarize(ctx context.Context, hf *flows.Handoff) error {
	if h.summarizer == nil || hf.Summary != "" {
		return nil
	}
	tc := turnCallOf(ctx)
	if tc != nil {
		if s, ok := tc.summaries[hf.Reason]; ok {
			hf.Summary, hf.SummaryBy = s, flows.SummaryByModel
			return nil
		}
	}
	s, err := h.summarizer.Summarize(ctx, hf)
	if err != nil {
		h.log.Warn("the LLM summary failed; the ticket keeps the extractive one", "handoff", hf.ID, "error", err)
		return err
	}
	s = flows.ClipSummary(s)
	if tc != nil {
		if tc.summaries == nil {
			tc.summaries = map[string]string{}
		}
		tc.summaries[hf.Reason] = s
	}
	hf.Summary, hf.SummaryBy = s, flows.SummaryByModel
	return nil
}

// turnCall is what routing and the analyser keep across the runs of one
// turn: Handle runs a turn again after a conflict, and each run gives its
// handoffs new ids.
type turnCall struct {
	// summaries are the LLM's, by handoff reason.
	summaries map[string]string
	// told are the handoffs whose routing message h.decided holds.
	told []string
	// analyses are the analyser's answers, by what it was asked: a rerun
	// neither pays for the model again nor waits for it within the lease.
	analyses map[flows.AnalyzeInput]flows.Signals
}

// turnAnalyzer is a flow's analyser as the host's engines call it: once
// per message in a turn (see turnCall.analyses), however often a
// conflict runs the turn.
type turnAnalyzer struct{ flows.Analyzer }

func (a turnAnalyzer) Analyze(ctx context.Context, in flows.AnalyzeInput) (flows.Signals, error) {
	tc := turnCallOf(ctx)
	if tc == nil {
		return a.Analyzer.Analyze(ctx, in)
	}
	if s, ok := tc.analyses[in]; ok {
		return *s.Clone(), nil
	}
	s, err := a.Analyzer.Analyze(ctx, in)
	if err != nil { // ctx ended: nothing answered
		return s, err
	}
	if tc.analyses == nil {
		tc.analyses = map[flows.AnalyzeInput]flows.Signals{}
	}
	tc.analyses[in] = *s.Clone()
	return s, nil
}

type turnCallKey struct{}

// turnCallOf is ctx's turnCall (nil: none).
func turnCallOf(ctx context.Context) *turnCall {
	tc, _ := ctx.Value(turnCallKey{}).(*turnCall)
	return tc
}

// forget drops the routing messages of the handoffs routed by runs of
// the turn that were not saved (all of them when the turn failed): tell
// takes those of the saved handoffs.
func (tc *turnCall) forget(h *Host, effects []flows.Effect, err error) {
	for _, id := range tc.told {
		if err != nil || !slices.ContainsFunc(effects, func(ef flows.Effect) bool {
			he, ok := ef.(flows.HandoffEffect)
			return ok && he.ID == id
		}) {
			h.decided.Delete(id)
		}
	}
}

func (h *Host) routed(hf *flows.Handoff, d handoff.Decision, summaryErr error) {
	if h.observer.Routed != nil {
		h.observer.Routed(hf, d, summaryErr)
	}
}

// tell sends the routing decisions' messages of a turn's handoffs to the
// customer, as reply items written after the turn.
func (h *Host) tell(ctx context.Context, conversation string, effects []flows.Effect) {
	for _, ef := range effects {
		he, ok := ef.(flows.HandoffEffect)
		if !ok || he.Handoff == nil {
			continue
		}
		h.metrics.handoff(he.Handoff)
		msg, ok := h.decided.LoadAndDelete(he.ID)
		if !ok {
			continue
		}
		r := flows.Reply{Text: msg.(string), From: "bot"}
		if err := h.commit(ctx, conversation, func(s *flows.Session) flows.Commit {
			id := he.ID + ":told"
			return flows.Commit{Outbox: []flows.OutboxItem{{ID: id, Kind: flows.OutboxReply, ConversationID: s.ID,
				Outbound: &flows.Outbound{ID: id, ConversationID: s.ID, To: s.Contact, Reply: r, LastUserAt: s.LastUserAt, Lang: s.Lang}}}}
		}); err != nil {
			h.log.Error("telling the customer the routing decision failed", "conversation", conversation, "handoff", he.ID, "error", err)
		}
		h.effect(conversation, r)
	}
}

// commit saves what build returns for the conversation's current
// session, retrying on a concurrent save.
func (h *Host) commit(ctx context.Context, conversation string, build func(*flows.Session) flows.Commit) error {
	var err error
	for range 5 {
		var s *flows.Session
		if s, err = h.store.Load(ctx, conversation); err != nil {
			return err
		}
		err = h.store.Save(ctx, s, build(s))
		if err == nil {
			h.wakeReplies()
			h.deliverer.Wake()
			return nil
		}
		if !isConflict(err) {
			return err
		}
	}
	return err
}

// settled is the Deliverer's hook: metrics, logs and, once an urgent
// handoff's ticket is open, the team's chat notification.
func (h *Host) settled(ctx context.Context, it flows.OutboxItem, err error) {
	h.recorder.Delivered(ctx, it, err)
	// The Deliverer logs each outcome; here it is counted.
	switch {
	case it.Status == flows.OutboxDelivered:
		h.metrics.delivery(it.Kind, "delivered")
	case it.Status == flows.OutboxDead:
		h.metrics.delivery(it.Kind, "dead")
	default:
		h.metrics.delivery(it.Kind, "retry")
	}
	if h.observer.Settled != nil {
		h.observer.Settled(it, err)
	}
	if it.Kind == flows.OutboxAppend && it.Status == flows.OutboxDead && it.Message != nil && it.Message.From != flows.RoleSystem &&
		errors.Is(err, handoff.ErrTicketGone) {
		h.ticketGone(ctx, it, err)
	}
	if h.notifier != nil && it.Kind == flows.OutboxOpen && it.Status == flows.OutboxDelivered && it.Handoff != nil && h.notifier.Wants(it.Handoff.Priority) {
		// The ticket is open whatever happens here: finish the post even
		// when delivery is stopping (the notifier has its own timeout).
		nerr := h.notifier.Notify(context.WithoutCancel(ctx), it.Handoff, it.Ticket)
		if nerr != nil {
			h.log.Warn("notifying the team's chat failed", "handoff", it.HandoffID, "error", nerr)
		}
		if h.observer.Notified != nil {
			h.observer.Notified(it.Handoff, nerr)
		}
	}
}

// ticketGone returns to the bot the conversation of it, a customer's
// message its ticket no longer takes (handoff.ErrTicketGone): an agent
// deleted the ticket, or it was closed without the bridge hearing of it (a
// merge, a trigger on Solved only). Nobody answers there any more, and the
// customer would write into silence. It is the "closed" the helpdesk
// would have sent through the bridge: the conversation goes to the
// handoff's return state, or ends, and its ticket's close is done. The
// time of the first message not on the ticket, this one or an earlier
// one that died otherwise, goes with it (TicketUpdate.Refused): the transcript's
// system line goes before it, so a next handoff's routing and summary,
// which read what follows that line, carry the message no agent read; and
// why, when the connector told (TicketUpdate.Gone: deleted, or closed),
// which the line and the ticket_closed event say. One
// input per ticket: the later messages' dead appends are dropped as
// repeats.
func (h *Host) ticketGone(ctx context.Context, it flows.OutboxItem, cause error) {
	h.log.Warn("the ticket takes no more messages: the customer's message is not on it, and the conversation returns to the bot",
		"conversation", it.ConversationID, "handoff", it.HandoffID, "ticket", it.Ticket.ID, "connector", it.Ticket.Connector, "item", it.ID, "error", cause)
	gone, into := handoff.GoneReason(cause)
	in := flows.Input{Kind: flows.InputTicket, At: h.now(), Ticket: &flows.TicketUpdate{Ticket: it.Ticket, Status: flows.TicketClosed, Refused: h.firstUnread(ctx, it),
		Gone: gone, MergedInto: into}}
	dctx := handoff.WithDelivery(context.WithoutCancel(ctx), handoff.Delivery{Key: "gone:" + it.Ticket.Connector + ":" + it.Ticket.ID, TTL: ticketGoneTTL})
	if err := h.DeliverBridge(dctx, it.ConversationID, in); err != nil && !errors.Is(err, handoff.ErrDuplicate) {
		h.log.Error("returning the conversation of a ticket that is gone to the bot failed; the customer's next message tries again",
			"conversation", it.ConversationID, "ticket", it.Ticket.ID, "error", err)
	}
}

// firstUnread is the time of the first of the customer's messages of
// it's handoff that are not on its ticket: it, and any earlier one that
// died for another reason (the helpdesk refused it) or still waits. No
// agent read them, so the transcript's line goes before the first.
func (h *Host) firstUnread(ctx context.Context, it flows.OutboxItem) time.Time {
	at := it.Message.At
	ob := h.store.OutboxOf(flows.OutboxAppend)
	for _, st := range []flows.OutboxStatus{flows.OutboxDead, flows.OutboxPending} {
		items, err := ob.List(ctx, st)
		if err != nil {
			h.log.Warn("listing the handoff's other messages failed; the transcript's line goes before the refused one",
				"conversation", it.ConversationID, "handoff", it.HandoffID, "error", err)
			return at
		}
		for _, o := range items {
			if o.ConversationID == it.ConversationID && o.HandoffID == it.HandoffID && o.Message != nil &&
				o.Message.From != flows.RoleSystem && !o.Message.At.IsZero() && o.Message.At.Before(at) {
				at = o.Message.At
			}
		}
	}
	return at
}

// ticketGoneTTL is how long a ticket that is gone is remembered, so its
// conversation is returned to the bot once.
const ticketGoneTTL = 48 * time.Hour

// CaptureName is the connector name of a CaptureConnector.
const CaptureName = "sandbox"

// CaptureConnector stands in for a helpdesk when there is none: it keeps
// the tickets it is given (and logs them) instead of sending them.
type CaptureConnector struct {
	log   interface{ Info(string, ...any) }
	now   func() time.Time
	known func(string) bool // the teams logged as they are (teamAttr)
	mu    sync.Mutex
	list  []*CapturedTicket
	byID  map[string]*CapturedTicket
}

var _ flows.Connector = (*CaptureConnector)(nil)

// CapturedTicket is a ticket a CaptureConnector kept.
type CapturedTicket struct {
	ID       string          `json:"id"`
	Handoff  *flows.Handoff  `json:"handoff"`
	Messages []flows.Message `json:"messages,omitempty"`
	Closed   bool            `json:"closed,omitempty"`
}

// NewCaptureConnector returns an empty capturing connector.
func NewCaptureConnector(log interface{ Info(string, ...any) }, now func() time.Time) *CaptureConnector {
	return &CaptureConnector{log: log, now: now, byID: map[string]*CapturedTicket{}}
}

// Open keeps the handoff as a ticket (one per handoff id).
func (c *CaptureConnector) Open(_ context.Context, hf *flows.Handoff) (flows.TicketRef, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.byID[hf.ID]
	if !ok {
		t = &CapturedTicket{ID: fmt.Sprintf("T-%d", len(c.list)+1), Handoff: hf}
		c.byID[hf.ID] = t
		c.byID[t.ID] = t
		c.list = append(c.list, t)
		c.log.Info("ticket captured (no helpdesk configured: nothing is sent)", "ticket", t.ID, "handoff", hf.ID,
			"reason", hf.Reason, teamAttr(hf.Team, c.known), "priority", hf.Priority, "conversation", hf.ConversationID)
	}
	return flows.TicketRef{Connector: CaptureName, ID: t.ID}, nil
}

// Append adds a message to the ticket.
func (c *CaptureConnector) Append(_ context.Context, t flows.TicketRef, m flows.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tk := c.byID[t.ID]; tk != nil {
		tk.Messages = append(tk.Messages, m)
	}
	return nil
}

// Close marks the ticket closed.
func (c *CaptureConnector) Close(_ context.Context, t flows.TicketRef) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tk := c.byID[t.ID]; tk != nil {
		tk.Closed = true
	}
	return nil
}

// Tickets returns the tickets kept, oldest first.
func (c *CaptureConnector) Tickets() []CapturedTicket {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]CapturedTicket, len(c.list))
	for i, t := range c.list {
		out[i] = *t
		out[i].Messages = append([]flows.Message(nil), t.Messages...)
	}
	return out
}
