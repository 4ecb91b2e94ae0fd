package handoff

import (
	"context"
	"errors"
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
