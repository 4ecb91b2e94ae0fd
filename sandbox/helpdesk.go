package sandbox

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/sla"
)

// helpdesk is the sandbox's helpdesk side when a deployment config is
// given: every handoff goes through the Router (the engine's handoff hook),
// so the outbox items of a turn are the routed ones. In the sandbox (recs
// set) the configured connectors run in dry-run mode and each Open and
// Append shows the requests it would send; with --live the items stay in
// the store for the Deliverer, which calls the helpdesks for real.
type helpdesk struct {
	dep    *Deployment
	router *handoff.Router
	// recs are the dry-run connectors of the sandbox; nil with --live.
	recs map[string]*handoff.Recorder
	// decisions of the handoffs routed in the turn being run, by id.
	decisions map[string]handoff.Decision
	// tickets are the sandbox's tickets by handoff id (what the recorders'
	// canned answers named; with --live, what the helpdesks created, set
	// from the deliverer's goroutine: mu guards it).
	mu      sync.Mutex
	tickets map[string]flows.TicketRef
	// declined are handoffs routed to no ticket (out of hours, tell or
	// email): the engine writes no open for them and ends the conversation.
	declined map[string]bool
	// summaryFailed says why the live host's LLM summary of a handoff
	// failed, by id.
	summaryFailed map[string]string
}

// summaryExtractive is the source of an nlu_fallback event for a summary
// the LLM could not write: the ticket has the extractive one.
const summaryExtractive = "extractive"

