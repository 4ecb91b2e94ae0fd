package host

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sla"
)

// turnTask is a turn to take: fn runs it.
type turnTask struct {
	conversation string
	fn           func(context.Context)
}

// runTurns claims inbox entries and due timers and runs their turns, at
// most h.workers at once and one at a time per conversation, until ctx is
// done; then it waits for the turns under way. The workers live as long
// as the host, so their stacks, grown by the first turns, are kept.
//
// It claims when woken (a message accepted, a turn done) and every poll
// interval; the timers are read at the poll interval, woken or not.
func (h *Host) runTurns(ctx context.Context) {
	tasks := make(chan turnTask)
	var wg sync.WaitGroup
	for range h.workers {
		wg.Go(func() {
			// A turn under way finishes even when shutdown begins: its
			// save is what acknowledges the message.
			tctx := context.WithoutCancel(ctx)
			for t := range tasks {
				h.runTask(tctx, t)
			}
		})
	}
	defer func() {
		close(tasks)
		wg.Wait()
	}()
	h.loops.Add(1) // see workersRun
	defer h.loops.Add(-1)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var lastDue time.Time // on the real clock: the poll interval is
	for {
		polled := false
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			polled = true
		case <-h.wake:
		}
		due := polled || time.Since(lastDue) >= h.poll
		if due {
			lastDue = time.Now()
		}
		more := h.claimTurns(ctx, tasks, due)
		wait := h.poll
		if more {
			wait = 0 // a claim came back full: more may be waiting
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// claimTurns starts the turns of the inbox entries (and, with timers, of
// the timers) due now. It reports whether a claim came back full.
func (h *Host) claimTurns(ctx context.Context, tasks chan<- turnTask, timers bool) bool {
	if ctx.Err() != nil {
		return false // shutting down: nothing more is claimed
	}
	// The claim is not cut at shutdown: a store that has leased the
	// entries would answer a cut call with the context's error, and they
	// would wait out their lease. What it takes is handled (start).
	entries, err := h.store.Inbox().Claim(context.WithoutCancel(ctx), h.now(), h.lease, h.workers)
	if err != nil {
		if ctx.Err() == nil {
			h.log.Error("claiming inbox entries failed; retrying", "error", err)
		}
		return false
	}
	for i := range entries {
		e := &entries[i] // the closure holds the claimed entry, not a copy
		if !h.start(ctx, tasks, turnTask{e.Inbound.ConversationID, func(ctx context.Context) { h.handleEntry(ctx, *e) }}, true) {
			return false
		}
	}
	more := len(entries) >= h.workers
	if !timers {
		return more
	}
	due, full, err := h.dueTimers(ctx)
	if err != nil {
		if ctx.Err() == nil {
			h.log.Error("reading due timers failed; retrying", "error", err)
		}
		return more
	}
	for _, t := range due {
		fire := func(ctx context.Context) {
			sla, err := h.fireSLA(ctx, t)
			if !sla {
				err = h.fire(ctx, t)
			}
			if err != nil {
				h.timerFailed(ctx, t, err)
			} else {
				h.timerDone(t)
			}
		}
		if !h.start(ctx, tasks, turnTask{t.ConversationID, fire}, false) {
			return false
		}
	}
	return more || full
}

// maxDueScan bounds how many due timers one claim reads to find timers
// of the conversations served here.
const maxDueScan = 4096

// dueTimers returns up to h.workers due timers of conversations served
// here, earliest first, and whether more may be due. The timers of an
// account not served here (removed from the config, or added in another
// process's) stay due, for a process that serves it, but do not take the
// others' places: Due is asked for more until enough served ones are
// found (up to maxDueScan), and they do not count as more work.
func (h *Host) dueTimers(ctx context.Context) ([]flows.Timer, bool, error) {
	for n := h.workers; ; n = min(4*n, maxDueScan) {
		due, err := h.store.Due(ctx, h.now(), n)
		if err != nil {
			return nil, false, err
		}
		served := due[:0]
		now := h.now()
		for _, t := range due {
			if h.backingOff(t, now) {
				continue // its turn failed and could not be moved later: it waits
			}
			if _, err := h.account(t.ConversationID); err == nil || (h.watcher != nil && sla.IsKey(t.Key)) {
				served = append(served, t) // the SLA watcher's need no account
			}
		}
		if unserved := len(due) - len(served); unserved > 0 {
			h.log.Debug("due timers of conversations no account here serves; they stay due", "timers", unserved)
		}
		if len(served) >= h.workers || len(due) < n || n >= maxDueScan {
			return served[:min(len(served), h.workers)], len(served) >= h.workers, nil
		}
	}
}

// start hands t, a turn of t.conversation, to a worker (waiting for one to
// be free). When the conversation already has a turn under way in this
// process, an inbox entry's turn (queue) waits for it and runs right after,
// in the same worker (the entry is leased to this process, so nobody else
// takes it meanwhile); a timer's is dropped, since the timer stays due and
// is taken later. An inbox entry's turn is handed over even once ctx has
// ended (shutdown): the entry is leased to this process, and left to its
// lease the customer's message would wait a minute for the next process;
// the server's shutdown_timeout bounds the wait. A timer's is not, and
// start returns false once ctx ends.
func (h *Host) start(ctx context.Context, tasks chan<- turnTask, t turnTask, queue bool) bool {
	h.busyMu.Lock()
	if waiting, busy := h.busy[t.conversation]; busy {
		if queue {
			h.busy[t.conversation] = append(waiting, t.fn)
		}
		h.busyMu.Unlock()
		return true
	}
	h.busy[t.conversation] = nil
	h.busyMu.Unlock()
	if queue {
		tasks <- t
		return true
	}
	select {
	case tasks <- t:
		return true
	case <-ctx.Done():
		// A timer not started stays due: it is taken again.
		h.busyMu.Lock()
		delete(h.busy, t.conversation)
		h.busyMu.Unlock()
		return false
	}
}

// runTask takes a conversation's turn, then the ones queued for it
// meanwhile (inbox entries leased to this process, run even at shutdown),
// under tctx, a context shutdown does not cancel. When the conversation
// may have another message waiting for this turn's save (mayWait), it
// wakes the claims.
func (h *Host) runTask(tctx context.Context, t turnTask) {
	for fn := t.fn; fn != nil; {
		fn(tctx)
		h.busyMu.Lock()
		fn = nil
		if waiting := h.busy[t.conversation]; len(waiting) > 0 {
			fn, h.busy[t.conversation] = waiting[0], waiting[1:]
		} else {
			delete(h.busy, t.conversation)
		}
		h.busyMu.Unlock()
	}
	if h.mayWait(t.conversation) {
		h.Wake()
	}
}

// handleEntry runs the turn of one accepted message; the save
// acknowledges the entry. A turn that keeps failing is given up after
// maxAttempts claims: the entry is acknowledged without a turn, and
// logged.
func (h *Host) handleEntry(ctx context.Context, e flows.InboxEntry) {
	in := e.Inbound
	a, err := h.account(in.ConversationID)
	if err == nil {
		start := time.Now()
		// Until the turn and the HTTP calls it leads to are done, and
		// never after the last replies start.
		stopTyping := h.typing(ctx, a, in)
		defer stopTyping()
		var effects []flows.Effect
		var leased flows.ReplyClaim
		// Room for InboxAfter, HoldMissing and handle's ClaimReplies:
		// appending them does not copy the slice.
		opts := make([]engine.HandleOption, 1, 4)
		opts[0] = engine.Consumes(e.ID)
		var left *flows.InboxLeft
		var held *heldFor // made only on a shared store: the turn of one process allocates nothing for it
		if h.sharedStore {
			left = new(flows.InboxLeft)
			held = &heldFor{h: h, ctx: ctx, accepted: e.AcceptedAt}
			opts = append(opts, engine.InboxAfter(left), engine.HoldMissing(held.holds))
		}
		effects, leased, err = h.handle(ctx, a, in.ConversationID, in.Input, h.create(a, in), opts...)
		if errors.Is(err, flows.ErrConsumed) {
			return // another worker handled it (and counted it)
		}
		if errors.Is(err, engine.ErrHeld) {
			h.leave(ctx, a, e, held.version)
			return
		}
		if err == nil {
			h.handled(in.ConversationID)
			if left != nil && left.More {
				// Its next message, accepted here or by another process
				// while this turn ran, is claimable now.
				h.Wake()
			}
			h.info(ctx, "turn", h.handoffAttrs(effects, slog.String("channel", a.Channel), slog.String("conversation", in.ConversationID),
				slog.String("message", in.ID), slog.String("input", string(in.Input.Kind)), slog.String("text", in.Input.Text),
				slog.Int64("ms", time.Since(start).Milliseconds()))...)
			h.flowProblems(ctx, in.ConversationID, effects)
			h.after(ctx, a, in.ConversationID, effects, leased, stopTyping)
			return
		}
	}
	if e.Attempts < h.maxAttempts {
		h.log.Warn("a turn failed; the message is tried again when its lease ends", "conversation", in.ConversationID, "message", in.ID,
			"attempt", e.Attempts, "error", err)
		return
	}
	h.log.Error("a message failed every attempt and is dropped", "conversation", in.ConversationID, "message", in.ID,
		"attempts", e.Attempts, "text", in.Input.Text, "error", err)
	if derr := h.drop(ctx, e); derr != nil {
		h.log.Error("dropping the message failed", "conversation", in.ConversationID, "message", in.ID, "error", derr)
		return
	}
	h.handled(in.ConversationID)
	if h.sharedStore {
		h.Wake() // a rare path: claim whatever another process accepted meanwhile
	}
}

// drop acknowledges an entry without a turn.
func (h *Host) drop(ctx context.Context, e flows.InboxEntry) error {
	err := h.commit(ctx, e.Inbound.ConversationID, func(*flows.Session) flows.Commit { return flows.Commit{Done: []string{e.ID}} })
	if errors.Is(err, flows.ErrNoSession) {
		s := &flows.Session{ID: e.Inbound.ConversationID, Contact: e.Inbound.Contact, Channel: e.Inbound.Channel,
			Lifecycle: flows.LifecycleBot, CreatedAt: h.now(), UpdatedAt: h.now()}
		err = h.store.Save(ctx, s, flows.Commit{Done: []string{e.ID}})
	}
	if errors.Is(err, flows.ErrConsumed) {
		return nil
	}
	return err
}

// fire runs a due timer's turn; the engine's commit removes the timer.
// It returns the error of a turn that failed (the timer stays due).
func (h *Host) fire(ctx context.Context, t flows.Timer) error {
	a, err := h.account(t.ConversationID)
	if err != nil {
		h.log.Error("a timer of a conversation no account serves; it stays due", "conversation", t.ConversationID, "timer", t.Key, "error", err)
		return nil
	}
	if strings.HasPrefix(t.Key, engine.HTTPWatchdogKey("")) {
		h.log.Warn("an HTTP action got no result (a process stopped during the call); the flow goes on as if it failed",
			"conversation", t.ConversationID, "timer", t.Key)
	}
	effects, leased, err := h.handle(ctx, a, t.ConversationID, flows.Input{Kind: flows.InputTimer, Timer: t.Key, At: t.At}, nil)
	if err != nil {
		if errors.Is(err, flows.ErrNoSession) {
			// The conversation is gone (expired, deleted) and its timers
			// with it: the stores' Due skips those of a conversation with
			// no session. Nothing else is deleted: the conversation's
			// inbox may hold a new message, its first.
			h.log.Debug("a timer of a conversation that is gone; ignored", "conversation", t.ConversationID, "timer", t.Key)
			return nil
		}
		return err
	}
	h.info(ctx, "timer", h.handoffAttrs(effects, slog.String("conversation", t.ConversationID), slog.String("timer", t.Key))...)
	h.flowProblems(ctx, t.ConversationID, effects)
	h.after(ctx, a, t.ConversationID, effects, leased, nil)
	return nil
}

// outboxOf says whether a turn's effects wrote reply items and handoff
// items (opens, appends, closes, notes) to the outbox.
func outboxOf(effects []flows.Effect) (replies, handoffs bool) {
	for _, ef := range effects {
		switch ef.(type) {
		case flows.Reply:
			replies = true
		case flows.HandoffEffect, flows.Append, flows.HandoffClose, flows.Undelivered:
			handoffs = true
		}
	}
	return replies, handoffs
}

// info logs a turn's line at level info: LogAttrs without the caller's
// program counter, which slog takes with a stack walk on every line for
// handlers that print the source (NewLogger's does not).
func (h *Host) info(ctx context.Context, msg string, attrs ...slog.Attr) {
	if !h.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	r := slog.NewRecord(time.Now(), slog.LevelInfo, msg, 0)
	r.AddAttrs(attrs...)
	if err := h.log.Handler().Handle(ctx, r); err != nil {
		return // as slog.Logger does: a log write that failed is dropped
	}
}

// flowProblems logs what a turn reported went wrong (flows.ErrorEffect:
// an analyser that failed, an expression that failed, a value it could
// not use) as warnings: the conversation went on, but the operator should
// see why it went on as it did.
func (h *Host) flowProblems(ctx context.Context, conversation string, effects []flows.Effect) {
	for _, ef := range effects {
		var e flows.ErrorEffect
		switch x := ef.(type) {
		case flows.ErrorEffect:
			e = x
		case *flows.ErrorEffect:
			e = *x
		default:
			continue
		}
		attrs := []slog.Attr{slog.String("conversation", conversation), slog.String("state", e.State)}
		switch problem, ok := strings.CutSuffix(e.Message, ": "+e.Cause); {
		case e.Cause == "":
			attrs = append(attrs, slog.String("error", e.Message))
		case ok:
			// What an expression failed on may quote what the customer
			// wrote: the cause is masked as text is.
			attrs = append(attrs, slog.String("error", problem), slog.String("cause", e.Cause))
		default: // a message that does not end with its cause may quote it anywhere
			attrs = append(attrs, slog.String("cause", e.Message))
		}
		if !e.Pos.IsZero() {
			attrs = append(attrs, slog.String("at", e.Pos.String()))
		}
		h.log.LogAttrs(ctx, slog.LevelWarn, "the flow reported a problem", attrs...)
	}
}

// handoffAttrs adds to a turn's log line the handoff it made, if any, and
// where a reload moved the conversation (the reloaded event), if it did.
func (h *Host) handoffAttrs(effects []flows.Effect, attrs ...slog.Attr) []slog.Attr {
	handoff := false
	for _, ef := range effects {
		switch e := ef.(type) {
		case flows.Reloaded:
			attrs = append(attrs, slog.String("reloaded_from", e.From), slog.String("reloaded_to", e.To))
		case flows.NLUFallback:
			// The LLM could not analyse the message (a wrong key, model or
			// URL, a rate limit, a timeout): the operator should see why.
			attrs = append(attrs, slog.String("nlu_fallback", e.Reason))
		case flows.HandoffEffect:
			if e.Handoff != nil && !handoff {
				handoff = true
				attrs = append(attrs, slog.String("handoff", e.ID), slog.String("reason", e.Reason), teamAttr(e.Team, h.knownTeam),
					slog.String("priority", string(e.Priority)))
			}
		}
	}
	return attrs
}

// after carries out what a saved turn asks: the HTTP calls (whose results
// are turns of their own), the routing messages; it sends the replies its
// save leased to it (leased) itself and wakes the handoff worker when the
// turn wrote handoff items. last, when not nil, is called before the
// replies of the last turn (the one that makes no HTTP call) go out.
func (h *Host) after(ctx context.Context, a *Account, conversation string, effects []flows.Effect, leased flows.ReplyClaim, last func()) {
	for range flows.MaxHTTPChain {
		req, ok := flows.FirstHTTPRequest(effects)
		if !ok && last != nil {
			last()
		}
		h.carryOut(ctx, conversation, effects, leased)
		if !ok {
			return
		}
		res := h.Call(ctx, conversation, req)
		var err error
		start := time.Now()
		effects, leased, err = h.handle(ctx, a, conversation, flows.Input{Kind: flows.InputHTTP, HTTP: res}, nil)
		if err != nil {
			h.log.Error("the turn after an HTTP call failed", "conversation", conversation, "request", req.ID, "error", err)
			return
		}
		h.info(ctx, "turn", h.handoffAttrs(effects, slog.String("channel", a.Channel), slog.String("conversation", conversation),
			slog.String("request", req.ID), slog.String("input", string(flows.InputHTTP)), slog.Int("status", res.Status),
			slog.Int64("ms", time.Since(start).Milliseconds()))...)
		h.flowProblems(ctx, conversation, effects)
	}
	h.log.Error("the flow kept making HTTP requests; stopped: check its http actions for a loop", "conversation", conversation, "calls", flows.MaxHTTPChain)
}

// handle runs one turn of conversation on a's current engine. Its save
// leases the turn's replies to this worker (flows.ReplyClaim) when none
// of the conversation's is pending before them: leased are those, for
// the worker to send.
func (h *Host) handle(ctx context.Context, a *Account, conversation string, in flows.Input, create func() *flows.Session, opts ...engine.HandleOption) (effects []flows.Effect, leased flows.ReplyClaim, err error) {
	start := time.Now()
	claim := &flows.ReplyClaim{Until: h.now().Add(h.lease)}
	tc := &turnCall{} // the turn may route a handoff, and analyses its message
	ctx = context.WithValue(ctx, turnCallKey{}, tc)
	effects, err = a.eng.Load().Handle(ctx, h.store, conversation, in, create, append(opts, engine.ClaimReplies(claim))...)
	tc.forget(h, effects, err)
	switch {
	case errors.Is(err, flows.ErrConsumed): // another worker took (and counted) it
	case errors.Is(err, engine.ErrHeld): // left for another process (counted as deferred)
	case create == nil && errors.Is(err, flows.ErrNoSession): // a timer of a conversation that is gone: no turn ran
	default:
		h.metrics.turn(a.Channel, time.Since(start), err)
	}
	return effects, *claim, err
}

// carryOut does what a saved turn's effects ask of the host, but the HTTP
// calls: shows them (WithEffects), tells the routing decisions, sends the
// replies the save leased to this worker (or wakes the reply worker when
// they wait behind an earlier reply) and wakes the handoff worker when
// the turn wrote handoff items (a helpdesk's latency never holds a turn
// worker or its conversation).
func (h *Host) carryOut(ctx context.Context, conversation string, effects []flows.Effect, leased flows.ReplyClaim) {
	h.effects(conversation, effects)
	replies, handoffs := outboxOf(effects)
	if len(leased.Items) > 0 {
		h.sendLeased(ctx, leased)
	} else if replies {
		h.wakeReplies()
	}
	h.tell(ctx, conversation, effects)
	if handoffs {
		h.deliverer.Wake()
	}
}

// Call answers an HTTP action's request: for real, or from the flow's
// sandbox: responses with WithSandboxHTTP. The observer sees it.
func (h *Host) Call(ctx context.Context, conversation string, r flows.HTTPRequest) *flows.HTTPResult {
	res := h.answer(ctx, r)
	if h.observer.Called != nil {
		h.observer.Called(conversation, r, res)
	}
	return res
}

func (h *Host) answer(ctx context.Context, r flows.HTTPRequest) *flows.HTTPResult {
	if !h.sandboxHTTP {
		res := h.http.Call(ctx, r)
		if res.Err != "" {
			h.log.Warn("an HTTP action failed", "request", r.ID, "method", r.Method, "error", res.Err)
		}
		return res
	}
	if r.Canned != nil {
		res := *r.Canned
		res.ID = r.ID
		return &res
	}
	return &flows.HTTPResult{ID: r.ID, Err: "sandbox: no canned response; add a sandbox: response to the http action"}
}

func (h *Host) effects(conversation string, effects []flows.Effect) {
	if h.onEffect == nil {
		return
	}
	for _, e := range effects {
		h.onEffect(conversation, e)
	}
}

func (h *Host) effect(conversation string, e flows.Effect) {
	if h.onEffect != nil {
		h.onEffect(conversation, e)
	}
}

func isConflict(err error) bool { return errors.Is(err, flows.ErrConflict) }

// typing shows the customer that a reply is coming when the turn of in,
// with the HTTP calls it leads to, runs longer than the account's
// TypingAfter (a slow API, the LLM); the returned stop cancels it when
// they end first. Best effort: a
// failure is logged and changes nothing else.
func (h *Host) typing(ctx context.Context, a *Account, in flows.Inbound) (stop func()) {
	t, ok := a.Sender.(flows.Typer)
	if !ok || a.TypingAfter <= 0 || in.Input.Kind != flows.InputMessage {
		return func() {}
	}
	msg := in // only a turn with the indicator moves its message to the heap
	done := make(chan struct{})
	timer := time.AfterFunc(a.TypingAfter, func() {
		defer close(done)
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := t.Typing(tctx, msg); err != nil {
			h.log.Debug("the typing indicator failed", "channel", a.Channel, "conversation", msg.ConversationID, "error", err)
		}
	})
	// An indicator under way is waited for, so that it reaches the
	// provider before the reply that dismisses it.
	var once sync.Once
	return func() {
		once.Do(func() {
			if !timer.Stop() {
				<-done
			}
		})
	}
}
