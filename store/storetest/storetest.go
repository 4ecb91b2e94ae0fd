package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// Options are what the suite asks of the store it opens. The store must
// read time from Clock for everything it stamps or ages (outbox items
// saved without a time, idle expiry, dedupe keys, inbox acceptance); the
// suite moves the clock forward instead of sleeping.
type Options struct {
	Clock func() time.Time
	// TTL is the idle expiry of conversations to configure.
	TTL time.Duration
	// KeepDelivered is how many delivered outbox items to keep at most.
	KeepDelivered int
	// InboxDedupe is how long the inbox remembers accepted ids.
	InboxDedupe time.Duration
}

// Opener opens an empty store for one test; the suite closes it.
type Opener func(t *testing.T, o Options) flows.Store

// The options every test opens its store with.
const (
	TTL           = 30 * 24 * time.Hour
	KeepDelivered = 3
	InboxDedupe   = 7 * 24 * time.Hour
)

// Run runs the conformance suite on the stores open returns, each test on
// a new, empty store.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		run  func(*testing.T, *h)
	}{
		{"LoadSave", testLoadSave},
		{"SessionRoundTrip", testRoundTrip},
		{"TooDeepRefused", testTooDeepRefused},
		{"Conflict", testConflict},
		{"ConflictWritesNothing", testConflictWritesNothing},
		{"ConcurrentSaves", testConcurrentSaves},
		{"Delete", testDelete},
		{"DeleteKeepsDedupe", testDeleteKeepsDedupe},
		{"CommitOutbox", testCommitOutbox},
		{"OutboxListUnknownStatus", testOutboxListUnknownStatus},
		{"SettleUnknownStatus", testSettleUnknownStatus},
		{"PendingStats", testPendingStats},
		{"OutboxLease", testOutboxLease},
		{"OutboxRetry", testOutboxRetry},
		{"HandoffOrder", testHandoffOrder},
		{"ReplyOrder", testReplyOrder},
		{"ReplyClaim", testReplyClaim},
		{"ReplyClaimLeaseEnds", testReplyClaimLeaseEnds},
		{"ReplyClaimRelease", testReplyClaimRelease},
		{"ReplyClaimWaits", testReplyClaimWaits},
		{"ReplyClaimConflict", testReplyClaimConflict},
		{"SettleAfterLeaseLost", testSettleAfterLeaseLost},
		{"DeadOpenCascade", testDeadOpenCascade},
		{"TicketLivesWithConversation", testTicketLivesWithConversation},
		{"OutboxOf", testOutboxOf},
		{"DeliveredRetention", testDeliveredRetention},
		{"ConcurrentClaims", testConcurrentClaims},
		{"Loads", testLoads},
		{"ExpiredLoads", testExpiredLoads},
		{"Timers", testTimers},
		{"Dedupe", testDedupe},
		{"DedupeEdges", testDedupeEdges},
		{"SentLog", testSentLog},
		{"Inbox", testInbox},
		{"InboxOrder", testInboxOrder},
		{"InboxDone", testInboxDone},
		{"InboxLeft", testInboxLeft},
		{"InboxDedupeFor", testInboxDedupeFor},
		{"InboxDefer", testInboxDefer},
		{"IdleExpiry", testIdleExpiry},
		{"ExpiredTimersDoNotHoldUp", testExpiredTimersDoNotHoldUp},
		{"IdleKeepsNewMessages", testIdleKeepsNewMessages},
		{"ExpiredEntryDoesNotBlock", testExpiredEntryDoesNotBlock},
		{"AfterClose", testAfterClose},
		{"CloseUnderWay", testCloseUnderWay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &h{t: t, ctx: context.Background(), clock: &Clock{t: time.Now().UTC().Truncate(time.Second)}}
			h.open = func() flows.Store {
				return open(t, Options{Clock: h.clock.Now, TTL: TTL, KeepDelivered: KeepDelivered, InboxDedupe: InboxDedupe})
			}
			h.s = h.open()
			t.Cleanup(func() {
				if err := h.s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.run(t, h)
		})
	}
}

// Clock is a clock tests move by hand. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// h is one test's harness.
type h struct {
	t     *testing.T
	ctx   context.Context
	s     flows.Store
	clock *Clock
	// open opens another empty store on the same clock, which the test
	// closes.
	open func() flows.Store
}

func (h *h) now() time.Time { return h.clock.Now() }