// newHelpdesk routes by dep's config, counting the agents' open handoffs
// in loads (the sandbox's store).
func newHelpdesk(dep *Deployment, now func() time.Time, live bool, loads flows.LoadTracker) (*helpdesk, error) {
	var table *sla.Table
	if dep.All != nil {
		table = dep.All.SLA
	}
	r, err := handoff.NewRouter(dep.Handoff, handoff.RouterClock(now), handoff.RouterLoads(loads),
		handoff.RouterSLAWait(func(team string, start time.Time, d time.Duration) time.Duration {
			return table.Policy(team).Wait(start, d) // the due time the SLA stamps
		}))
	if err != nil {
		return nil, err
	}
	h := &helpdesk{dep: dep, router: r, decisions: map[string]handoff.Decision{},
		tickets: map[string]flows.TicketRef{}, declined: map[string]bool{},
		summaryFailed: map[string]string{}}
	if !live {
		if h.recs, err = handoff.Recorders(dep.Handoff, handoff.WithClock(now)); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// turn runs one turn through engine.Handle; with a deployment config the
// engine calls the helpdesk's route for each handoff before saving, so the
// session and its routed outbox items are written together.
func (s *Sandbox) turn(ctx context.Context, id string, in flows.Input) ([]flows.Effect, error) {
	if s.cfg.Host != nil {
		return s.cfg.Host.Turn(ctx, id, in, func() *flows.Session { return s.newSession(id) })
	}
	return s.eng.Handle(ctx, s.store, id, in, func() *flows.Session { return s.newSession(id) })
}

// route is the engine's handoff hook: the Router decides the team, agent,
// priority and tags (filling h with them), and a handoff that gets no
// ticket (out of hours, tell or email) is declined, which ends the
// conversation in the same save. With --live the host routes (and
// summarises) instead, and decided records its decisions.
func (h *helpdesk) route(ctx context.Context, _ *flows.Session, hf *flows.Handoff) error {
	d, err := h.router.Route(ctx, hf)
	if err != nil {
		return fmt.Errorf("routing by %s: %w", h.dep.Handoff.Source, err)
	}
	h.decisions[hf.ID] = d
	if !d.OpenTicket {
		h.declined[hf.ID] = true
		return engine.ErrHandoffDeclined
	}
	h.dep.All.SLA.Stamp(hf) // the due times, as baton serve stamps them
	return nil
}

// decided records the live host's routing decision for hf, as route does
// in the sandbox: after shows it.
func (h *helpdesk) decided(hf *flows.Handoff, d handoff.Decision, summaryErr error) {
	h.decisions[hf.ID] = d
	if !d.OpenTicket {
		h.declined[hf.ID] = true
	}
	if summaryErr != nil {
		h.summaryFailed[hf.ID] = summaryWhy(summaryErr)
	}
}

// summaryWhy is the nlu_fallback reason of a failed summary.
func summaryWhy(err error) string {
	why := strings.TrimPrefix(err.Error(), "llm: ")
	if !strings.HasPrefix(why, "summary") {
		why = "summary: " + why
	}
	return why
}

// after returns the events that follow effect e of a turn: the routing
// decision after a handoff (and the message for the customer, when
// shown), and in the sandbox the requests each connector would send.
func (h *helpdesk) after(ctx context.Context, e flows.Effect) ([]flows.Effect, []string) {
	switch e := e.(type) {
	case flows.HandoffEffect:
		if e.Handoff == nil {
			return nil, nil
		}
		d, ok := h.decisions[e.ID]
		if !ok {
			return nil, nil
		}
		delete(h.decisions, e.ID)
		out := []flows.Effect{NewRouteEvent(e.Handoff, d)}
		if why, failed := h.summaryFailed[e.ID]; failed {
			delete(h.summaryFailed, e.ID)
			out = append(out, flows.NLUFallback{Reason: why, Source: summaryExtractive})
		}
		var problems []string
		if d.OpenTicket && h.recs != nil {
			rec := h.recs[d.Connector]
			if rec == nil {
				return out, []string{fmt.Sprintf("routing chose connector %q, which is not configured in %s", d.Connector, h.dep.Handoff.Source)}
			}
			rec.Reset()
			t, err := rec.Open(ctx, e.Handoff)
			out = append(out, requestEvents(rec)...)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s would fail to open the ticket: %v", d.Connector, err))
			} else {
				if t.Connector == "" {
					t.Connector = d.Connector
				}
				h.setTicket(e.ID, t)
			}
		}
		if h.dep.Handoff.Tells(d) {
			out = append(out, flows.Reply{Text: d.Message, From: "bot"})
		}
		return out, problems
	case flows.Append:
		return h.dry(e.HandoffID, "append", func(rec *handoff.Recorder, t flows.TicketRef) error {
			return rec.Append(ctx, t, e.Message)
		})
	case flows.Undelivered:
		// The note on the agent's ticket (an append item in the outbox).
		if h.recs == nil {
			return nil, nil
		}
		rec := h.recs[e.Ticket.Connector]
		if rec == nil {
			return nil, nil
		}
		rec.Reset()
		err := rec.Append(ctx, e.Ticket, e.Message)
		out := requestEvents(rec)
		if err != nil {
			return out, []string{fmt.Sprintf("%s would fail to append: %v", e.Ticket.Connector, err)}
		}
		return out, nil
	case flows.HandoffClose:
		if strings.HasPrefix(e.Reason, "ticket_") {
			// The agent solved or closed it: the connector finds it so and
			// leaves it as it is.
			return nil, nil
		}
		return h.dry(e.HandoffID, "close", func(rec *handoff.Recorder, t flows.TicketRef) error {
			return rec.Close(ctx, t)
		})
	}
	return nil, nil
}

// dry runs a sandbox call on the ticket of handoff hid and returns the
// requests it would send.
func (h *helpdesk) dry(hid, op string, call func(*handoff.Recorder, flows.TicketRef) error) ([]flows.Effect, []string) {
	if h.recs == nil || h.declined[hid] {
		return nil, nil
	}
	t := h.ticket(hid)
	if t.ID == "" {
		return nil, nil
	}
	rec := h.recs[t.Connector]
	if rec == nil {
		return nil, nil
	}
	rec.Reset()
	err := call(rec, t)
	out := requestEvents(rec)
	if err != nil {
		return out, []string{fmt.Sprintf("%s would fail to %s: %v", t.Connector, op, err)}
	}
	return out, nil
}

// ticket is handoff hid's ticket, when one was opened.
func (h *helpdesk) ticket(hid string) flows.TicketRef {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tickets[hid]
}

func (h *helpdesk) setTicket(hid string, t flows.TicketRef) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tickets[hid] = t
}

func requestEvents(rec *handoff.Recorder) []flows.Effect {
	var out []flows.Effect
	for _, r := range rec.Requests() {
		out = append(out, NewHelpdeskRequest(r))
	}
	return out
}
