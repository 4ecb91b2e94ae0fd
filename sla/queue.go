package sla

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// recentFirstResponses is how many of a team's latest first responses
// the expected wait is the median of; minSamples how many it needs;
// maxWaiting how many waiting handoffs a team's count remembers.
const (
	recentFirstResponses = 20
	minSamples           = 5
	maxWaiting           = 100000
	// pruneEvery bounds how often the handoffs waiting past the queue's
	// max age are looked for (in the events' time).
	pruneEvery = time.Minute
	// futureSkew is how far ahead of the queue's clock an event may be
	// dated (a helpdesk's or a provider's clock a little ahead) before it
	// is told to QueueOnFuture; either way it is read at the clock.
	futureSkew = time.Minute
)

// Queue follows, from the analytics events (it is a flows.EventSink),
// the handoffs waiting for each team and the team's latest first-response
// times, to tell a customer the expected wait: the `sla` builtin a flow
// reads in its transfer message ({{ sla.first_response }}). Its figures
// are this process's: with several instances, each sees the handoffs it
// served.
//
// A handoff stops waiting at its first agent reply, when its ticket is
// solved or closed, when it failed, or when the bot took the conversation
// back; one still waiting after the queue's max age (its conversation
// expired with the store's session TTL, or its helpdesk's callbacks never
// came) is forgotten.
//
// The queue's time is its events' (so that a sandbox's or a test's clock
// moves it), but never past its own clock (QueueClock): an event dated
// ahead of it (a host's clock gone wrong, a bad timestamp) is read as
// happening now, or its date would make every handoff waiting look past
// the max age and be forgotten.
type Queue struct {
	table    *Table
	maxAge   time.Duration
	now      func() time.Time
	onFuture func(ev *flows.Event)
	mu       sync.Mutex
	waiting  map[string]map[string]time.Time // team → handoff id → when it was requested
	recent   map[string][]time.Duration      // team → latest first responses
	// latest is the latest event's time, pruned when the waiting were last
	// pruned of those past maxAge.
	latest, pruned time.Time
	// byConv is the handoff each conversation waits on, so that an end
	// that names no handoff (conversation_ended: the customer closed it,
	// the handoff was declined) forgets it too.
	byConv map[string]waitingRef
	// afterHours holds the waiting handoffs requested while their team
	// was closed: their first reply comes when it opens, a wait that is
	// not a customer's in hours, so it is no sample of the expected wait.
	afterHours map[string]bool
}

type waitingRef struct{ team, handoff string }

// QueueOption configures a Queue.
type QueueOption func(*Queue)

// QueueMaxAge sets how long a handoff may wait before the queue forgets
// it (default flows.DefaultSessionTTL: the store's session TTL, after
// which its conversation is gone).
func QueueMaxAge(d time.Duration) QueueOption { return func(q *Queue) { q.maxAge = d } }

// QueueClock sets the clock no event's time may pass (default time.Now):
// the host's, the one its turns run on.
func QueueClock(now func() time.Time) QueueOption {
	return func(q *Queue) {
		if now != nil {
			q.now = now
		}
	}
}

// QueueOnFuture sets what is told of each event dated more than a minute
// ahead of the queue's clock (read at the clock's time): a host warns
// that a clock or a timestamp is wrong. It is called with the queue
// locked (calls never overlap) and must not call the queue.
func QueueOnFuture(f func(ev *flows.Event)) QueueOption {
	return func(q *Queue) { q.onFuture = f }
}

var _ flows.EventSink = (*Queue)(nil)

// NewQueue returns a queue whose expected wait falls back to table's
// first-response targets while a team has few recent answers.
func NewQueue(table *Table, opts ...QueueOption) *Queue {
	q := &Queue{table: table, maxAge: flows.DefaultSessionTTL, now: time.Now, waiting: map[string]map[string]time.Time{}, recent: map[string][]time.Duration{}, byConv: map[string]waitingRef{}, afterHours: map[string]bool{}}
	for _, o := range opts {
		o(q)
	}
	return q
}

