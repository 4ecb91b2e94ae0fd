package handoff

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// gateDesk is a helpdesk whose calls for a conversation wait until its
// gate opens; it records what it was asked in order and how many calls
// were under way at most, in all and per conversation.
type gateDesk struct {
	mu          sync.Mutex
	gates       map[string]chan struct{}
	calls       []string
	now, most   int
	inConv      map[string]int
	mostPerConv int
	started     chan string // each call's conversation as it starts
}

var _ flows.Connector = (*gateDesk)(nil)

func newGateDesk(closed ...string) *gateDesk {
	g := &gateDesk{gates: map[string]chan struct{}{}, inConv: map[string]int{}, started: make(chan string, 100)}
	for _, conv := range closed {
		g.gate(conv)
	}
	return g
}

// gate is conv's gate, open unless made with newGateDesk's closed list.
func (g *gateDesk) gate(conv string) chan struct{} {
	if g.gates[conv] == nil {
		g.gates[conv] = make(chan struct{})
	}
	return g.gates[conv]
}

func (g *gateDesk) open(conv string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.gate(conv))
}

func (g *gateDesk) call(ctx context.Context, conv, what string) error {
	g.mu.Lock()
	g.calls = append(g.calls, conv+" "+what)
	g.now++
	g.most = max(g.most, g.now)
	g.inConv[conv]++
	g.mostPerConv = max(g.mostPerConv, g.inConv[conv])
	gate, closed := g.gates[conv]
	g.mu.Unlock()
	g.started <- conv
	defer func() {
		g.mu.Lock()
		g.now--
		g.inConv[conv]--
		g.mu.Unlock()
	}()
	if !closed {
		return nil
	}
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gateDesk) Open(ctx context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	if err := g.call(ctx, h.ConversationID, "open"); err != nil {
		return flows.TicketRef{}, err
	}
	return flows.TicketRef{Connector: "fake", ID: "T-" + h.ID}, nil
}

func (g *gateDesk) Append(ctx context.Context, t flows.TicketRef, m flows.Message) error {
	return g.call(ctx, convOfTicket(t), "append "+m.Text)
}

func (g *gateDesk) Close(ctx context.Context, t flows.TicketRef) error {
	return g.call(ctx, convOfTicket(t), "close")
}

// convOfTicket: the tests' handoff ids are their conversation's id + "h".
func convOfTicket(t flows.TicketRef) string { return t.ID[len("T-") : len(t.ID)-1] }

func (g *gateDesk) log() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.calls...)
}

// convOpen is the open of conversation conv's handoff conv+"h".
func convOpen(conv string, at time.Time) flows.OutboxItem {
	it := openItem(conv+"-open", conv+"h", at)
	it.ConversationID, it.Handoff.ConversationID = conv, conv
	return it
}

func convAppend(conv, text string, at time.Time) flows.OutboxItem {
	it := appendItem(conv+"-"+text, conv+"h", text, at)
	it.ConversationID = conv
	return it
}

// runDeliverer runs d until the test ends, and checks that Run then
// returns the context's error.
func runDeliverer(t *testing.T, d *Deliverer) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	})
}

// waitDelivered waits until every id is delivered in ob.
func waitDelivered(t *testing.T, ob *memOutbox, why string, ids ...string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var left []string
		for _, id := range ids {
			if ob.get(id).Status != flows.OutboxDelivered {
				left = append(left, id)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not delivered within a minute: %s", left, why)
		}
		time.Sleep(time.Millisecond)
	}
}

// Several conversations' tickets open at once: a helpdesk answers in a
// few hundred milliseconds, and one at a time a process opened a few
// tickets a second, however many customers waited.
func TestDeliverWorkersOpenTicketsAtOnce(t *testing.T) {
	const workers = 4
	convs := []string{"c1", "c2", "c3", "c4"}
	desk := newGateDesk(convs...)
	ob := newMemOutbox()
	for _, c := range convs {
		ob.add(convOpen(c, t0))
	}
	clock := &fakeClock{t: t0}
	d, _ := newTestDeliverer(t, ob, desk, clock, DeliverWorkers(workers), DeliverTimeout(time.Minute),
		DeliverLease(2*time.Minute), DeliverPollInterval(time.Hour))
	runDeliverer(t, d)
	for started := 0; started < workers; started++ {
		select {
		case <-desk.started:
		case <-time.After(time.Minute):
			t.Fatalf("%d of %d helpdesk calls under way at once after a minute, want all %d (DeliverWorkers)", started, workers, workers)
		}
	}
	for _, c := range convs {
		desk.open(c)
	}
	waitDelivered(t, ob, "the calls were answered", "c1-open", "c2-open", "c3-open", "c4-open")
}

