package sandbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

func shop(t testing.TB) *flows.Flow {
	f, diags := dsl.LoadFile("../cmd/baton/testdata/flows/shop.yaml")
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	return f
}

func replies(st *sandbox.Step) []string {
	var out []string
	for _, ev := range st.Events {
		if r, ok := ev.Effect.(flows.Reply); ok {
			out = append(out, r.Text)
		}
	}
	return out
}

// A conversation in the sandbox: canned HTTP answers, the fixed clock's
// timeouts, the handoff, and a new conversation on Reset.
func TestConversation(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)
	sb, err := sandbox.New(sandbox.Config{Flow: shop(t), Lang: "en", Now: now, Fixed: true, Contact: flows.Contact{ID: "u1", Name: "Anna"}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() *sandbox.Step
		want string
	}{
		{"hello", func() *sandbox.Step { return sb.User(ctx, "hello") }, "Hi Anna! How can I help?"},
		{"button", func() *sandbox.Step { return sb.Button(ctx, "order") }, "What's your order number? (e.g. A12345)"},
		{"canned lookup", func() *sandbox.Step { return sb.User(ctx, "A12345") }, "Your order A12345 arrives on 2026-03-05."},
		{"timeout", func() *sandbox.Step { return sb.Wait(ctx, 11*time.Minute) }, "Are you still there?"},
		{"handoff", func() *sandbox.Step { return sb.User(ctx, "agent") }, ""},
	}
	for _, st := range steps {
		res := st.do()
		if len(res.Problems) > 0 {
			t.Fatalf("%s: problems %q", st.name, res.Problems)
		}
		if got := strings.Join(replies(res), " | "); !strings.Contains(got, st.want) {
			t.Errorf("%s: replies %q, want %q", st.name, got, st.want)
		}
	}
	if s := sb.Session(); s.Lifecycle != flows.LifecycleHandedOff || s.ID != "sandbox-1" {
		t.Errorf("session %s %s", s.ID, s.Lifecycle)
	}
	if got := sb.Now(); !got.Equal(now.Add(11 * time.Minute)) {
		t.Errorf("the fixed clock is at %v", got)
	}
	sb.Reset()
	if s := sb.Session(); s.ID != "sandbox-2" || s.State != "" {
		t.Errorf("after Reset: %s in %q", s.ID, s.State)
	}
}

// A request with no canned answer is a problem that says where to add
// one.
func TestNoCannedAnswer(t *testing.T) {
	f, diags := dsl.Load("f.yaml", []byte("flow: f\nlanguages: [en]\nstart: s\nstates:\n  s:\n    http: {url: \"https://api.example.com/ping\"}\n    next: t\n  t: {say: done, end: true}\n"))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	sb, err := sandbox.New(sandbox.Config{Flow: f, CannedHint: "(or in the test file)"})
	if err != nil {
		t.Fatal(err)
	}
	res := sb.User(context.Background(), "hi")
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "no canned response for GET https://api.example.com/ping") ||
		!strings.Contains(res.Problems[0], "f.yaml:6:5") || !strings.HasSuffix(res.Problems[0], "(or in the test file)") {
		t.Errorf("problems %q", res.Problems)
	}
}

func ExampleSandbox() {
	f, _ := dsl.Load("hello.yaml", []byte("flow: hello\nlanguages: [en]\nstart: hi\nstates:\n  hi: {say: \"Hello {{ user.name }}!\", end: true}\n"))
	sb, _ := sandbox.New(sandbox.Config{Flow: f, Contact: flows.Contact{Name: "Anna"}})
	for _, ev := range sb.User(context.Background(), "hey").Events {
		b, _ := sandbox.EventJSON(ev)
		fmt.Println(string(b))
	}
	// Output:
	// {"type":"state","from":"","to":"hi"}
	// {"type":"reply","text":"Hello Anna!","from":"bot"}
	// {"type":"end"}
	// {"type":"lifecycle","from":"bot","to":"closed"}
}

// A flow whose HTTP calls never stop asking for the next one is stopped
// after flows.MaxHTTPChain calls, with a problem that says where to look.
func TestHTTPChainIsBounded(t *testing.T) {
	f, diags := dsl.Load("poll.yaml", []byte(`flow: poll
languages: [en]
start: poll
states:
  poll:
    http:
      method: GET
      url: "https://orders.example/status"
      save_as: status
      sandbox:
        - status: 200
          body: {ready: false}
    next: poll
`))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	calls := 0
	sb, err := sandbox.New(sandbox.Config{Flow: f, Lang: "en", Now: time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC), Fixed: true})
	if err != nil {
		t.Fatal(err)
	}
	sb.OnEvent = func(ev sandbox.Event) {
		if _, ok := ev.Effect.(flows.HTTPRequest); ok {
			calls++
		}
	}
	res := sb.User(context.Background(), "hi")
	if calls != flows.MaxHTTPChain {
		t.Errorf("%d HTTP calls, want %d", calls, flows.MaxHTTPChain)
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "kept making HTTP requests") {
		t.Errorf("problems %q, want one about the HTTP loop", res.Problems)
	}
}

