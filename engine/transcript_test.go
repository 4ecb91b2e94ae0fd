package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

func msgs(from, n int) []flows.Message {
	out := make([]flows.Message, n)
	for i := range out {
		out[i] = flows.Message{Text: strconv.Itoa(from + i)}
	}
	return out
}

func texts(ms []flows.Message) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Text)
	}
	return fmt.Sprint(s)
}

func TestAppendTranscript(t *testing.T) {
	roomy := make([]flows.Message, 3, 8)
	copy(roomy, msgs(0, 3))
	tests := []struct {
		name        string
		old, add    []flows.Message
		limit       int
		tail        bool
		want        string
		inPlace     bool
		exactLength bool
	}{
		{"first messages", nil, msgs(0, 2), 5, false, "[0 1]", false, true},
		{"copy without the tail", roomy, msgs(3, 2), 10, false, "[0 1 2 3 4]", false, true},
		{"in place with the tail", roomy, msgs(3, 2), 10, true, "[0 1 2 3 4]", true, false},
		{"in place, oldest dropped", roomy, msgs(3, 3), 4, true, "[2 3 4 5]", true, false},
		{"out of room: a new array with room", roomy, msgs(3, 6), 20, true, "[0 1 2 3 4 5 6 7 8]", false, false},
		{"over the limit without the tail", msgs(0, 4), msgs(4, 3), 5, false, "[2 3 4 5 6]", false, true},
		{"more new messages than the limit", msgs(0, 4), msgs(4, 7), 5, false, "[6 7 8 9 10]", false, true},
		{"more new than the limit, tail", roomy, msgs(3, 7), 5, true, "[5 6 7 8 9]", false, false},
	}
	for _, tt := range tests {
		before := texts(tt.old)
		got := appendTranscript(tt.old, tt.add, tt.limit, tt.tail)
		if texts(got) != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, texts(got), tt.want)
		}
		if texts(tt.old) != before {
			t.Errorf("%s: the old transcript changed to %s", tt.name, texts(tt.old))
		}
		shares := len(tt.old) > 0 && cap(got) > 0 && &got[:cap(got)][cap(got)-1] == &tt.old[:cap(tt.old)][cap(tt.old)-1]
		if shares != tt.inPlace {
			t.Errorf("%s: appended in place %v, want %v", tt.name, shares, tt.inPlace)
		}
		if tt.exactLength && cap(got) != len(got) {
			t.Errorf("%s: capacity %d for %d messages, want exact", tt.name, cap(got), len(got))
		}
	}
}

// Turns on the memory store's path append in place, and what an earlier
// revision holds never changes: not by later turns, not by turns that
// lost a conflict.
func TestTranscriptTailKeepsRevisions(t *testing.T) {
	ctx := context.Background()
	e := New(shop(t), WithClock(func() time.Time { return t0 }), WithTranscriptLimit(12))
	m := newSharedStore()
	create := func() *flows.Session { return e.NewSession("", flows.Contact{ID: "u"}, "web", "it") }
	type snap struct {
		s    *flows.Session
		want []flows.Message
	}
	var snaps []snap
	var wg sync.WaitGroup
	for round := range 15 {
		for i := range 3 { // concurrent turns: one wins, the others retry
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := flows.Input{Kind: flows.InputMessage, Text: fmt.Sprint("r", round, "-", i)}
				if _, err := e.Handle(ctx, m, "c", in, create); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		s, _, err := m.LoadShared(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, snap{s, slices.Clone(s.Transcript)})
	}
	for i, sn := range snaps {
		if texts(sn.s.Transcript) != texts(sn.want) {
			t.Fatalf("revision %d's transcript changed:\n%s\nwas\n%s", i, texts(sn.s.Transcript), texts(sn.want))
		}
	}
	last := snaps[len(snaps)-1].s
	if len(last.Transcript) != 12 || last.Turns != 45 {
		t.Fatalf("last revision: %d messages after %d turns", len(last.Transcript), last.Turns)
	}
}
