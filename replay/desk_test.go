package replay_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/replay"
)

// desk loads testdata/desk.yaml with its orders API at base, after
// replacing old with new in its source (none when old is "").
func desk(t testing.TB, base, old, new string) *flows.Flow {
	src, err := os.ReadFile("testdata/desk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(src), "ORDERS_URL", base)
	if old != "" {
		if !strings.Contains(s, old) {
			t.Fatalf("desk.yaml has no %q", old)
		}
		s = strings.Replace(s, old, new, 1)
	}
	f, diags := dsl.Load("testdata/desk.yaml", []byte(s))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	return f
}

// deskTalk is a conversation: the customer's messages, a minute apart.
func deskTalk(id string, texts ...string) *replay.Conversation {
	at := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)
	c := &replay.Conversation{ID: id, Source: "example", Channel: "whatsapp", Lang: "en", Contact: flows.Contact{ID: id}}
	for _, t := range texts {
		c.Inputs = append(c.Inputs, replay.Input{At: at, Kind: replay.InputUser, Text: t})
		at = at.Add(time.Minute)
	}
	c.End = at
	return c
}

// A new keyword on the refund trigger: of three conversations, the one
// whose customer wrote it now goes to a person.
func Example() {
	var t testing.T // desk's errors: none in this example
	old := desk(&t, "https://shop.example.com", "", "")
	new := desk(&t, "https://shop.example.com", "[refund]", "[refund, money back]")
	convs := []*replay.Conversation{
		deskTalk("c1", "hi", "A12345"),
		deskTalk("c2", "hi", "I want my money back"),
		deskTalk("c3", "refund please"),
	}
	rep, err := replay.Replay(context.Background(), convs, replay.Options{Flow: new, FlowPath: "desk-v2.yaml", Baseline: old, BaselinePath: "desk.yaml"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Summary)
	for _, d := range rep.Diffs {
		for _, c := range d.Changes {
			fmt.Printf("%s step %d %s: %s → %s\n", d.Conversation, c.Step, c.Kind, c.Old, c.New)
		}
	}
	// Output:
	// 1 of 3 conversations now hands off instead of being contained; 1 reaches different states; 1 gets a different reply.
	// c2 step 2 handed_off: contained → handed off to support, priority normal (refund)
	// c2 step 2 states: (stays) → human
	// c2 step 2 reply: Sorry, I need an order number like A12345. → A colleague will answer you here.
}

// HTTP actions are answered by the results recorded at the time, else by
// the flow's sandbox: answers; the API itself, live at the flow's URL, is
// never called.
func TestHTTPActionsNeverCallTheAPI(t *testing.T) {
	var hits atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"shipped"}`)
	}))
	defer api.Close()
	f := desk(t, api.URL, "", "")
	p, err := replay.NewPlayer(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	url := api.URL + "/orders/A12345"
	stream := func(result string) string {
		lines := []string{
			`{"v":1,"id":"e1","type":"conversation_started","at":"2026-03-03T10:30:00Z","conversation":"s1","flow":"desk","lang":"en"}`,
			`{"v":1,"id":"e2","type":"message_in","at":"2026-03-03T10:30:00Z","conversation":"s1","flow":"desk","text":"hi","size":2}`,
			`{"v":1,"id":"e3","type":"message_in","at":"2026-03-03T10:31:00Z","conversation":"s1","flow":"desk","text":"A12345","size":6}`,
			`{"v":1,"id":"e4","type":"http_request","at":"2026-03-03T10:31:00Z","conversation":"s1","flow":"desk","request":"r1","method":"GET","url":"` + url + `"}`,
		}
		if result != "" {
			lines = append(lines, `{"v":1,"id":"e5","type":"http_result","at":"2026-03-03T10:31:01Z","conversation":"s1","flow":"desk","request":"r1",`+result+`}`)
		}
		return strings.Join(lines, "\n") + "\n"
	}
	fromEvents := func(t *testing.T, s string) *replay.Conversation {
		convs, err := replay.ReadEvents(strings.NewReader(s), "events.jsonl")
		if err != nil || len(convs) != 1 {
			t.Fatalf("%d conversations, %v", len(convs), err)
		}
		return convs[0]
	}
	for _, tc := range []struct {
		name string
		conv func(t *testing.T) *replay.Conversation
		want string
	}{
		{"a recorded answer", func(*testing.T) *replay.Conversation {
			c := deskTalk("c1", "hi", "A12345")
			c.Calls = []replay.Call{{Method: "GET", URL: url, Status: 200, Body: []byte(`{"status":"shipped"}`)}}
			return c
		}, "Order A12345 has shipped."},
		{"nothing recorded: the sandbox answer", func(*testing.T) *replay.Conversation {
			return deskTalk("c2", "hi", "A12345")
		}, "Order A12345 is being prepared."},
		{"a recorded answer for another URL: the sandbox answer", func(*testing.T) *replay.Conversation {
			c := deskTalk("c3", "hi", "A12345")
			c.Calls = []replay.Call{{Method: "GET", URL: api.URL + "/orders/B23456", Status: 200, Body: []byte(`{"status":"shipped"}`)}}
			return c
		}, "Order A12345 is being prepared."},
		{"an event stream's http_result", func(t *testing.T) *replay.Conversation {
			return fromEvents(t, stream(`"status":200,"body":"{\"status\":\"shipped\"}","size":20`))
		}, "Order A12345 has shipped."},
		{"an event stream's http_result without its body: the sandbox answer", func(t *testing.T) *replay.Conversation {
			return fromEvents(t, stream(`"status":200,"size":20`))
		}, "Order A12345 is being prepared."},
		{"an event stream's request without a result: the sandbox answer", func(t *testing.T) *replay.Conversation {
			return fromEvents(t, stream(""))
		}, "Order A12345 is being prepared."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := p.Play(context.Background(), tc.conv(t))
			if len(run.Errors) > 0 {
				t.Errorf("errors: %v", run.Errors)
			}
			last := run.Steps[len(run.Steps)-1]
			if !slices.Contains(last.Replies, tc.want) {
				t.Errorf("replies %q, want %q", last.Replies, tc.want)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the API was called %d times", n)
	}
}
