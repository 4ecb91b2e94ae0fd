package memory_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

func TestFileStoreSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "baton.json")
	now := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)

	st, err := memory.OpenFile(path, memory.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	s := &flows.Session{ID: "c1", Flow: "shop", State: "welcome", Vars: map[string]any{"order_id": "A12345"}, Lifecycle: flows.LifecycleHandedOff}
	h := &flows.Handoff{ID: "c1-h1", ConversationID: "c1", Reason: "asks_for_human", Priority: flows.PriorityHigh}
	item := flows.OutboxItem{ID: "c1-h1-open", Kind: flows.OutboxOpen, HandoffID: h.ID, Handoff: h}
	if err := st.Save(ctx, s, flows.Commit{Outbox: []flows.OutboxItem{item}}); err != nil {
		t.Fatal(err)
	}
	claimed, err := st.Claim(ctx, now, time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("Claim = %v, %v; want the open item", claimed, err)
	}
	dead := claimed[0]
	dead.Status, dead.Attempts, dead.LastError = flows.OutboxDead, 7, "zendesk: 401 Unauthorized"
	if err := st.Settle(ctx, dead); err != nil {
		t.Fatal(err)
	}

	// A new process opens the same file.
	st2, err := memory.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st2.Load(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != "welcome" || got.Vars["order_id"] != "A12345" || got.Rev != 1 {
		t.Errorf("reloaded session = %+v", got)
	}
	deads, err := st2.List(ctx, flows.OutboxDead)
	if err != nil {
		t.Fatal(err)
	}
	if len(deads) != 1 || deads[0].LastError != "zendesk: 401 Unauthorized" || deads[0].Attempts != 7 || deads[0].Handoff.Reason != "asks_for_human" {
		t.Fatalf("reloaded dead letters = %+v", deads)
	}
	// Stale revisions still conflict after a restart.
	s.Rev = 0
	if err := st2.Save(ctx, s, flows.Commit{}); err == nil {
		t.Error("Save with a stale revision succeeded after reopening")
	}
}

func TestFileStoreRejectsForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baton.json")
	if err := os.WriteFile(path, []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := memory.OpenFile(path)
	if err == nil || !strings.Contains(err.Error(), "not a Baton store file") {
		t.Fatalf("OpenFile on garbage: %v", err)
	}
}

// TestFileStoreFailedWriteSavesNothing: when the snapshot cannot be written,
// Save fails and the store is as before, so the host's retry or the next
// message does not find a turn it was told had failed (nor a handoff it
// would deliver anyway).
func TestFileStoreFailedWriteSavesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "baton.json")
	st, err := memory.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := &flows.Session{ID: "c1", State: "welcome", Lifecycle: flows.LifecycleBot}
	if err := st.Save(ctx, s, flows.Commit{}); err != nil {
		t.Fatal(err)
	}
	next := *s
	next.State, next.Lifecycle = "human", flows.LifecycleHandedOff
	commit := flows.Commit{Outbox: []flows.OutboxItem{{ID: "h1:open", Kind: flows.OutboxOpen, HandoffID: "h1"}}, Loads: map[string]int{"ada": 1}}
	// The snapshot's place becomes a directory: renaming over it fails.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, &next, commit); err == nil {
		t.Fatal("Save succeeded although the store could not be written")
	}
	if next.Rev != 1 {
		t.Errorf("a failed save bumped Rev to %d", next.Rev)
	}
	if l, _ := st.Loads(ctx, []string{"ada"}); l["ada"] != 0 {
		t.Errorf("a failed save counted a load: %v", l)
	}
	s, err = st.Load(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if s.State != "welcome" || s.Lifecycle != flows.LifecycleBot || s.Rev != 1 {
		t.Errorf("after the failed save the session is in %q, %s, rev %d; want welcome, bot, rev 1", s.State, s.Lifecycle, s.Rev)
	}
	if items, _ := st.List(ctx, ""); len(items) != 0 {
		t.Errorf("the failed turn's handoff is in the outbox: %+v", items)
	}
	// Once the file can be written again, the same message goes through.
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, &next, commit); err != nil {
		t.Fatal(err)
	}
	if items, _ := st.List(ctx, ""); len(items) != 1 {
		t.Errorf("outbox after the retry: %d items, want the handoff's open", len(items))
	}
}
