package replay_test

import (
	"context"
	"strings"
	"testing"

	"github.com/batonbot/baton/replay"
)

// FuzzReadEvents: any event stream, however odd (events out of order, a
// result before its request, a conversation that never started, texts of
// any kind), is read without a panic, and what it gives replays on a flow
// without one, each step with what it led to.
func FuzzReadEvents(f *testing.F) {
	base := `{"v":1,"id":"e1","type":"conversation_started","at":"2026-03-03T10:30:00Z","conversation":"s1","flow":"desk","lang":"en"}
{"v":1,"id":"e2","type":"message_in","at":"2026-03-03T10:30:00Z","conversation":"s1","flow":"desk","text":"hi","size":2}
{"v":1,"id":"e3","type":"message_in","at":"2026-03-03T10:31:00Z","conversation":"s1","flow":"desk","text":"A12345","size":6}
{"v":1,"id":"e4","type":"http_request","at":"2026-03-03T10:31:00Z","conversation":"s1","flow":"desk","request":"r1","method":"GET","url":"https://shop.example.com/orders/A12345"}
{"v":1,"id":"e5","type":"http_result","at":"2026-03-03T10:31:01Z","conversation":"s1","flow":"desk","request":"r1","status":200,"body":"{\"status\":\"shipped\"}","size":20}
`
	f.Add(base)
	f.Add(`{"v":1,"type":"message_in","at":"2026-03-03T10:30:00Z","conversation":"s2","kind":"button","choice":"refund"}` + "\n")
	f.Add(`{"v":1,"type":"message_out","at":"2026-03-03T10:30:00Z","conversation":"s3","from":"agent","text":"hello"}
{"v":1,"type":"ticket_solved","at":"2026-03-03T09:30:00Z","conversation":"s3"}
{"v":1,"type":"conversation_ended","at":"2026-03-03T11:30:00Z","conversation":"s3","reason":"customer_closed"}
`)
	f.Add(`{"v":1,"type":"http_result","conversation":"s4","request":"r9","status":500}` + "\n" + `{"v":1,"type":"message_in","conversation":"s4","kind":"media","text":"a photo"}` + "\n")
	fl := desk(f, "https://shop.example.com", "", "")
	p, err := replay.NewPlayer(fl, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		convs, err := replay.ReadEvents(strings.NewReader(s), "fuzz.jsonl")
		if err != nil {
			return
		}
		for _, c := range convs {
			if c.Skip != "" {
				continue
			}
			run := p.Play(context.Background(), c)
			if len(run.Steps) != len(c.Inputs) {
				t.Fatalf("%d steps for %d inputs", len(run.Steps), len(c.Inputs))
			}
			replay.Compare(c.Recorded, run, fl)
		}
	})
}
