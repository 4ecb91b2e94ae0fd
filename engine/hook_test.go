package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// handoffHost drives a conversation through Handle, as a host does.
type handoffHost struct {
	t     *testing.T
	e     *Engine
	store *testStore
	now   time.Time
}

func newHandoffHost(t *testing.T, hook HandoffHook) *handoffHost {
	h := &handoffHost{t: t, store: newTestStore(), now: t0}
	h.e = New(shop(t), WithHandoffHook(hook), WithClock(func() time.Time { return h.now }))
	return h
}

func (h *handoffHost) user(text string) ([]flows.Effect, error) {
	h.now = h.now.Add(time.Second)
	return h.e.Handle(context.Background(), h.store, "c1", flows.Input{Kind: flows.InputMessage, Text: text}, func() *flows.Session {
		return h.e.NewSession("c1", flows.Contact{ID: "u1", Name: "Anna"}, "whatsapp", "it")
	})
}

func (h *handoffHost) must(text string) []flows.Effect {
	h.t.Helper()
	effs, err := h.user(text)
	if err != nil {
		h.t.Fatalf("%q: %v", text, err)
	}
	return effs
}

func (h *handoffHost) opens() []flows.OutboxItem {
	return h.store.List("")
}

func TestHandoffHookRoutesWhatIsSaved(t *testing.T) {
	var seen []string
	host := newHandoffHost(t, func(_ context.Context, s *flows.Session, h *flows.Handoff) error {
		seen = append(seen, h.ID+" "+string(s.Lifecycle))
		h.Team, h.Priority, h.Assignee = "billing", flows.PriorityUrgent, "anna@acme.example"
		h.Tags = append(h.Tags, "routed")
		return nil
	})
	host.must("ciao")
	effs := host.must("operatore")
	if !slices.Equal(seen, []string{"c1-2-1 handed_off"}) {
		t.Fatalf("the hook saw %q", seen)
	}
	he, _ := find[flows.HandoffEffect](effs)
	items := host.opens()
	if len(items) != 1 || items[0].Kind != flows.OutboxOpen || items[0].HandoffID != "c1-2-1" {
		t.Fatalf("outbox %+v", items)
	}
	for _, h := range []*flows.Handoff{he.Handoff, items[0].Handoff} {
		if h.Team != "billing" || h.Priority != flows.PriorityUrgent || h.Assignee != "anna@acme.example" || !slices.Contains(h.Tags, "routed") {
			t.Errorf("routed handoff %+v", h)
		}
	}
	// Later messages are appended; the hook is only for handoffs.
	host.must("ci siete?")
	if len(seen) != 1 || len(host.opens()) != 2 {
		t.Errorf("after an append: hook calls %q, outbox %d items", seen, len(host.opens()))
	}
}

func TestHandoffHookErrorSavesNothing(t *testing.T) {
	fail := true
	host := newHandoffHost(t, func(context.Context, *flows.Session, *flows.Handoff) error {
		if fail {
			return errors.New("the load tracker is down")
		}
		return nil
	})
	host.must("ciao")
	before, _ := host.store.Load(context.Background(), "c1")
	_, err := host.user("operatore")
	if err == nil || !strings.Contains(err.Error(), "the load tracker is down") || !strings.Contains(err.Error(), "c1-2-1") {
		t.Fatalf("error %v", err)
	}
	after, _ := host.store.Load(context.Background(), "c1")
	if after.Rev != before.Rev || after.Lifecycle != flows.LifecycleBot || len(host.opens()) != 0 {
		t.Fatalf("a failed hook saved: rev %d→%d lifecycle %q outbox %d", before.Rev, after.Rev, after.Lifecycle, len(host.opens()))
	}
	fail = false
	host.must("operatore") // the same message again, once routing works
	if items := host.opens(); len(items) != 1 || items[0].HandoffID != "c1-2-1" {
		t.Fatalf("outbox %+v", items)
	}
}

func TestHandoffHookDeclines(t *testing.T) {
	host := newHandoffHost(t, func(context.Context, *flows.Session, *flows.Handoff) error {
		return fmt.Errorf("team support is closed: %w", ErrHandoffDeclined)
	})
	host.must("ciao")
	effs := host.must("operatore") // the handoff has return: csat, which is for after an agent
	hi := slices.IndexFunc(effs, func(e flows.Effect) bool { _, ok := e.(flows.HandoffEffect); return ok })
	ei := slices.IndexFunc(effs, func(e flows.Effect) bool {
		end, ok := e.(flows.EndEffect)
		return ok && end.Reason == "handoff_declined"
	})
	if hi < 0 || ei < hi {
		t.Fatalf("want the handoff, then the end: %s", types(effs))
	}
	s, _ := host.store.Load(context.Background(), "c1")
	if s.Lifecycle != flows.LifecycleClosed || s.Handoff != nil || s.State != "transfer" {
		t.Fatalf("lifecycle %q handoff %+v state %q", s.Lifecycle, s.Handoff, s.State)
	}
	if items := host.opens(); len(items) != 0 {
		t.Fatalf("a declined handoff has no outbox items: %+v", items)
	}
	effs = host.must("ciao")
	if got := replies(effs); len(got) == 0 || got[0] != "Ciao Anna! Come posso aiutarti?" {
		t.Errorf("the next message gets %q", got)
	}
}

// conflictOnce fails the first save with flows.ErrConflict, as if another
// writer had been first.
type conflictOnce struct {
	*testStore
	done bool
}

func (c *conflictOnce) Save(ctx context.Context, s *flows.Session, cm flows.Commit) error {
	if !c.done && len(cm.Outbox) > 0 {
		c.done = true
		return flows.ErrConflict
	}
	return c.testStore.Save(ctx, s, cm)
}

func TestHandoffHookSeesTheSameHandoffOnRetry(t *testing.T) {
	var seen []string
	e := New(shop(t), WithClock(func() time.Time { return t0 }), WithHandoffHook(func(_ context.Context, _ *flows.Session, h *flows.Handoff) error {
		seen = append(seen, h.ID)
		return nil
	}))
	store := &conflictOnce{testStore: newTestStore()}
	create := func() *flows.Session { return e.NewSession("c1", flows.Contact{ID: "u1"}, "whatsapp", "it") }
	for _, text := range []string{"ciao", "operatore"} {
		if _, err := e.Handle(context.Background(), store, "c1", flows.Input{Kind: flows.InputMessage, Text: text}, create); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(seen, []string{"c1-2-1", "c1-2-1"}) {
		t.Errorf("hook calls %q: a retried turn hands off with the same id", seen)
	}
	if items := store.List(""); len(items) != 1 {
		t.Errorf("outbox %+v", items)
	}
}
