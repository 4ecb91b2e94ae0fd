package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// Reply delivery bounds.
const (
	replyBatch   = 64
	replyTimeout = 30 * time.Second
	// replyMaxAge is how long a reply is retried before it is dead: an
	// answer that arrives a day late helps nobody.
	replyMaxAge = 24 * time.Hour
	// settleTimeout is the least time a reply's settle is given.
	settleTimeout = 5 * time.Second
)

// runReplies sends the reply items of the outbox through their
// conversation's channel until ctx is done. The store hands out one reply
// per conversation at a time, oldest first, so a conversation's replies
// arrive in order. It claims as many replies as it has idle senders, and
// claims again as soon as one is idle while the outbox hands out all it
// asks for: a send that hangs until its deadline holds back no other
// conversation's reply. Sends under way finish at shutdown.
func (h *Host) runReplies(ctx context.Context) {
	outbox := h.store.OutboxOf(flows.OutboxReply)
	senders := min(h.workers, replyBatch)
	// Senders live as long as the host, so their stacks (grown by the HTTP
	// client's first sends) are kept.
	sends := make(chan func())
	var pool sync.WaitGroup
	for range senders {
		pool.Go(func() {
			for send := range sends {
				send()
			}
		})
	}
	busy := make(chan struct{}, senders) // one token per send under way
	idle := make(chan struct{}, 1)       // a send finished
	defer func() {
		close(sends)
		pool.Wait()
	}()
	h.loops.Add(1) // see workersRun
	defer h.loops.Add(-1)
	timer := time.NewTimer(0)
	defer timer.Stop()
	more := false // the last claim got all it asked for: more may be due
	for {
		if !more || len(busy) == senders {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			case <-h.replyWake:
			case <-idle:
				if !more {
					continue
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		free := senders - len(busy)
		if free == 0 {
			more = true // woken while every sender is busy
			continue
		}
		// The claim is not cut at shutdown: a store that has leased the
		// replies would answer a cut call with the context's error, and
		// they would wait out their lease. What it took after the
		// shutdown came is handed back below.
		items, err := outbox.Claim(context.WithoutCancel(ctx), h.now(), h.lease, free)
		if err != nil && ctx.Err() == nil {
			h.log.Error("claiming replies failed; retrying", "error", err)
		}
		more = err == nil && len(items) == free
		for _, it := range items {
			if ctx.Err() != nil {
				h.release(outbox, it)
				continue
			}
			busy <- struct{}{}
			sends <- func() {
				defer func() {
					<-busy
					select {
					case idle <- struct{}{}:
					default:
					}
				}()
				h.sendReply(context.WithoutCancel(ctx), outbox, it)
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(h.poll)
	}
}

// sendLeased sends, in the calling worker, the replies a turn's save
// leased to it (flows.ReplyClaim), in order: no claim, and no hand-over
// to another goroutine. It hands the rest back, to go in order after
// what stays pending, when a reply is to be retried, when a settle failed
// (that reply goes again once its lease ends, and the ones after it must
// not overtake it), and before a send its lease might not outlast (once
// the lease ends another worker may claim the reply and send it again).
func (h *Host) sendLeased(ctx context.Context, leased flows.ReplyClaim) {
	for i, it := range leased.Items {
		if h.now().Add(replyTimeout + settleTimeout).After(leased.Until) {
			for _, rest := range leased.Items[i:] {
				h.release(h.store, rest)
			}
			h.wakeReplies()
			return
		}
		if status, settled := h.sendReply(ctx, h.store, it); status == flows.OutboxPending || !settled {
			for _, rest := range leased.Items[i+1:] {
				h.release(h.store, rest)
			}
			return
		}
	}
}

// release hands a claimed item back at once (shutdown, a reply behind one
// to be retried).
func (h *Host) release(outbox flows.Outbox, it flows.OutboxItem) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := outbox.Settle(ctx, it); err != nil {
		h.log.Warn("releasing a reply failed; its lease expires instead", "item", it.ID, "error", err)
	}
}

// sendReply sends one reply and settles it: delivered; pending again at
// the provider's Retry-After or a backoff when the failure is temporary
// and that retry falls within the reply's max age; dead otherwise; it returns that status and whether the settle was
// saved. A reply WhatsApp may not deliver (the 24-hour window has closed
// and no template is configured) becomes a note on the conversation's
// ticket, so the agent knows.
func (h *Host) sendReply(ctx context.Context, outbox flows.Outbox, it flows.OutboxItem) (status flows.OutboxStatus, settled bool) {
	it.Attempts++
	now := h.now()
	var err error
	var a *Account
	switch {
	case it.Outbound == nil:
		err = errors.New("the reply item has no message")
	default:
		a, err = h.account(it.ConversationID)
	}
	if err == nil && a.Sender == nil {
		err = fmt.Errorf("the %s account %s has no sender", a.Channel, a.Name)
	}
	channel := ""
	if a != nil {
		channel = a.Channel
	}
	// The send's deadline bounds the settle too while at least
	// settleTimeout of it is left (a deadline costs a timer); a send that
	// took longer leaves the settle a deadline of its own.
	sctx, cancel := context.WithTimeout(ctx, replyTimeout)
	defer cancel()
	if err == nil {
		err = a.Sender.Send(sctx, *it.Outbound)
	}
	switch {
	case err == nil:
		it.Status, it.LastError = flows.OutboxDelivered, ""
		h.metrics.delivery(flows.OutboxReply, "delivered")
		if h.log.Enabled(ctx, slog.LevelDebug) {
			h.log.Debug("reply sent", "conversation", it.ConversationID, "item", it.ID, "attempts", it.Attempts)
		}
	case errors.Is(err, flows.ErrOutsideWindow):
		it.Status, it.LastError = flows.OutboxDead, err.Error()
		h.metrics.delivery(flows.OutboxReply, "dead")
		h.metrics.sendError(channel, 131047)
		h.log.Warn("a reply could not be sent: the customer-service window has closed; noting it on the ticket",
			"conversation", it.ConversationID, "item", it.ID)
		h.noteUndelivered(ctx, it, err)
	default:
		// Declared here: errors.As takes its address, which moves it to
		// the heap, and a delivered reply has no use for it.
		var ce *flows.ChannelError
		code := 0
		if errors.As(err, &ce) {
			code = ce.Code
		}
		h.metrics.sendFailed(channel, err)
		wait, temporary := flows.RetryAfter(err)
		if ce == nil && ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || sctx.Err() != nil) {
			// The send ran out of time (a slow provider), reported as a
			// sender of a program's own does, with the context's error:
			// it may succeed later, as the built-in senders' timeouts do.
			temporary = true
		}
		if wait <= 0 {
			wait = replyBackoff(it.Attempts)
		}
		// A retry later than the reply's max age (a channel's wait of days,
		// or of math.MaxInt64) is no retry: the reply is dead now.
		if temporary && now.Sub(it.CreatedAt) < replyMaxAge && wait < replyMaxAge-now.Sub(it.CreatedAt) {
			it.Status, it.NextAt, it.LastError = flows.OutboxPending, now.Add(wait), err.Error()
			h.metrics.delivery(flows.OutboxReply, "retry")
			h.log.Warn("a reply failed; retrying", "conversation", it.ConversationID, "item", it.ID, "attempts", it.Attempts, "next", it.NextAt, "code", code, "error", err)
		} else {
			it.Status, it.LastError = flows.OutboxDead, err.Error()
			h.metrics.delivery(flows.OutboxReply, "dead")
			h.log.Error("a reply failed for good", "conversation", it.ConversationID, "item", it.ID, "attempts", it.Attempts, "code", code, "error", err)
			h.noteUndelivered(ctx, it, err)
		}
	}
	if d, _ := sctx.Deadline(); time.Until(d) < settleTimeout {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(ctx, settleTimeout)
		defer cancel()
	}
	if err := outbox.Settle(sctx, it); err != nil {
		if errors.Is(err, flows.ErrLeaseLost) {
			h.log.Warn("a reply was sent after this worker's lease ran out, and another worker has claimed it since: the customer may get it twice",
				"item", it.ID, "error", err)
			return it.Status, false
		}
		h.log.Error("settling a reply failed; it may be sent again when its lease ends", "item", it.ID, "error", err)
		return it.Status, false
	}
	return it.Status, true
}

// replyBackoff is the wait before attempt n+1: 1s, 2s, 4s... up to 5m.
func replyBackoff(n int) time.Duration {
	d := time.Second << min(max(n-1, 0), 9)
	return min(d, 5*time.Minute)
}

// noteUndelivered puts a note on the conversation's open ticket saying a
// reply did not reach the customer. Without an open handoff there is no
// ticket, and the log says it.
func (h *Host) noteUndelivered(ctx context.Context, it flows.OutboxItem, cause error) {
	err := h.commit(ctx, it.ConversationID, func(s *flows.Session) flows.Commit {
		if s.Handoff == nil {
			return flows.Commit{}
		}
		text := "Baton could not deliver this reply to the customer (" + cause.Error() + "): " + it.Outbound.Reply.Text
		return flows.Commit{Outbox: []flows.OutboxItem{{ID: it.ID + ":undelivered", Kind: flows.OutboxAppend,
			ConversationID: s.ID, HandoffID: s.Handoff.ID,
			Message: &flows.Message{At: h.now(), From: flows.RoleSystem, Text: text}}}}
	})
	if err != nil {
		h.log.Error("noting an undelivered reply on the ticket failed", "conversation", it.ConversationID, "item", it.ID, "error", err)
	}
}
