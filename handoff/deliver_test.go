package handoff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

var t0 = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// httpErr has the shape of a connector's Error: the worker reads its
// Retryable and RetryAfter fields.
type httpErr struct {
	Status     int
	Retryable  bool
	RetryAfter time.Duration
}

func (e *httpErr) Error() string { return fmt.Sprintf("fakedesk: %d", e.Status) }

var (
	err429 = &httpErr{Status: 429, Retryable: true, RetryAfter: 90 * time.Second}
	err500 = &httpErr{Status: 500, Retryable: true}
	err422 = &httpErr{Status: 422}
	// errHang makes the fake connector wait for its context's deadline.
	errHang = errors.New("hang")
)

// fakeConn is an idempotent helpdesk: opening the same handoff twice gives
// the same ticket. Each call takes the next scripted result (nil: success).
type fakeConn struct {
	mu      sync.Mutex
	script  []error
	tickets map[string]flows.TicketRef
	created int
	calls   []string
}

var _ flows.Connector = (*fakeConn)(nil)

func newFakeConn(script ...error) *fakeConn {
	return &fakeConn{script: script, tickets: map[string]flows.TicketRef{}}
}

func (f *fakeConn) next(ctx context.Context, call string) error {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	var err error
	if len(f.script) > 0 {
		err, f.script = f.script[0], f.script[1:]
	}
	f.mu.Unlock()
	if err == errHang {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

func (f *fakeConn) Open(ctx context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	if err := f.next(ctx, "open "+h.ID); err != nil {
		return flows.TicketRef{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.tickets[h.ID]; ok {
		return t, nil
	}
	f.created++
	t := flows.TicketRef{Connector: "fake", ID: fmt.Sprintf("T%d", f.created)}
	f.tickets[h.ID] = t
	return t, nil
}

func (f *fakeConn) Append(ctx context.Context, t flows.TicketRef, m flows.Message) error {
	return f.next(ctx, "append "+t.ID+" "+m.Text)
}

func (f *fakeConn) Close(ctx context.Context, t flows.TicketRef) error {
	return f.next(ctx, "close "+t.ID)
}

func (f *fakeConn) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func openItem(id, handoff string, at time.Time) flows.OutboxItem {
	return flows.OutboxItem{ID: id, Kind: flows.OutboxOpen, ConversationID: "c1", HandoffID: handoff,
		Handoff: &flows.Handoff{ID: handoff, ConversationID: "c1"}, CreatedAt: at}
}

func appendItem(id, handoff, text string, at time.Time) flows.OutboxItem {
	return flows.OutboxItem{ID: id, Kind: flows.OutboxAppend, ConversationID: "c1", HandoffID: handoff,
		Message: &flows.Message{At: at, From: flows.RoleUser, Text: text}, CreatedAt: at}
}

func closeItem(id, handoff string, at time.Time) flows.OutboxItem {
	return flows.OutboxItem{ID: id, Kind: flows.OutboxClose, ConversationID: "c1", HandoffID: handoff, CreatedAt: at}
}

type settledCall struct {
	item flows.OutboxItem
	err  error
}

func newTestDeliverer(t *testing.T, ob flows.Outbox, conn flows.Connector, clock *fakeClock, opts ...DeliverOption) (*Deliverer, *[]settledCall) {
	t.Helper()
	var mu sync.Mutex
	var settled []settledCall
	base := []DeliverOption{
		DeliverClock(clock.Now),
		DeliverRand(func() float64 { return 0.5 }),
		DeliverBackoff(Backoff{Initial: 10 * time.Second, Max: 5 * time.Minute, Multiplier: 2, Jitter: 0.2}),
		DeliverMaxAge(time.Hour),
		DeliverTimeout(20 * time.Millisecond),
		DeliverOnSettled(func(_ context.Context, it flows.OutboxItem, err error) {
			mu.Lock()
			defer mu.Unlock()
			settled = append(settled, settledCall{it, err})
		}),
	}
	d, err := NewDeliverer(ob, ConnectorMap(map[string]flows.Connector{"fake": conn}, "fake"), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return d, &settled
}

func runOnce(t *testing.T, d *Deliverer) int {
	t.Helper()
	n, err := d.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

// untilSettled advances the clock to the item's NextAt and runs, until the
// item is no longer pending or limit runs passed.
func untilSettled(t *testing.T, d *Deliverer, ob *memOutbox, clock *fakeClock, id string, limit int) flows.OutboxItem {
	t.Helper()
	for i := 0; i < limit; i++ {
		it := ob.get(id)
		if it.Status != flows.OutboxPending {
			return it
		}
		if it.NextAt.After(clock.Now()) {
			clock.Set(it.NextAt)
		}
		runOnce(t, d)
	}
	return ob.get(id)
}

func TestDeliverRetriesMakeExactlyOneTicket(t *testing.T) {
	clock := &fakeClock{t: t0}
	ob := newMemOutbox(openItem("o1", "h1", t0))
	// 429, 500, a timeout, a success whose answer is lost (the connector
	// made the ticket, then the call "failed"), then success.
	conn := newFakeConn(err429, err500, errHang)
	d, settled := newTestDeliverer(t, ob, conn, clock)

	it := untilSettled(t, d, ob, clock, "o1", 10)
	if it.Status != flows.OutboxDelivered {
		t.Fatalf("status = %s (%s), want delivered", it.Status, it.LastError)
	}
	if it.Attempts != 4 {
		t.Errorf("attempts = %d, want 4", it.Attempts)
	}
	if it.Ticket.ID != "T1" || it.Ticket.Connector != "fake" {
		t.Errorf("ticket = %+v, want fake T1", it.Ticket)
	}
	if conn.created != 1 {
		t.Errorf("tickets created = %d, want 1", conn.created)
	}
	// Re-delivering the same open (a lease expired after the ticket was
	// made) still yields the same single ticket.
	ob.add(openItem("o1", "h1", t0))
	untilSettled(t, d, ob, clock, "o1", 2)
	if conn.created != 1 || ob.get("o1").Ticket.ID != "T1" {
		t.Errorf("after re-delivery: created = %d, ticket = %+v; want 1, T1", conn.created, ob.get("o1").Ticket)
	}
	if len(*settled) < 4 {
		t.Fatalf("OnSettled called %d times, want ≥ 4", len(*settled))
	}
	last := (*settled)[3]
	if last.err != nil || last.item.Status != flows.OutboxDelivered || last.item.Ticket.ID != "T1" {
		t.Errorf("4th OnSettled = %+v, %v; want delivered T1 with no error", last.item, last.err)
	}
	if e := (*settled)[2].err; !errors.Is(e, context.DeadlineExceeded) {
		t.Errorf("3rd OnSettled err = %v, want the attempt's deadline", e)
	}
}

func TestDeliverHonoursRetryAfter(t *testing.T) {
	clock := &fakeClock{t: t0.Add(time.Minute)}
	ob := newMemOutbox(openItem("o1", "h1", t0))
	d, _ := newTestDeliverer(t, ob, newFakeConn(err429), clock)
	runOnce(t, d)
	it := ob.get("o1")
	if want := clock.Now().Add(90 * time.Second); !it.NextAt.Equal(want) {
		t.Errorf("NextAt = %v, want now+Retry-After = %v", it.NextAt, want)
	}
	if it.Status != flows.OutboxPending || it.Attempts != 1 || !strings.Contains(it.LastError, "429") {
		t.Errorf("item = %+v; want pending, 1 attempt, error naming 429", it)
	}
	// Not due before Retry-After: a run just before does nothing.
	clock.Set(it.NextAt.Add(-time.Second))
	if n := runOnce(t, d); n != 0 {
		t.Errorf("RunOnce before Retry-After settled %d items, want 0", n)
	}
}

func TestDeliverBackoffGrowsWithBoundedJitter(t *testing.T) {
	b := Backoff{Initial: 10 * time.Second, Max: 5 * time.Minute, Multiplier: 2, Jitter: 0.2}
	wantBase := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 5 * time.Minute, 5 * time.Minute}
	for _, r := range []float64{0, 0.25, 0.5, 0.999} {
		clock := &fakeClock{t: t0}
		ob := newMemOutbox(openItem("o1", "h1", t0))
		script := make([]error, len(wantBase))
		for i := range script {
			script[i] = err500
		}
		d, _ := newTestDeliverer(t, ob, newFakeConn(script...), clock,
			DeliverRand(func() float64 { return r }), DeliverMaxAge(24*time.Hour))
		for i, base := range wantBase {
			runOnce(t, d)
			it := ob.get("o1")
			got := it.NextAt.Sub(clock.Now())
			lo, hi := time.Duration(float64(base)*0.8), time.Duration(float64(base)*1.2)
			if got < lo || got > hi {
				t.Errorf("r=%v attempt %d: delay %v outside [%v, %v]", r, i+1, got, lo, hi)
			}
			if want := b.Delay(i+1, r); got != want {
				t.Errorf("r=%v attempt %d: delay %v, want Backoff.Delay = %v", r, i+1, got, want)
			}
			clock.Set(it.NextAt)
		}
	}
	if got := b.Delay(1, 0.5); got != 10*time.Second {
		t.Errorf("Delay(1, 0.5) = %v, want the band's centre 10s", got)
	}
	if got := b.Delay(1, 0); got != 8*time.Second {
		t.Errorf("Delay(1, 0) = %v, want 8s (-20%%)", got)
	}
	if got := b.Delay(1000, 0.5); got != 5*time.Minute {
		t.Errorf("Delay(1000, 0.5) = %v, want capped at 5m", got)
	}
	if got := (Backoff{}).Delay(1, 0.5); got != DefaultBackoff().Initial {
		t.Errorf("zero Backoff Delay(1) = %v, want the default initial %v", got, DefaultBackoff().Initial)
	}
}

func TestDeliverDeadLettersAfterMaxAge(t *testing.T) {
	clock := &fakeClock{t: t0}
	ob := newMemOutbox(openItem("o1", "h1", t0))
	script := make([]error, 50)
	for i := range script {
		script[i] = err500
	}
	d, settled := newTestDeliverer(t, ob, newFakeConn(script...), clock)
	it := untilSettled(t, d, ob, clock, "o1", 50)
	if it.Status != flows.OutboxDead {
		t.Fatalf("status = %s, want dead", it.Status)
	}
	for _, want := range []string{"gave up", "max age 1h0m0s", "fakedesk: 500"} {
		if !strings.Contains(it.LastError, want) {
			t.Errorf("LastError = %q, want it to contain %q", it.LastError, want)
		}
	}
	// The last attempt happened exactly at the max age, not later.
	if !clock.Now().Equal(t0.Add(time.Hour)) {
		t.Errorf("last attempt at %v, want at the max age %v", clock.Now(), t0.Add(time.Hour))
	}
	last := (*settled)[len(*settled)-1]
	if last.item.Status != flows.OutboxDead || last.err == nil {
		t.Errorf("last OnSettled = %+v, %v; want dead with the error", last.item, last.err)
	}
}

func TestDeliverPermanentFailureIsDeadAtOnce(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"422", err422, "fakedesk: 422"},
		{"wrapped 422", fmt.Errorf("open: %w", err422), "open: fakedesk: 422"},
		{"Temporary false", &tempErr{temp: false}, "temp false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: t0}
			ob := newMemOutbox(openItem("o1", "h1", t0))
			d, _ := newTestDeliverer(t, ob, newFakeConn(tt.err), clock)
			runOnce(t, d)
			it := ob.get("o1")
			if it.Status != flows.OutboxDead || it.Attempts != 1 {
				t.Fatalf("item = %+v; want dead after 1 attempt", it)
			}
			if !strings.Contains(it.LastError, "permanent") || !strings.Contains(it.LastError, tt.want) {
				t.Errorf("LastError = %q, want permanent and %q", it.LastError, tt.want)
			}
		})
	}
}

func TestDeliverRetryOfDeadLetterDelivers(t *testing.T) {
	clock := &fakeClock{t: t0}
	ob := newMemOutbox(openItem("o1", "h1", t0))
	conn := newFakeConn(err422) // then the admin fixes the helpdesk
	d, _ := newTestDeliverer(t, ob, conn, clock)
	runOnce(t, d)
	if ob.get("o1").Status != flows.OutboxDead {
		t.Fatalf("want dead first, got %+v", ob.get("o1"))
	}
	dead, err := d.List(context.Background(), flows.OutboxDead)
	if err != nil || len(dead) != 1 || dead[0].ID != "o1" {
		t.Fatalf("List(dead) = %v, %v; want [o1]", dead, err)
	}
	if _, err := d.Retry(context.Background(), "nope"); err == nil || !strings.Contains(err.Error(), "baton handoff list dead") {
		t.Errorf("Retry(unknown) = %v, want an error pointing at `baton handoff list dead`", err)
	}
	clock.Set(t0.Add(48 * time.Hour)) // long past the max age
	ids, err := d.Retry(context.Background(), "o1")
	if err != nil || len(ids) != 1 {
		t.Fatalf("Retry = %v, %v", ids, err)
	}
	if it := ob.get("o1"); it.Status != flows.OutboxPending || it.Attempts != 1 || it.LastError != "" {
		t.Errorf("after Retry: %+v; want pending, attempts reset to the one on record, no error", it)
	}
	runOnce(t, d)
	if it := ob.get("o1"); it.Status != flows.OutboxDelivered || it.Ticket.ID != "T1" {
		t.Errorf("after Retry and RunOnce: %+v; want delivered T1", it)
	}
	if _, err := d.Retry(context.Background(), "o1"); err == nil {
		t.Error("Retry of a delivered item succeeded, want an error")
	}
}

func TestDeliverAppendsWaitForOpenAndKeepOrder(t *testing.T) {
	clock := &fakeClock{t: t0}
	ob := newMemOutbox(
		openItem("o1", "h1", t0),
		appendItem("a1", "h1", "first", t0.Add(time.Second)),
		appendItem("a2", "h1", "second", t0.Add(2*time.Second)),
		closeItem("c1", "h1", t0.Add(3*time.Second)),
	)
	clock.Set(t0.Add(5 * time.Second))
	conn := newFakeConn(err500, err500)
	d, _ := newTestDeliverer(t, ob, conn, clock)

	for i := 0; i < 10 && ob.get("c1").Status == flows.OutboxPending; i++ {
		runOnce(t, d)
		next := ob.get("o1").NextAt
		for _, id := range []string{"a1", "a2", "c1"} {
			if it := ob.get(id); it.Status == flows.OutboxPending && it.NextAt.Before(next) {
				next = it.NextAt
			}
		}
		if next.After(clock.Now()) {
			clock.Set(next)
		}
	}
	want := []string{"open h1", "open h1", "open h1", "append T1 first", "append T1 second", "close T1"}
	if got := conn.log(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("calls = %q\nwant    %q", got, want)
	}
	for _, id := range []string{"a1", "a2", "c1"} {
		it := ob.get(id)
		if it.Status != flows.OutboxDelivered || it.Attempts != 1 || it.Ticket.ID != "T1" {
			t.Errorf("%s = %+v; want delivered on its first attempt to T1 (waiting is no attempt)", id, it)
		}
	}
}

func TestDeliverDeadOpenKillsDependants(t *testing.T) {
	clock := &fakeClock{t: t0}
	ob := newMemOutbox(openItem("o1", "h1", t0), appendItem("a1", "h1", "hello", t0))
	conn := newFakeConn(err422)
	d, _ := newTestDeliverer(t, ob, conn, clock)
	runOnce(t, d)
	a := ob.get("a1")
	if a.Status != flows.OutboxDead || !strings.Contains(a.LastError, "fakedesk: 422") || !strings.Contains(a.LastError, "open of handoff h1 is dead") {
		t.Fatalf("a1 = %+v; want dead with the open's reason", a)
	}
	// Retrying the append brings its open back too, and both deliver in order.
	ids, err := d.Retry(context.Background(), "a1")
	if err != nil || strings.Join(ids, ",") != "o1,a1" {
		t.Fatalf("Retry(a1) = %v, %v; want [o1 a1]", ids, err)
	}
	runOnce(t, d)
	if got := strings.Join(conn.log(), "|"); got != "open h1|open h1|append T1 hello" {
		t.Errorf("calls = %q", got)
	}
}

func TestDeliverNoBusyLoop(t *testing.T) {
	clock := &fakeClock{t: t0}
	ob := newMemOutbox(openItem("o1", "h1", t0), appendItem("a1", "h1", "x", t0))
	d, _ := newTestDeliverer(t, ob, newFakeConn(err500), clock)
	if n := runOnce(t, d); n != 2 {
		t.Fatalf("first run settled %d, want 2 (a failed open, a waiting append)", n)
	}
	if n := runOnce(t, d); n != 0 {
		t.Errorf("second run at the same time settled %d, want 0", n)
	}
	if ob.get("a1").NextAt.Sub(clock.Now()) < 10*time.Second {
		t.Errorf("waiting append due again at %v, want not before the open's retry", ob.get("a1").NextAt)
	}

	// Run polls at its interval when there is nothing to do: again and
	// again, and never sooner than the interval after the claim before (a
	// timer does not fire early, so a busy machine cannot break this).
	const poll = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	d2, _ := newTestDeliverer(t, ob, newFakeConn(), clock, DeliverPollInterval(poll))
	before := ob.claimCount()
	done := make(chan error, 1)
	go func() { done <- d2.Run(ctx) }()
	for deadline := time.Now().Add(time.Minute); ob.claimCount() < before+3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Run claimed %d times in a minute with a %v poll, want 3", ob.claimCount()-before, poll)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want the context's error", err)
	}
	at := ob.claimTimes()[before:]
	for i := 1; i < 3; i++ {
		if gap := at[i].Sub(at[i-1]); gap < poll {
			t.Errorf("claim %d came %v after the one before, sooner than the %v poll", i+1, gap, poll)
		}
	}
}

