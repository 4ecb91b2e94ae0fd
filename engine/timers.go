package engine

import (
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// timer runs a no-reply timeout that fell due. A key that is not the
// session's current one is stale (the user wrote since, or the bot no
// longer waits) and changes nothing.
func (t *turn) timer() {
	s := t.s
	if id, ok := strings.CutPrefix(t.in.Timer, httpWatchdogPrefix); ok {
		t.httpLost(id)
		return
	}
	if t.in.Timer == "" || t.in.Timer != s.TimerKey || s.Lifecycle != flows.LifecycleBot {
		return
	}
	i := s.TimerIndex
	s.TimerKey, s.TimerIndex = "", 0
	if i < 0 || i >= len(t.e.flow.Timeouts) || t.e.flow.Timeouts[i] == nil {
		return
	}
	t.timerFired, t.firedIndex = true, i
	t.trigger = "timeout"
	if t.tr != nil {
		to := t.e.flow.Timeouts[i]
		t.traceCheck(Check{Kind: CheckTimeout, Name: "after " + flows.FormatDuration(to.After), State: t.stateLabel, Pos: to.Pos, Fired: true})
	}
	st := t.f.States[s.State]
	t.goTo(t.runPath(st, loc{kind: locTimeout, idx: i}, 0))
}

// httpLost runs when the watchdog of HTTP call id fires: if the
// conversation still waits for it, its result was lost (the host stopped
// during the call), and the flow goes on as if the call had failed.
func (t *turn) httpLost(id string) {
	if p := t.s.Pending; p == nil || p.ID != id {
		return // the result came in
	}
	t.in.HTTP = &flows.HTTPResult{ID: id, Err: "no result: baton stopped during the call, which is not repeated (it may or may not have reached the server)"}
	t.errorf("the HTTP call %s got no result (baton stopped during it); the flow goes on as if it failed", id)
	t.httpResult()
}

// timers keeps the no-reply timeouts in step with the conversation: while
// the bot waits for the user they are scheduled one after the other,
// relative to the user's last message; otherwise the pending one is
// cancelled.
func (t *turn) timers() {
	s := t.s
	st := t.f.States[s.State]
	waiting := s.Lifecycle == flows.LifecycleBot && s.Pending == nil && st != nil && st.WaitsForInput() && !t.stopped
	if !waiting {
		t.cancelTimer()
		return
	}
	if len(t.e.flow.Timeouts) == 0 {
		return
	}
	switch {
	case t.timerFired:
		if next := t.firedIndex + 1; next < len(t.e.flow.Timeouts) {
			t.schedule(next, s.LastUserAt)
		}
	case t.rearm:
		t.cancelTimer()
		base := t.now
		if t.userMsg || !t.resumedAt.IsZero() && !s.LastUserAt.Before(t.resumedAt) {
			// the customer wrote this turn, or during the HTTP call it
			// resumes after: the timeouts count from that message
			base = s.LastUserAt
		}
		t.schedule(0, base)
	}
}

// schedule asks the host to fire timeout i at base + its After.
func (t *turn) schedule(i int, base time.Time) {
	to := t.e.flow.Timeouts[i]
	if to == nil {
		return
	}
	if base.IsZero() {
		base = t.now
	}
	key := "timeout:" + t.id()
	t.s.TimerKey, t.s.TimerIndex = key, i
	t.emit(flows.Schedule{Key: key, At: base.Add(to.After)})
}

func (t *turn) cancelTimer() {
	if t.s.TimerKey != "" {
		t.emit(flows.Cancel{Key: t.s.TimerKey})
		t.s.TimerKey, t.s.TimerIndex = "", 0
	}
}
