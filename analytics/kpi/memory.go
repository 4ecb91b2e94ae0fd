package kpi

import (
	"time"

	"github.com/batonbot/baton/flows"
)

// What a Computer remembers between events, and when it forgets it: the
// memory follows the open conversations and the recent events, not the
// whole of the data.

// repeatWindow is how far apart in time an event and its repeat are
// looked for: a webhook batch is sent again for at most 2 minutes.
const repeatWindow = 10 * time.Minute

// maxSeen bounds the ids kept for the repeat check (some 100 MB): past
// it (over 2,300 events a second for 7.5 minutes) a new id is not kept
// until the next forgetSeen, so a repeat of it would count twice.
const maxSeen = 1 << 20

// remember keeps ev's id for the repeat check, forgetting every
// repeatWindow/2 of the events' time the ids past the window, so that
// the map holds at most one and a half windows of events, not the hour
// between sweeps.
func (c *Computer) remember(ev *flows.Event) {
	if c.horizon.Sub(c.seenSwep) >= repeatWindow/2 {
		c.forgetSeen()
	}
	if len(c.seen) < maxSeen {
		c.seen[ev.ID] = ev.At
	}
}

// forgetSeen drops the ids of the events older than repeatWindow.
func (c *Computer) forgetSeen() {
	c.seenSwep = c.horizon
	for id, at := range c.seen {
		if c.horizon.Sub(at) > repeatWindow {
			delete(c.seen, id)
		}
	}
}

// lateMemory is how long a late handoff is remembered for its first reply.
const lateMemory = 30 * 24 * time.Hour

// sweep gives up on conversations idle past Expire and settles the
// first-contact-resolution window, so memory follows the open
// conversations and the recent contacts, not the events.
func (c *Computer) sweep() {
	c.lastSweep = c.horizon
	for _, id := range c.byStart(func(cv *conv) bool { return c.horizon.Sub(cv.last) >= c.o.Expire }) {
		cv := c.open[id]
		c.finish(id, cv, "", cv.last.Add(c.o.Expire))
	}
	c.fcrSweep()
	for id, l := range c.late {
		if c.horizon.Sub(l.at) > lateMemory {
			delete(c.late, id)
		}
	}
	for id, sc := range c.settled {
		if c.horizon.Sub(sc.at) > lateMemory {
			delete(c.settled, id)
		}
	}
	for k, at := range c.asks {
		if c.horizon.Sub(at) > lateMemory {
			delete(c.asks, k)
		}
	}
	c.forgetSeen()
	for id, at := range c.deadIDs {
		if c.horizon.Sub(at) > lateMemory {
			delete(c.deadIDs, id)
		}
	}
}