func TestDeliverRunWakes(t *testing.T) {
	clock := &fakeClock{t: t0}
	ob := newMemOutbox()
	conn := newFakeConn()
	delivered := make(chan string, 1)
	d, _ := newTestDeliverer(t, ob, conn, clock, DeliverPollInterval(time.Hour),
		DeliverOnSettled(func(_ context.Context, it flows.OutboxItem, _ error) { delivered <- it.ID }))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	for ob.claimCount() == 0 { // the first, immediate claim
		time.Sleep(time.Millisecond)
	}
	ob.add(openItem("o1", "h1", t0))
	d.Wake()
	select {
	case id := <-delivered:
		if id != "o1" {
			t.Errorf("delivered %s, want o1", id)
		}
	case <-time.After(time.Minute):
		t.Fatal("Wake did not make Run deliver within a minute")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
}

func TestDeliverShutdownLeavesItemToLease(t *testing.T) {
	clock := &fakeClock{t: t0}
	ob := newMemOutbox(openItem("o1", "h1", t0))
	conn := newFakeConn(errHang)
	d, _ := newTestDeliverer(t, ob, conn, clock, DeliverTimeout(time.Hour), DeliverLease(2*time.Hour))
	// Shutdown comes while the call is under way (a deadline of a few ms
	// could strike before the call on a busy machine).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for len(conn.log()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := d.RunOnce(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("RunOnce = %v, want the context's error", err)
	}
	// The attempt was written ahead: the item is due again after the lease,
	// with the attempt on record, so the next worker checks before writing.
	if it := ob.get("o1"); it.Attempts != 1 || it.Status != flows.OutboxPending || ob.settles["o1"] != 1 || !it.NextAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("item = %+v (settled %d times); want the attempt written ahead, due after the lease", it, ob.settles["o1"])
	}
}

