package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// flakyStore fails the first saves: before failing with ErrConflict it
// may let another writer save a turn of its own.
type flakyStore struct {
	*testStore
	fails  int
	err    error
	writer func(ctx context.Context)
	saves  int
}

func (s *flakyStore) Save(ctx context.Context, sess *flows.Session, c flows.Commit) error {
	s.saves++
	if s.fails == 0 {
		return s.testStore.Save(ctx, sess, c)
	}
	s.fails--
	if s.writer != nil {
		s.writer(ctx)
	}
	return s.err
}

// Handle returns the effects of the turn it saved and only those: a
// conflict runs the turn again on what the other writer saved, another
// error returns no effects and saves nothing.
func TestHandleSaveFailures(t *testing.T) {
	ctx := context.Background()
	at := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	msg := func(text string, n int) flows.Input {
		return flows.Input{Kind: flows.InputMessage, Text: text, At: at(n)}
	}
	tests := []struct {
		name    string
		fails   int
		err     error
		writer  bool // another writer saves "1" (the menu's order option) first
		wantErr error
		state   string // after the handoff turn; "" when it was not saved
	}{
		{"conflict once, nobody else wrote", 1, flows.ErrConflict, false, nil, "transfer"},
		{"conflict once, another writer's turn", 1, flows.ErrConflict, true, nil, "transfer"},
		{"conflict every time", maxConflictRetries, flows.ErrConflict, false, flows.ErrConflict, ""},
		{"store failure", 1, errors.New("disk full"), false, errors.New("disk full"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hooked []string
			e := New(shop(t), WithHandoffHook(func(_ context.Context, _ *flows.Session, h *flows.Handoff) error {
				hooked = append(hooked, h.ID)
				return nil
			}))
			mem := newTestStore()
			create := func() *flows.Session { return e.NewSession("c1", flows.Contact{Name: "Anna"}, "whatsapp", "it") }
			if _, err := e.Handle(ctx, mem, "c1", msg("ciao", 1), create); err != nil {
				t.Fatal(err)
			}
			before, _ := mem.Load(ctx, "c1")
			st := &flakyStore{testStore: mem, fails: tt.fails, err: tt.err}
			if tt.writer {
				st.writer = func(ctx context.Context) {
					if _, err := e.Handle(ctx, mem, "c1", msg("1", 2), nil); err != nil {
						t.Errorf("the other writer: %v", err)
					}
				}
			}
			effs, err := e.Handle(ctx, st, "c1", msg("operatore", 3), nil)
			after, _ := mem.Load(ctx, "c1")
			items := mem.List("")
			if tt.wantErr != nil {
				if err == nil || effs != nil {
					t.Fatalf("Handle = %s, %v; want no effects and an error", types(effs), err)
				}
				if errors.Is(tt.wantErr, flows.ErrConflict) != errors.Is(err, flows.ErrConflict) || st.saves != tt.fails {
					t.Errorf("error %v after %d saves", err, st.saves)
				}
				if after.Rev != before.Rev || after.State != before.State || len(items) != 0 {
					t.Errorf("an unsaved turn left rev %d→%d, state %q, %d outbox items", before.Rev, after.Rev, after.State, len(items))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if after.State != tt.state || after.Lifecycle != flows.LifecycleHandedOff || after.Handoff == nil {
				t.Fatalf("saved state %q lifecycle %q", after.State, after.Lifecycle)
			}
			// The effects are the saved turn's: one handoff, the saved one,
			// with the one outbox item that opens it.
			hs := all[flows.HandoffEffect](effs)
			if len(hs) != 1 || hs[0].ID != after.Handoff.ID {
				t.Errorf("handoff effects %+v, saved handoff %q", hs, after.Handoff.ID)
			}
			if len(items) != 1 || items[0].HandoffID != after.Handoff.ID {
				t.Errorf("outbox %+v, saved handoff %q", items, after.Handoff.ID)
			}
			if len(hooked) != 2 || hooked[1] != after.Handoff.ID {
				t.Errorf("hook saw %q, want each attempt's handoff, the saved one last", hooked)
			}
			if tt.writer {
				if after.Turns != before.Turns+2 || hooked[0] == hooked[1] {
					t.Errorf("turns %d→%d, hooked %q: the retry must run on the other writer's session", before.Turns, after.Turns, hooked)
				}
				if len(replies(effs)) != 1 {
					t.Errorf("replies %q", replies(effs))
				}
			} else if hooked[0] != hooked[1] {
				t.Errorf("a retry on the same session gives the handoff another id: %q", hooked)
			}
		})
	}
}
