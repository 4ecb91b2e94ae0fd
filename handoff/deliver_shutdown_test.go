package handoff

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// stopAfterOpen is a helpdesk during whose first open the process is
// told to stop (SIGTERM): it cancels the run's context, then answers.
type stopAfterOpen struct {
	*fakeConn
	stop context.CancelFunc
}

func (s stopAfterOpen) Open(ctx context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	s.stop()
	return s.fakeConn.Open(context.WithoutCancel(ctx), h)
}

// At shutdown the items a run claimed but did not start are released, as
// docs/serve.md promises, so another process (or the next start) takes
// them at once: they stayed leased (two minutes by default) and every
// handoff claimed with the one under way waited that long.
func TestDeliverReleasesWhatItDidNotStartAtShutdown(t *testing.T) {
	clock := &fakeClock{t: t0}
	ob := newMemOutbox(openItem("o1", "h1", t0), openItem("o2", "h2", t0), openItem("o3", "h3", t0))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	conn := stopAfterOpen{newFakeConn(), stop}
	d, _ := newTestDeliverer(t, ob, conn, clock, DeliverTimeout(time.Minute), DeliverLease(2*time.Minute))
	if _, err := d.RunOnce(ctx); err == nil {
		t.Fatal("RunOnce went on after its context ended")
	}
	if got := ob.get("o1"); got.Status != flows.OutboxDelivered {
		t.Errorf("the open under way: %s (%s), want delivered", got.Status, got.LastError)
	}
	items, err := ob.Claim(context.Background(), clock.Now(), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	if len(ids) != 2 || ids[0] != "o2" || ids[1] != "o3" {
		t.Errorf("claimable after the shutdown: %v, want o2 and o3", ids)
	}
	for _, id := range []string{"o2", "o3"} {
		if it := ob.get(id); it.Attempts != 0 || it.Status != flows.OutboxPending {
			t.Errorf("%s released as %+v, want untouched", id, it)
		}
	}
}

// stopDuringOpen is a helpdesk during whose open the process is told to
// stop: it cancels Run's context, then answers under the context the
// call was given.
type stopDuringOpen struct {
	*fakeConn
	stop context.CancelFunc
}

func (s stopDuringOpen) Open(ctx context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	s.stop()
	if err := ctx.Err(); err != nil {
		return flows.TicketRef{}, err
	}
	return s.fakeConn.Open(ctx, h)
}

// At shutdown Run lets a helpdesk call under way finish and settles it,
// as the turns and sends under way finish: cancelled, its ticket waited
// for the lease (four minutes) in the next process. It starts nothing
// more.
func TestDeliverRunFinishesTheCallUnderWayAtShutdown(t *testing.T) {
	clock := &fakeClock{t: t0}
	o2 := convOpen("c2", t0.Add(time.Second))
	ob := newMemOutbox(convOpen("c1", t0), o2)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	d, _ := newTestDeliverer(t, ob, stopDuringOpen{newFakeConn(), stop}, clock, DeliverWorkers(1),
		DeliverTimeout(time.Minute), DeliverLease(2*time.Minute), DeliverPollInterval(time.Hour))
	if err := d.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if got := ob.get("c1-open"); got.Status != flows.OutboxDelivered || got.Ticket.ID == "" {
		t.Errorf("the open under way at shutdown: %s (%s), want delivered with its ticket", got.Status, got.LastError)
	}
	if got := ob.get("c2-open"); got.Status != flows.OutboxPending || got.Attempts != 0 {
		t.Errorf("the next open after the shutdown: %+v, want not started", got)
	}
}

// stopDuringClaim is an outbox during whose claim the process is told to
// stop (SIGTERM): it cancels Run's context while the claim is on its way,
// and then answers as a store client does, with the context's error when
// it has one, though the store has leased the items already.
type stopDuringClaim struct {
	*memOutbox
	stop context.CancelFunc
	once sync.Once
}

func (s *stopDuringClaim) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.OutboxItem, error) {
	s.once.Do(s.stop)
	items, err := s.memOutbox.Claim(ctx, now, lease, max)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return items, err
}

// A SIGTERM that comes while Run claims (a claim runs at every turn
// saved with a handoff item, so under load one is often on its way)
// leaves nothing leased: the items the claim took are released for the
// next process, not left to their lease, which held them (and the
// handoffs' tickets) four minutes.
func TestDeliverRunReleasesAClaimCutByShutdown(t *testing.T) {
	for _, answered := range []bool{true, false} {
		clock := &fakeClock{t: t0}
		mem := newMemOutbox(convOpen("c1", t0), convOpen("c2", t0))
		ctx, stop := context.WithCancel(context.Background())
		var ob flows.Outbox = &stopDuringClaim{memOutbox: mem, stop: stop}
		if answered { // the answer came, the context ended meanwhile
			ob = &stopAfterClaim{memOutbox: mem, stop: stop}
		}
		d, _ := newTestDeliverer(t, ob, newFakeConn(), clock, DeliverTimeout(time.Minute), DeliverLease(4*time.Minute), DeliverPollInterval(time.Hour))
		if err := d.Run(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
		stop()
		items, err := mem.Claim(context.Background(), clock.Now(), time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 2 {
			t.Errorf("answered %v: %d items claimable at once after the shutdown, want 2 (the claim's, released)", answered, len(items))
		}
		for _, id := range []string{"c1-open", "c2-open"} {
			if it := mem.get(id); it.Attempts != 0 || it.Status != flows.OutboxPending {
				t.Errorf("answered %v: %s after the shutdown: %+v, want pending, not attempted", answered, id, it)
			}
		}
	}
}

// stopAfterClaim is an outbox whose claim answers while the process is
// told to stop.
type stopAfterClaim struct {
	*memOutbox
	stop context.CancelFunc
	once sync.Once
}

func (s *stopAfterClaim) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.OutboxItem, error) {
	items, err := s.memOutbox.Claim(ctx, now, lease, max)
	s.once.Do(s.stop)
	return items, err
}
