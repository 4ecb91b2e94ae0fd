package host

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/store/memory"
)

// conflictOnce refuses the first save that opens a ticket with
// ErrConflict, as when another writer (a bridge delivery, a reply's
// note) saved the session first: the engine runs the turn again.
type conflictOnce struct {
	flows.Store
	failed atomic.Bool
}

func (c *conflictOnce) Save(ctx context.Context, s *flows.Session, cm flows.Commit) error {
	for _, it := range cm.Outbox {
		if it.Kind == flows.OutboxOpen && c.failed.CompareAndSwap(false, true) {
			return flows.ErrConflict
		}
	}
	return c.Store.Save(ctx, s, cm)
}

type countingSummarizer struct {
	mu  sync.Mutex
	ids []string
}

func (c *countingSummarizer) Summarize(_ context.Context, h *flows.Handoff) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids = append(c.ids, h.ID)
	return "Anna wants a person.", nil
}

// A handoff turn run again after a conflict asks the model for its
// summary once, as the host promises, and keeps nothing of the first
// run: each run of the turn gives the handoff a new id, so the summary
// was asked again for the new id, and the first run's summary and
// routing message for the customer were kept for ever.
func TestHandoffTurnRetriedAsksForTheSummaryOnce(t *testing.T) {
	cfg, diags := config.Parse("baton.yaml", []byte("connectors:\n  zendesk: {base_url: \"http://127.0.0.1:1\", subdomain: acme, email: bot@acme.example, token: t}\n"+
		"messages:\n  assigned_no_sla: {en: \"You're with our {team} team now.\"}\n"))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	conns, err := handoff.Connectors(cfg.Handoff)
	if err != nil {
		t.Fatal(err)
	}
	st := &conflictOnce{Store: memory.New()}
	sum := &countingSummarizer{}
	h, _ := webHost(t, st, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithDeployment(cfg.Handoff, conns), WithSummarizer(sum))
	const conv = "web:site:v1"
	create := func() *flows.Session {
		return &flows.Session{ID: conv, Channel: flows.ChannelWeb, Contact: flows.Contact{ID: "v1", Name: "Anna"}, Lifecycle: flows.LifecycleBot,
			State: "welcome", Lang: "en", Vars: map[string]any{}}
	}
	effects, err := h.Turn(context.Background(), conv, flows.Input{Kind: flows.InputMessage, Text: "I want a human"}, create)
	if err != nil {
		t.Fatal(err)
	}
	if !st.failed.Load() {
		t.Fatal("the turn opened no ticket")
	}
	var handoffs []string
	for _, ef := range effects {
		if he, ok := ef.(flows.HandoffEffect); ok {
			handoffs = append(handoffs, he.ID)
		}
	}
	if len(sum.ids) != 1 || len(handoffs) != 1 {
		t.Errorf("the summary was asked for %v, the turn handed off %v: want one summary", sum.ids, handoffs)
	}
	var kept []any
	h.decided.Range(func(k, _ any) bool { kept = append(kept, k); return true })
	if len(kept) != 0 {
		t.Errorf("routing messages kept after the turn, of handoffs %v", kept)
	}
}

// bigSummarizer answers with a summary of a megabyte.
type bigSummarizer struct{}

func (bigSummarizer) Summarize(context.Context, *flows.Handoff) (string, error) {
	return strings.Repeat("The customer wants a refund. ", 1<<20/29), nil
}

// A Summarizer's answer is cut to flows.MaxSummaryBytes before it goes
// into the handoff (saved with the session's outbox, sent in the ticket):
// a custom summariser answering a megabyte used to put the whole of it
// into the store and the helpdesk.
func TestSummaryIsBounded(t *testing.T) {
	cfg, diags := config.Parse("baton.yaml", []byte("connectors:\n  zendesk: {base_url: \"http://127.0.0.1:1\", subdomain: acme, email: bot@acme.example, token: t}\n"))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	conns, err := handoff.Connectors(cfg.Handoff)
	if err != nil {
		t.Fatal(err)
	}
	st := memory.New()
	h, _ := webHost(t, st, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithDeployment(cfg.Handoff, conns), WithSummarizer(bigSummarizer{}))
	const conv = "web:site:v1"
	create := func() *flows.Session {
		return &flows.Session{ID: conv, Channel: flows.ChannelWeb, Contact: flows.Contact{ID: "v1", Name: "Anna"}, Lifecycle: flows.LifecycleBot,
			State: "welcome", Lang: "en", Vars: map[string]any{}}
	}
	if _, err := h.Turn(context.Background(), conv, flows.Input{Kind: flows.InputMessage, Text: "I want a human"}, create); err != nil {
		t.Fatal(err)
	}
	items, err := st.OutboxOf(flows.OutboxOpen).List(context.Background(), flows.OutboxPending)
	if err != nil || len(items) != 1 || items[0].Handoff == nil {
		t.Fatalf("the handoff's open: %+v, %v", items, err)
	}
	if s := items[0].Handoff.Summary; len(s) > flows.MaxSummaryBytes || !strings.HasSuffix(s, "…") || items[0].Handoff.SummaryBy != flows.SummaryByModel {
		t.Errorf("the handoff's summary has %d bytes, ends %q; want at most %d, marked as cut", len(s), s[max(len(s)-10, 0):], flows.MaxSummaryBytes)
	}
}
