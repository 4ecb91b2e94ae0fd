package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// helpdesk is the sandbox's helpdesk side when a deployment config is
// given: every handoff goes through the Router, and the outbox items of a
// turn are the routed ones. In the sandbox (recs set) the configured
// connectors run in dry-run mode and each Open, Append and Close shows the
// requests it would send; with --live the items stay in the store for the
// Deliverer, which calls the helpdesks for real.
type helpdesk struct {
	dep    *deployment
	router *handoff.Router
	// recs are the dry-run connectors of the sandbox; nil with --live.
	recs map[string]*handoff.Recorder
	// decisions of the handoffs routed in the turn being run, by id.
	decisions map[string]handoff.Decision
	// tickets are the sandbox's tickets by handoff id (what the recorders'
	// canned answers named).
	tickets map[string]flows.TicketRef
	// declined are handoffs routed to no ticket (out of hours, tell or
	// email): their open and appends are not written.
	declined map[string]bool
}

func newHelpdesk(dep *deployment, now func() time.Time, live bool) (*helpdesk, error) {
	r, err := handoff.NewRouter(dep.cfg, handoff.RouterClock(now))
	if err != nil {
		return nil, err
	}
	h := &helpdesk{dep: dep, router: r, decisions: map[string]handoff.Decision{},
		tickets: map[string]flows.TicketRef{}, declined: map[string]bool{}}
	if !live {
		if h.recs, err = recorders(dep.cfg, now); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// turn runs one turn the way engine.Handle does, routing the turn's
// handoffs between the turn and the save, so the session and its routed
// outbox items are written together.
func (s *sandbox) turn(ctx context.Context, id string, in flows.Input) ([]flows.Effect, error) {
	hd := s.hd
	if hd == nil {
		return s.eng.Handle(ctx, s.store, id, in, func() *flows.Session { return s.newSession(id) })
	}
	var err error
	for range 5 {
		old, lerr := s.store.Load(ctx, id)
		if errors.Is(lerr, flows.ErrNoSession) {
			old, lerr = s.newSession(id), nil
		}
		if lerr != nil {
			return nil, fmt.Errorf("loading session %q: %w", id, lerr)
		}
		ns, effs, terr := s.eng.Turn(ctx, old, in)
		if terr != nil {
			return nil, terr
		}
		for i, e := range effs {
			effs[i] = normEffect(e)
		}
		items, rerr := hd.items(ctx, old, ns, effs, in.At)
		if rerr != nil {
			return nil, rerr
		}
		err = s.store.Save(ctx, ns, items...)
		if errors.Is(err, flows.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("saving session %q: %w", id, err)
		}
		return effs, nil
	}
	return nil, fmt.Errorf("session %q kept changing while the turn ran: %w", id, err)
}

// items routes the turn's handoffs and returns the outbox items to save
// with the new session: the engine's, less those of declined handoffs,
// plus a close when the bot ends a conversation whose ticket is open.
func (h *helpdesk) items(ctx context.Context, old, ns *flows.Session, effs []flows.Effect, at time.Time) ([]flows.OutboxItem, error) {
	for _, e := range effs {
		he, ok := e.(flows.HandoffEffect)
		if !ok || he.Handoff == nil {
			continue
		}
		d, err := h.router.Route(ctx, he.Handoff)
		if err != nil {
			return nil, fmt.Errorf("routing handoff %s: %w", he.ID, err)
		}
		h.decisions[he.ID] = d
		if !d.OpenTicket {
			h.declined[he.ID] = true
		}
	}
	var out []flows.OutboxItem
	for _, it := range engine.OutboxItems(ns, effs) {
		if !h.declined[it.HandoffID] {
			out = append(out, it)
		}
	}
	if hid := closedHandoff(old, effs); hid != "" && !h.declined[hid] {
		out = append(out, flows.OutboxItem{
			ID: hid + ":close:" + strconv.Itoa(ns.Turns), Kind: flows.OutboxClose, ConversationID: ns.ID,
			HandoffID: hid, Status: flows.OutboxPending, CreatedAt: at, NextAt: at,
		})
	}
	return out, nil
}

// closedHandoff is the handoff whose ticket Baton must close: the bot
// ended the conversation while the ticket was open (a solved or closed
// ticket needs no close).
func closedHandoff(old *flows.Session, effs []flows.Effect) string {
	if old == nil || old.Handoff == nil {
		return ""
	}
	for _, e := range effs {
		if end, ok := e.(flows.EndEffect); ok && !strings.HasPrefix(end.Reason, "ticket_") {
			return old.Handoff.ID
		}
	}
	return ""
}

// after returns the events that follow effect e of a turn: the routing
// decision after a handoff (and the message for the customer, when
// shown), and in the sandbox the requests each connector would send.
func (h *helpdesk) after(ctx context.Context, old *flows.Session, e flows.Effect) ([]flows.Effect, []string) {
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
		out := []flows.Effect{newRouteEvent(e.Handoff, d)}
		var problems []string
		if d.OpenTicket && h.recs != nil {
			rec := h.recs[d.Connector]
			if rec == nil {
				return out, []string{fmt.Sprintf("routing chose connector %q, which is not configured in %s", d.Connector, h.dep.cfg.Source)}
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
				h.tickets[e.ID] = t
			}
		}
		if h.showMessage(d) {
			out = append(out, flows.Reply{Text: d.Message, From: "bot"})
		}
		return out, problems
	case flows.Append:
		return h.dry(e.HandoffID, "append", func(rec *handoff.Recorder, t flows.TicketRef) error {
			return rec.Append(ctx, t, e.Message)
		})
	case flows.EndEffect:
		if old == nil || old.Handoff == nil || strings.HasPrefix(e.Reason, "ticket_") {
			return nil, nil
		}
		return h.dry(old.Handoff.ID, "close", func(rec *handoff.Recorder, t flows.TicketRef) error {
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
	t, ok := h.tickets[hid]
	if !ok {
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

func requestEvents(rec *handoff.Recorder) []flows.Effect {
	var out []flows.Effect
	for _, r := range rec.Requests() {
		out = append(out, newHelpdeskRequest(r))
	}
	return out
}

// showMessage says whether the customer is told the routing decision's
// message: always when no ticket is opened (out of hours, tell or email:
// the message is all the customer gets), else when the config's messages:
// section writes that message (the deployment opted in).
func (h *helpdesk) showMessage(d handoff.Decision) bool {
	if d.Message == "" {
		return false
	}
	if !d.OpenTicket {
		return true
	}
	_, ok := h.dep.cfg.Messages[messageKey(d)]
	return ok
}

// messageKey is the message a decision's text was written from.
func messageKey(d handoff.Decision) string {
	switch {
	case d.InHours && d.SLA > 0:
		return handoff.MsgAssigned
	case d.InHours:
		return handoff.MsgAssignedNoSLA
	case d.OutOfHours == handoff.OutOfHoursTell:
		return handoff.MsgAfterHoursTell
	case d.OutOfHours == handoff.OutOfHoursEmail:
		return handoff.MsgAfterHoursEmail
	}
	return handoff.MsgAfterHoursTicket
}
