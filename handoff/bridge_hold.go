package handoff

import (
	"context"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// DefaultStatusHold is how long a Zendesk or Freshdesk request that solves
// or closes a ticket waits for the agent's reply of the same update
// (HandlerStatusHold).
//
// An agent who replies and solves in one update ("Submit as Solved")
// fires two triggers (two automation rules on Freshdesk), whose webhooks
// arrive in either order. Were the status taken first, the conversation
// would go back to the bot, its survey would go out, and the agent's last
// reply, arriving after, would only be noted on the ticket as not
// delivered. So the status waits until an agent's reply to the same
// conversation is delivered, for at most the hold; it does not wait when
// one was delivered within the hold before it (the reply came first).
// The hold stays well under Zendesk's 10-second webhook timeout.
const DefaultStatusHold = 5 * time.Second

// HandlerStatusHold sets how long a request that solves or closes a
// Zendesk or Freshdesk ticket waits for the agent's reply of the same
// update (default DefaultStatusHold); a negative d turns the wait off. The
// generic callback's sender orders its own events (agent.message first,
// then ticket.status), so its handler never waits.
//
// The wait ends at once when the reply reaches this process; a reply
// taken by another process behind the same load balancer is not seen, and
// the status then waits the whole hold, which still puts it after a reply
// that arrived within the hold.
func HandlerStatusHold(d time.Duration) HandlerOption {
	return func(o *handlerOptions) {
		if d != 0 {
			o.statusHold = d
		}
	}
}

// HandlerTimeSource sets the clock the handler lives by, its timers
// included (the status hold's); tests pass a fake one.
func HandlerTimeSource(c Clock) HandlerOption {
	return func(o *handlerOptions) {
		if c != nil {
			o.now, o.timers = c.Now, c
		}
	}
}

// endsHandoff reports whether in solves or closes a ticket.
func endsHandoff(in flows.Input) bool {
	return in.Kind == flows.InputTicket && in.Ticket != nil &&
		(in.Ticket.Status == flows.TicketSolved || in.Ticket.Status == flows.TicketClosed)
}

// replyWatch is what the handler knows of agents' replies delivered to
// each conversation, so a status can wait for one.
type replyWatch struct {
	mu sync.Mutex
	// last is when a reply to the conversation was last delivered.
	last map[string]time.Time
	// wait holds, per conversation, a channel closed when one is.
	wait map[string]chan struct{}
}

// replyWatchMax bounds what a replyWatch remembers; past it, it forgets
// (statuses then wait the whole hold, or end their wait early).
const replyWatchMax = 10000

// replied records a reply to conv delivered at now and ends the waits for
// it.
func (r *replyWatch) replied(conv string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil || len(r.last) >= replyWatchMax {
		r.last = map[string]time.Time{}
	}
	r.last[conv] = now
	if ch, ok := r.wait[conv]; ok {
		close(ch)
		delete(r.wait, conv)
	}
}

// watch returns nil when a reply to conv was delivered within hold before
// now, else a channel closed once one is.
func (r *replyWatch) watch(conv string, now time.Time, hold time.Duration) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if at, ok := r.last[conv]; ok && now.Sub(at) <= hold {
		return nil
	}
	if ch, ok := r.wait[conv]; ok {
		return ch
	}
	if r.wait == nil {
		r.wait = map[string]chan struct{}{}
	}
	if len(r.wait) >= replyWatchMax {
		for _, ch := range r.wait {
			close(ch)
		}
		clear(r.wait)
	}
	ch := make(chan struct{})
	r.wait[conv] = ch
	return ch
}

// forget drops the channel a wait that ended without a reply made.
func (r *replyWatch) forget(conv string, ch chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.wait[conv] == ch {
		delete(r.wait, conv)
	}
}

// holdStatus waits, for at most the handler's hold, until an agent's
// reply to conv is delivered, unless one was just before. It fails only
// when ctx ends (the helpdesk gave up on the request).
func (b *bridgeHandler) holdStatus(ctx context.Context, conv string) error {
	timeUp := make(chan struct{})
	stop := b.o.timers.AfterFunc(b.hold, func() { close(timeUp) })
	defer stop()
	ch := b.replies.watch(conv, b.o.now(), b.hold)
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
	case <-timeUp:
		b.replies.forget(conv, ch)
	case <-ctx.Done():
		b.replies.forget(conv, ch)
		return ctx.Err()
	}
	return nil
}
