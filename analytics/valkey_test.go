package analytics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// Two instances write one stream, trimmed to about its cap; it reads back
// in order.
func TestValkeyStream(t *testing.T) {
	_, c := startValkey(t)
	ctx := context.Background()
	a := analytics.NewValkeyStream(c, "baton:events", 0, analytics.BatchInterval(10*time.Millisecond))
	b := analytics.NewValkeyStream(c, "baton:events", 0, analytics.BatchSize(7))
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	for i := range 50 {
		s := a
		if i%2 == 1 {
			s = b
		}
		if err := s.Write(ctx, ev(fmt.Sprint(i), at.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	err := analytics.ReadStream(ctx, c, "baton:events", func(e *flows.Event) error {
		seen[e.ID] = true
		return nil
	})
	if err != nil || len(seen) != 50 {
		t.Fatalf("read back %d events: %v", len(seen), err)
	}
	if st := a.Stats(); st.Sent != 25 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
	// The cap trims the stream (approximately: whole nodes go).
	capped := analytics.NewValkeyStream(c, "baton:capped", 1000, analytics.BatchSize(500))
	for i := range 5000 {
		_ = capped.Write(ctx, ev(fmt.Sprint(i), at))
	}
	_ = capped.Close()
	n, err := c.Do(ctx, c.B().Xlen().Key("baton:capped").Build()).AsInt64()
	if err != nil || n < 1000 || n > 2500 {
		t.Errorf("capped stream holds %d entries (cap ~1000): %v", n, err)
	}
}

func TestScanStreamURL(t *testing.T) {
	srv, c := startValkey(t)
	s := analytics.NewValkeyStream(c, "k", 0)
	_ = s.Write(context.Background(), ev("1", time.Now()), ev("2", time.Now()))
	_ = s.Close()
	if !analytics.IsStreamURL(srv.URL) || analytics.IsStreamURL("events.jsonl") {
		t.Fatal("IsStreamURL")
	}
	var ids []string
	url := "valkey://" + srv.URL[len("redis://"):]
	if err := analytics.ScanStream(context.Background(), url, "k", func(e *flows.Event) error { ids = append(ids, e.ID); return nil }); err != nil || len(ids) != 2 || ids[0] != "1" {
		t.Fatalf("%v %v", ids, err)
	}
}

// A batch the stream sink sends again after a failure repeats the entries
// that made it the first time: reading the stream drops the repeats by
// event id, so `baton report` counts each event once.
func TestReadStreamDropsRepeatedEvents(t *testing.T) {
	_, c := startValkey(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	for _, id := range []string{"1", "2", "3", "2", "3", "4"} {
		b, _ := json.Marshal(ev(id, at))
		if err := c.Do(ctx, c.B().Xadd().Key("k").Id("*").FieldValue().FieldValue("event", string(b)).Build()).Error(); err != nil {
			t.Fatal(err)
		}
	}
	var ids string
	if err := analytics.ReadStream(ctx, c, "k", func(e *flows.Event) error { ids += e.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	if ids != "1234" {
		t.Errorf("read %s, want 1234", ids)
	}
}

// startValkey starts a Valkey for the test and a client of it, closed
// when the test ends.
func startValkey(t *testing.T) (*valkeytest.Server, valkey.Client) {
	t.Helper()
	srv := valkeytest.Start(t)
	c, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{srv.Addr}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return srv, c
}