func TestDeliverUndeliverableItems(t *testing.T) {
	open := openItem("o1", "h1", t0)
	noHandoff := open
	noHandoff.Handoff = nil
	orphan := appendItem("a1", "h9", "x", t0)
	odd := open
	odd.Kind = "reopen"
	tests := []struct {
		name  string
		item  flows.OutboxItem
		conns map[string]flows.Connector
		def   string
		want  string
	}{
		{"open without handoff", noHandoff, nil, "fake", "carries no handoff"},
		{"append without open", orphan, nil, "fake", "no open item"},
		{"unknown kind", odd, nil, "fake", `unknown outbox item kind "reopen"`},
		{"unknown connector", open, map[string]flows.Connector{}, "zendesk", `no connector named "zendesk"`},
		{"no default connector", open, map[string]flows.Connector{}, "", "set a default under connectors:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: t0}
			ob := newMemOutbox(tt.item)
			conns := tt.conns
			if conns == nil {
				conns = map[string]flows.Connector{"fake": newFakeConn()}
			}
			d, err := NewDeliverer(ob, ConnectorMap(conns, tt.def), DeliverClock(clock.Now))
			if err != nil {
				t.Fatal(err)
			}
			runOnce(t, d)
			it := ob.get(tt.item.ID)
			if it.Status != flows.OutboxDead || !strings.Contains(it.LastError, tt.want) {
				t.Errorf("item = %+v; want dead with %q", it, tt.want)
			}
		})
	}
}

