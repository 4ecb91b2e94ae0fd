package sla

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// recentFirstResponses is how many of a team's latest first responses
// the expected wait is the median of; minSamples how many it needs.
const (
	recentFirstResponses = 20
	minSamples           = 5
	maxWaiting           = 100000
)

// Queue follows, from the analytics events (it is a flows.EventSink),
// the handoffs waiting for each team and the team's latest first-response
// times, to tell a customer the expected wait: the `sla` builtin a flow
// reads in its transfer message ({{ sla.first_response }}). Its figures
// are this process's: with several instances, each sees the handoffs it
// served.
type Queue struct {
	table   *Table
	mu      sync.Mutex
	waiting map[string]map[string]bool // team → handoff ids
	recent  map[string][]time.Duration // team → latest first responses
}

var _ flows.EventSink = (*Queue)(nil)

// NewQueue returns a queue whose expected wait falls back to table's
// first-response targets while a team has few recent answers.
func NewQueue(table *Table) *Queue {
	return &Queue{table: table, waiting: map[string]map[string]bool{}, recent: map[string][]time.Duration{}}
}

// Write follows handoffs requested, answered and closed.
func (q *Queue) Write(_ context.Context, events ...flows.Event) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := range events {
		ev := &events[i]
		switch ev.Type {
		case flows.EvHandoffRequested:
			w := q.waiting[ev.Team]
			if w == nil {
				w = map[string]bool{}
				q.waiting[ev.Team] = w
			}
			if len(w) < maxWaiting {
				w[ev.Handoff] = true
			}
		case flows.EvFirstAgentReply:
			delete(q.waiting[ev.Team], ev.Handoff)
			r := append(q.recent[ev.Team], time.Duration(ev.WaitMS)*time.Millisecond)
			if len(r) > recentFirstResponses {
				r = r[len(r)-recentFirstResponses:]
			}
			q.recent[ev.Team] = r
		case flows.EvTicketSolved, flows.EvTicketClosed, flows.EvHandoffFailed:
			delete(q.waiting[ev.Team], ev.Handoff)
		}
	}
	return nil
}

// Close does nothing.
func (q *Queue) Close() error { return nil }

// Expected returns the expected wait for a first reply to a handoff to
// team at priority p (the median of the team's latest first responses
// once there are enough, else the SLA target; 0 when neither is known)
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