// An ask for a date answered with a range ("from tomorrow to Friday")
// takes the range's first day, as a collect's date slot does; a date in
// the message still comes first.
func TestAskDateTakesRangeStart(t *testing.T) {
	ctx := context.Background()
	f, diags := dsl.Load("f.yaml", []byte(`flow: f
languages: [en, it]
start: s
timezone: Europe/Rome
vars: {day: "", d2: "", at: ""}
states:
  s:
    say: "When?"
    ask: {save_as: day, entity: date}
    next: c
  c:
    collect:
      - {save_as: d2, entity: date, prompt: "Which day?"}
      - {save_as: at, entity: time, prompt: "What time?"}
    next: done
  done: {say: "{{ day }} {{ d2 }} {{ at }}", end: true}
`))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	now := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC) // a Tuesday
	for _, tc := range []struct {
		lang, first, second, want string
	}{
		{"en", "from tomorrow to Friday", "this weekend at 8pm", "2026-03-04 2026-03-07 20:00"},
		{"it", "da domani a venerdì", "il weekend alle 20", "2026-03-04 2026-03-07 20:00"},
		{"en", "Friday", "Thursday at 8pm", "2026-03-06 2026-03-05 20:00"},
	} {
		sb, err := sandbox.New(sandbox.Config{Flow: f, Lang: tc.lang, Now: now, Fixed: true, Contact: flows.Contact{ID: "u1", Name: "Anna"}})
		if err != nil {
			t.Fatal(err)
		}
		sb.User(ctx, "hi")
		sb.User(ctx, tc.first)
		res := sb.User(ctx, tc.second)
		if got := strings.Join(replies(res), " | "); got != tc.want {
			t.Errorf("%s %q, %q: replies %q, want %q", tc.lang, tc.first, tc.second, got, tc.want)
		}
	}
}

// A collect with a date slot and a date_range slot gives a range to the
// range slot, whatever their order, and a single day to the date slot: a
// range fills a date slot only when no slot of the form asks for a range.
func TestCollectDateAndRangeSlots(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC) // a Tuesday
	for _, order := range []string{
		"      - {save_as: booked_on, entity: date, prompt: \"On which day did you book?\"}\n      - {save_as: trip, entity: date_range, prompt: \"For which dates?\"}\n",
		"      - {save_as: trip, entity: date_range, prompt: \"For which dates?\"}\n      - {save_as: booked_on, entity: date, prompt: \"On which day did you book?\"}\n",
	} {
		f, diags := dsl.Load("f.yaml", []byte(`flow: f
languages: [en]
start: s
timezone: Europe/Rome
vars: {booked_on: "", trip: ""}
states:
  s:
    say: "When did you book, and for which dates?"
    collect:
`+order+`    next: done
  done: {say: "{{ booked_on }} {{ trip }}", end: true}
`))
		if diags.HasErrors() {
			t.Fatal(diags.Err())
		}
		for _, tc := range []struct {
			first, second, want string
		}{
			{"from March 10 to 15", "March 20", "2026-03-20 2026-03-10/2026-03-15"},
			{"March 20", "from March 10 to 15", "2026-03-20 2026-03-10/2026-03-15"},
			{"from tomorrow to Friday", "today", "2026-03-03 2026-03-04/2026-03-06"},
			{"on March 20, from April 10 to 15", "", "2026-03-20 2026-04-10/2026-04-15"},
		} {
			sb, err := sandbox.New(sandbox.Config{Flow: f, Lang: "en", Now: now, Fixed: true, Contact: flows.Contact{ID: "u1", Name: "Anna"}})
			if err != nil {
				t.Fatal(err)
			}
			sb.User(ctx, "hi")
			res := sb.User(ctx, tc.first)
			if tc.second != "" {
				res = sb.User(ctx, tc.second)
			}
			if got := strings.Join(replies(res), " | "); got != tc.want {
				t.Errorf("%q then %q: replies %q, want %q", tc.first, tc.second, got, tc.want)
			}
		}
	}
}

// A number asked for and answered with a cue and a dotted number ("the
// price at 3.14", "alle 12.99") is that number: the extractor reads a
// time there, as it should for "at what time?", and the question for a
// number got a no-match ("Please write a number"). A collect that also
// wants a time keeps it as the time, and the message that leads to a
// question for a number does not answer it with a time.
func TestAskNumberTakesADottedNumberReadAsATime(t *testing.T) {
	ctx := context.Background()
	f, diags := dsl.Load("f.yaml", []byte(`flow: f
languages: [en, it]
start: s
timezone: Europe/Rome
vars: {price: 0, qty: 0, people: 0, at: ""}
states:
  s:
    say: "Price?"
    ask: {save_as: price, entity: number}
    next: q
  q:
    collect:
      - {save_as: qty, entity: number, prompt: "How much?"}
    next: b
  b:
    collect:
      - {save_as: people, entity: number, prompt: "For how many?"}
      - {save_as: at, entity: time, prompt: "What time?"}
    next: done
  done: {say: "{{ price }} {{ qty }} {{ people }} {{ at }}", end: true}
`))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	now := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		lang  string
		says  []string
		wants []string
	}{
		{"en", []string{"hi", "the price at 3.14", "at 12.99", "at 8.30", "4"}, []string{"Price?", "How much?", "For how many?", "For how many?", "3.14 12.99 4 08:30"}},
		{"it", []string{"ciao", "alle 3.14", "12.99", "per 4 alle 9.30"}, []string{"Price?", "How much?", "For how many?", "3.14 12.99 4 09:30"}},
		{"en", []string{"at 8.30", "2"}, []string{"Price?", "How much?"}},
	} {
		sb, err := sandbox.New(sandbox.Config{Flow: f, Lang: tc.lang, Now: now, Fixed: true, Contact: flows.Contact{ID: "u1", Name: "Anna"}})
		if err != nil {
			t.Fatal(err)
		}
		for i, say := range tc.says {
			if got := strings.Join(replies(sb.User(ctx, say)), " | "); got != tc.wants[i] {
				t.Errorf("%s %q: replies %q, want %q", tc.lang, say, got, tc.wants[i])
			}
		}
	}
}