// Write follows handoffs requested, answered and closed.
func (q *Queue) Write(_ context.Context, events ...flows.Event) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	var now time.Time // the clock, read once, when an event passes latest
	for i := range events {
		ev := &events[i]
		at := ev.At
		if at.After(q.latest) {
			if now.IsZero() {
				now = q.now()
			}
			if at.After(now) {
				if q.onFuture != nil && at.Sub(now) > futureSkew {
					q.onFuture(ev)
				}
				at = now
			}
			if at.After(q.latest) {
				q.latest = at
			}
		}
		switch ev.Type {
		case flows.EvHandoffRequested:
			w := q.waiting[ev.Team]
			if w == nil {
				w = map[string]time.Time{}
				q.waiting[ev.Team] = w
			}
			if len(w) < maxWaiting { // byConv indexes the waiting: it is bounded with them
				if old, ok := q.byConv[ev.Conversation]; ok && ev.Conversation != "" {
					delete(q.waiting[old.team], old.handoff)
					delete(q.afterHours, old.handoff)
				}
				w[ev.Handoff] = at
				if ev.InHours != nil && !*ev.InHours {
					q.afterHours[ev.Handoff] = true
				} else {
					delete(q.afterHours, ev.Handoff)
				}
				if ev.Conversation != "" {
					q.byConv[ev.Conversation] = waitingRef{ev.Team, ev.Handoff}
				}
			}
		case flows.EvFirstAgentReply:
			id := ev.Handoff
			if r, ok := q.byConv[ev.Conversation]; ok && id == "" {
				id = r.handoff
			}
			after := q.afterHours[id]
			q.forget(ev)
			if after {
				continue
			}
			r := append(q.recent[ev.Team], time.Duration(ev.WaitMS)*time.Millisecond)
			if len(r) > recentFirstResponses {
				r = r[len(r)-recentFirstResponses:]
			}
			q.recent[ev.Team] = r
		case flows.EvTicketSolved, flows.EvTicketClosed, flows.EvHandoffFailed, flows.EvBotResumed, flows.EvConversationEnded:
			q.forget(ev)
		}
	}
	if q.maxAge > 0 && q.latest.Sub(q.pruned) >= pruneEvery {
		q.pruned = q.latest
		for team, w := range q.waiting {
			for id, at := range w {
				if q.latest.Sub(at) >= q.maxAge {
					delete(w, id)
					delete(q.afterHours, id)
				}
			}
			if len(w) == 0 {
				delete(q.waiting, team)
			}
		}
		for conv, r := range q.byConv {
			if _, ok := q.waiting[r.team][r.handoff]; !ok {
				delete(q.byConv, conv)
			}
		}
	}
	return nil
}

// forget ends the wait of ev's handoff, or of the handoff ev's
// conversation waits on when ev names none.
func (q *Queue) forget(ev *flows.Event) {
	if ev.Handoff != "" {
		delete(q.waiting[ev.Team], ev.Handoff)
		delete(q.afterHours, ev.Handoff)
	}
	if r, ok := q.byConv[ev.Conversation]; ok && (ev.Handoff == "" || ev.Handoff == r.handoff) {
		delete(q.waiting[r.team], r.handoff)
		delete(q.afterHours, r.handoff)
		delete(q.byConv, ev.Conversation)
	}
}

// Close does nothing.
func (q *Queue) Close() error { return nil }

// Expected returns the expected wait for a first reply to a handoff to
// team at priority p (the median of the team's latest first responses
// to handoffs requested in hours, once there are enough, else the SLA
// target; 0 when neither is known)
// and how many handoffs wait for the team now.
func (q *Queue) Expected(team string, p flows.Priority) (time.Duration, int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	waiting := len(q.waiting[team])
	if r := q.recent[team]; len(r) >= minSamples {
		s := slices.Clone(r)
		slices.Sort(s)
		return s[(len(s)-1)/2], waiting
	}
	return q.table.Policy(team).FirstResponse[p], waiting
}
