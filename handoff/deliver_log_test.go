package handoff

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// Each settle logs one JSON line naming the item, with the ticket when
// delivered, the reason when dead, the next attempt and error on a retry.
func TestDeliverLogsEachSettle(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want map[string]any
	}{
		{"delivered", nil, map[string]any{"level": "INFO", "msg": "handoff delivered", "ticket": "T1", "connector": "fake"}},
		{"retry", err500, map[string]any{"level": "WARN", "msg": "handoff delivery failed, will retry",
			"next_at": t0.Add(10 * time.Second).Format(time.RFC3339Nano)}},
		{"dead", err422, map[string]any{"level": "ERROR", "msg": "handoff dead-lettered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				}}))
			clock := &fakeClock{t: t0}
			ob := newMemOutbox(openItem("o1", "h1", t0))
			var errs []error
			if tt.err != nil {
				errs = append(errs, tt.err)
			}
			d, _ := newTestDeliverer(t, ob, newFakeConn(errs...), clock, DeliverLogger(log))
			runOnce(t, d)
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("not one JSON line: %q: %v", buf.String(), err)
			}
			want := map[string]any{"id": "o1", "handoff": "h1", "kind": string(flows.OutboxOpen), "attempts": 1.0}
			for k, v := range tt.want {
				want[k] = v
			}
			it := ob.get("o1")
			switch it.Status {
			case flows.OutboxDead:
				want["reason"] = it.LastError
			case flows.OutboxPending:
				want["err"] = it.LastError
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("logged %v\nwant   %v", got, want)
			}
		})
	}
}

// A handler that prints the source sees each settle line's own call site
// in settle, as slog.Logger.LogAttrs would record it, on the first line
// of a site and on the next.
func TestDeliverLogSource(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
	}{{"delivered", nil}, {"retry", err500}, {"dead", err422}} {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 {
				var buf bytes.Buffer
				log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{AddSource: true}))
				var errs []error
				if tt.err != nil {
					errs = append(errs, tt.err)
				}
				d, _ := newTestDeliverer(t, newMemOutbox(openItem("o1", "h1", t0)), newFakeConn(errs...), &fakeClock{t: t0}, DeliverLogger(log))
				runOnce(t, d)
				var got struct {
					Source struct {
						Function string `json:"function"`
						File     string `json:"file"`
					} `json:"source"`
				}
				if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
					t.Fatalf("not one JSON line: %q: %v", buf.String(), err)
				}
				if !strings.HasSuffix(got.Source.Function, "handoff.(*dlRun).settle") || !strings.HasSuffix(got.Source.File, "/deliver_attempt.go") {
					t.Errorf("source %+v, want dlRun.settle in deliver_attempt.go", got.Source)
				}
			}
		})
	}
}

// A worker whose lease ran out and whose item another worker claimed
// since is refused its settle (flows.ErrLeaseLost): the outcome is the
// other worker's, so the run goes on without an error, calls no helpdesk
// (the write-ahead settle is refused first), reports nothing settled, and
// the log says what happened instead of an outbox failure.
func TestDeliverLeaseLost(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	clock := &fakeClock{t: t0}
	ob := newMemOutbox(openItem("o1", "h1", t0))
	ob.settleErr = fmt.Errorf("store: settling outbox item %q: %w", "o1", flows.ErrLeaseLost)
	conn := newFakeConn()
	d, settled := newTestDeliverer(t, ob, conn, clock, DeliverLogger(log))
	if n, err := d.RunOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("RunOnce = %d, %v; want 0 settled and no error", n, err)
	}
	if len(*settled) != 0 || len(conn.calls) != 0 {
		t.Errorf("OnSettled calls %v, helpdesk calls %v; want none", *settled, conn.calls)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON line: %q: %v", buf.String(), err)
	}
	if got["level"] != "WARN" || got["id"] != "o1" || !strings.Contains(got["msg"].(string), "another worker") {
		t.Errorf("log line = %v, want a WARN about another worker for o1", got)
	}
}
