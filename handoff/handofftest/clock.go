package handofftest

import (
	"sort"
	"sync"
	"time"
)

// Clock is a fake clock for tests: time moves only with Advance (or Set),
// and timers due by then run, in time order, inside that call. It
// satisfies handoff.Clock.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers map[int]*timer
}

type timer struct {
	at time.Time
	f  func()
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t, timers: map[int]*timer{}} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc calls f once the clock has moved d on; stop cancels it.
func (c *Clock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	id := c.seq
	c.timers[id] = &timer{at: c.now.Add(d), f: f}
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.timers[id]
		delete(c.timers, id)
		return ok
	}
}

// Pending returns how many timers wait for the clock to move on: a test
// knows by it that the code under test has armed one.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Advance moves the clock d on and runs the timers due.
func (c *Clock) Advance(d time.Duration) {
	c.Set(c.Now().Add(d))
}

// Set moves the clock to t (never back) and runs the timers due.
func (c *Clock) Set(t time.Time) {
	for {
		c.mu.Lock()
		if t.After(c.now) {
			c.now = t
		}
		var due []int
		for id, tm := range c.timers {
			if !tm.at.After(c.now) {
				due = append(due, id)
			}
		}
		if len(due) == 0 {
			c.mu.Unlock()
			return
		}
		sort.Slice(due, func(i, j int) bool {
			a, b := c.timers[due[i]], c.timers[due[j]]
			if !a.at.Equal(b.at) {
				return a.at.Before(b.at)
			}
			return due[i] < due[j]
		})
		tm := c.timers[due[0]]
		delete(c.timers, due[0])
		c.mu.Unlock()
		tm.f()
	}
}