// A conversation whose helpdesk call hangs holds up no other's: the idle
// worker claims the next items as soon as it is done with its own.
func TestDeliverWorkersGoOnPastAHungCall(t *testing.T) {
	desk := newGateDesk("stuck")
	ob := newMemOutbox(convOpen("stuck", t0))
	for i := range 5 {
		ob.add(convOpen(fmt.Sprintf("c%d", i), t0.Add(time.Duration(i+1)*time.Second)))
	}
	clock := &fakeClock{t: t0.Add(time.Minute)}
	d, _ := newTestDeliverer(t, ob, desk, clock, DeliverWorkers(2), DeliverTimeout(time.Minute),
		DeliverLease(2*time.Minute), DeliverPollInterval(time.Hour))
	runDeliverer(t, d)
	waitDelivered(t, ob, "another conversation's helpdesk call hangs", "c0-open", "c1-open", "c2-open", "c3-open", "c4-open")
	if got := ob.get("stuck-open"); got.Status != flows.OutboxPending {
		t.Fatalf("the hung open is %s, want still pending", got.Status)
	}
	desk.open("stuck")
	waitDelivered(t, ob, "its call was answered", "stuck-open")
}

// A conversation's items still go one at a time and in order, while
// other conversations' go beside them.
func TestDeliverWorkersKeepEachConversationInOrder(t *testing.T) {
	desk := newGateDesk()
	ob := newMemOutbox()
	ob.blocking = true // as the stores: a handoff's next item only after the one before
	var ids []string
	for _, c := range []string{"c1", "c2", "c3"} {
		ob.add(convOpen(c, t0))
		ids = append(ids, c+"-open")
		for i, text := range []string{"one", "two", "three"} {
			ob.add(convAppend(c, text, t0.Add(time.Duration(i+1)*time.Second)))
			ids = append(ids, c+"-"+text)
		}
	}
	clock := &fakeClock{t: t0.Add(time.Minute)}
	d, _ := newTestDeliverer(t, ob, desk, clock, DeliverWorkers(4), DeliverTimeout(time.Minute),
		DeliverLease(2*time.Minute), DeliverPollInterval(time.Millisecond), DeliverAppendWindow(0))
	runDeliverer(t, d)
	waitDelivered(t, ob, "the helpdesk answers at once", ids...)
	per := map[string][]string{}
	for _, call := range desk.log() {
		conv, what, _ := strings.Cut(call, " ")
		per[conv] = append(per[conv], what)
	}
	for _, c := range []string{"c1", "c2", "c3"} {
		if got, want := fmt.Sprint(per[c]), "[open append one append two append three]"; got != want {
			t.Errorf("%s's calls: %s, want %s", c, got, want)
		}
	}
	if desk.mostPerConv != 1 {
		t.Errorf("%d calls of one conversation were under way at once, want 1", desk.mostPerConv)
	}
}

// goroutineDesk records the goroutine each of its calls runs on.
type goroutineDesk struct {
	mu  sync.Mutex
	ids map[string]bool
}

var _ flows.Connector = (*goroutineDesk)(nil)

func (g *goroutineDesk) record() {
	var buf [64]byte
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf[:runtime.Stack(buf[:], false)]), "goroutine "), " ")
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ids[id] = true
}

func (g *goroutineDesk) Open(_ context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	g.record()
	return flows.TicketRef{Connector: "fake", ID: "T-" + h.ID}, nil
}

func (g *goroutineDesk) Append(context.Context, flows.TicketRef, flows.Message) error {
	g.record()
	return nil
}

func (g *goroutineDesk) Close(context.Context, flows.TicketRef) error {
	g.record()
	return nil
}

// Run's workers live as long as Run: a handoff a turn wakes it for goes
// to one of them, not to a goroutine of its own, whose stack grows anew
// for every ticket (the helpdesk's HTTP call runs deep).
func TestDeliverWorkersLastAcrossClaims(t *testing.T) {
	const workers = 2
	desk := &goroutineDesk{ids: map[string]bool{}}
	ob := newMemOutbox()
	clock := &fakeClock{t: t0.Add(time.Minute)}
	d, _ := newTestDeliverer(t, ob, desk, clock, DeliverWorkers(workers), DeliverTimeout(time.Minute),
		DeliverLease(2*time.Minute), DeliverPollInterval(time.Hour))
	runDeliverer(t, d)
	for i := range 10 {
		conv := fmt.Sprintf("c%d", i)
		ob.add(convOpen(conv, t0))
		d.Wake()
		waitDelivered(t, ob, "the Deliverer was woken", conv+"-open")
	}
	desk.mu.Lock()
	defer desk.mu.Unlock()
	if len(desk.ids) > workers {
		t.Errorf("10 tickets opened one after another ran on %d goroutines, want at most %d (DeliverWorkers)", len(desk.ids), workers)
	}
}