// save saves s with c and fails the test on an error.
func (h *h) save(s *flows.Session, c flows.Commit) {
	h.t.Helper()
	if err := h.s.Save(h.ctx, s, c); err != nil {
		h.t.Fatalf("Save %s (rev %d): %v", s.ID, s.Rev, err)
	}
}

// newSession saves a new session id with c and returns it (at rev 1).
func (h *h) newSession(id string, c flows.Commit) *flows.Session {
	h.t.Helper()
	s := &flows.Session{ID: id, Flow: "f", State: "start", Lifecycle: flows.LifecycleBot, CreatedAt: h.now(), UpdatedAt: h.now()}
	h.save(s, c)
	return s
}

func (h *h) load(id string) *flows.Session {
	h.t.Helper()
	s, err := h.s.Load(h.ctx, id)
	if err != nil {
		h.t.Fatalf("Load %s: %v", id, err)
	}
	return s
}

// sweep runs the store's Sweep, for the stores that have one (expired
// conversations leave the others on their own).
func (h *h) sweep() {
	h.t.Helper()
	if sw, ok := h.s.(interface {
		Sweep(context.Context) (int, error)
	}); ok {
		if _, err := sw.Sweep(h.ctx); err != nil {
			h.t.Fatalf("Sweep: %v", err)
		}
	}
}

func (h *h) gone(id string) {
	h.t.Helper()
	if s, err := h.s.Load(h.ctx, id); !errors.Is(err, flows.ErrNoSession) {
		h.t.Fatalf("Load %s: got %v, %v; want an error wrapping flows.ErrNoSession", id, s, err)
	}
}

func (h *h) list(status flows.OutboxStatus) []flows.OutboxItem {
	h.t.Helper()
	items, err := h.s.List(h.ctx, status)
	if err != nil {
		h.t.Fatalf("List %q: %v", status, err)
	}
	return items
}

func (h *h) claim(o flows.Outbox, at time.Time, max int) []flows.OutboxItem {
	h.t.Helper()
	items, err := o.Claim(h.ctx, at, time.Minute, max)
	if err != nil {
		h.t.Fatalf("Claim: %v", err)
	}
	return items
}

func (h *h) settle(it flows.OutboxItem) {
	h.t.Helper()
	if err := h.s.Settle(h.ctx, it); err != nil {
		h.t.Fatalf("Settle %s: %v", it.ID, err)
	}
}

// deliver settles it delivered (with a ticket for an open).
func (h *h) deliver(it flows.OutboxItem) {
	h.t.Helper()
	it.Status = flows.OutboxDelivered
	it.Attempts++
	if it.Kind == flows.OutboxOpen {
		it.Ticket = flows.TicketRef{Connector: "fake", ID: "T-" + it.HandoffID}
	}
	h.settle(it)
}

// ids returns the items' ids.
func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func itemIDs(items []flows.OutboxItem) []string {
	return ids(items, func(it flows.OutboxItem) string { return it.ID })
}

func (h *h) wantIDs(what string, got, want []string) {
	h.t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		h.t.Fatalf("%s: got %q, want %q", what, got, want)
	}
}

func open(hid string) flows.OutboxItem {
	return flows.OutboxItem{ID: hid + ":open", Kind: flows.OutboxOpen, HandoffID: hid,
		Handoff: &flows.Handoff{ID: hid, Reason: "test", Priority: flows.PriorityNormal}}
}

func appendItem(hid string, n int) flows.OutboxItem {
	return flows.OutboxItem{ID: fmt.Sprintf("%s:append:%d", hid, n), Kind: flows.OutboxAppend, HandoffID: hid,
		Message: &flows.Message{From: flows.RoleUser, Text: fmt.Sprint("message ", n)}}
}

func closeItem(hid string) flows.OutboxItem {
	return flows.OutboxItem{ID: hid + ":close", Kind: flows.OutboxClose, HandoffID: hid}
}

func reply(conv string, n int) flows.OutboxItem {
	id := fmt.Sprintf("%s:reply:%d", conv, n)
	return flows.OutboxItem{ID: id, Kind: flows.OutboxReply, ConversationID: conv,
		Outbound: &flows.Outbound{ID: id, ConversationID: conv, To: flows.Contact{ID: "u-" + conv}, Reply: flows.Reply{Text: fmt.Sprint("reply ", n), From: "bot"}}}
}