func TestNewDelivererNeedsOutboxAndResolver(t *testing.T) {
	if _, err := NewDeliverer(nil, ConnectorMap(nil, "")); err == nil {
		t.Error("NewDeliverer(nil outbox) succeeded")
	}
	if _, err := NewDeliverer(newMemOutbox(), nil); err == nil {
		t.Error("NewDeliverer(nil resolver) succeeded")
	}
	_, err := NewDeliverer(newMemOutbox(), ConnectorMap(nil, ""), DeliverLease(time.Minute), DeliverTimeout(time.Minute))
	if err == nil || !strings.Contains(err.Error(), "lease (1m0s) must be longer than the attempt timeout (1m0s)") {
		t.Errorf("lease ≤ timeout: %v, want an error saying so", err)
	}
}

func TestDeliverLaterAppendWaitsForFailedEarlierOne(t *testing.T) {
	clock := &fakeClock{t: t0}
	ob := newMemOutbox(
		openItem("o1", "h1", t0),
		appendItem("a1", "h1", "first", t0),
		appendItem("a2", "h1", "second", t0),
	)
	conn := newFakeConn(nil, err500) // open ok, first append fails once
	d, _ := newTestDeliverer(t, ob, conn, clock)
	runOnce(t, d)
	if a2 := ob.get("a2"); a2.Status != flows.OutboxPending || a2.Attempts != 0 || !strings.Contains(a2.LastError, "waiting for a1") {
		t.Fatalf("a2 = %+v; want it waiting for a1 without an attempt", a2)
	}
	untilSettled(t, d, ob, clock, "a2", 5)
	want := "open h1|append T1 first|append T1 first|append T1 second"
	if got := strings.Join(conn.log(), "|"); got != want {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

// Stores like the engine's hand out an append only once its open is
// delivered; when the open dies, its appends die with it unclaimed.
func TestDeliverDeadOpenKillsUnclaimedDependants(t *testing.T) {
	clock := &fakeClock{t: t0}
	later := appendItem("a1", "h1", "hello", t0)
	later.NextAt = t0.Add(time.Hour) // not handed out now
	ob := newMemOutbox(openItem("o1", "h1", t0), later, appendItem("x1", "h2", "other handoff", t0.Add(time.Hour)))
	d, settled := newTestDeliverer(t, ob, newFakeConn(err422), clock)
	if n := runOnce(t, d); n != 1 {
		t.Fatalf("settled %d, want 1 (the open)", n)
	}
	a := ob.get("a1")
	if a.Status != flows.OutboxDead || !strings.Contains(a.LastError, "open of handoff h1 is dead") || !strings.Contains(a.LastError, "422") {
		t.Errorf("a1 = %+v; want dead with the open's reason", a)
	}
	if x := ob.get("x1"); x.Status != flows.OutboxPending {
		t.Errorf("another handoff's append was touched: %+v", x)
	}
	if len(*settled) != 2 || (*settled)[1].item.ID != "a1" {
		t.Errorf("OnSettled calls = %d, want the open and a1", len(*settled))
	}
}
