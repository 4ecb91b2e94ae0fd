package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

func TestLadder(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	steps := []struct {
		reply string
		count int
	}{
		{"Scusa, non ho capito.", 1},
		{"Puoi scegliere un numero del menu?", 2},
	}
	for i, st := range steps {
		effs := c.user("boh")
		nm, ok := find[flows.NoMatch](effs)
		if !ok || nm.Count != st.count || nm.State != "welcome" || nm.Text != "boh" {
			t.Fatalf("step %d: no_match %+v (effects %s)", i+1, nm, types(effs))
		}
		if got := replies(effs); !slices.Equal(got, []string{st.reply}) {
			t.Fatalf("step %d: replies %q", i+1, got)
		}
		r, _ := find[flows.Reply](effs)
		if len(r.Options) != 3 {
			t.Errorf("step %d: the menu should come again with the ladder's reply, got %+v", i+1, r)
		}
		if c.s.NoMatch != st.count {
			t.Errorf("step %d: session no_match = %d", i+1, c.s.NoMatch)
		}
	}
	effs := c.user("boh")
	h, ok := find[flows.HandoffEffect](effs)
	if !ok {
		t.Fatalf("third miss: no handoff (effects %s)", types(effs))
	}
	if h.Reason != "no_match" || h.NoMatch != 3 || h.State != "transfer" {
		t.Errorf("handoff reason %q no_match %d state %q", h.Reason, h.NoMatch, h.State)
	}
}

func TestLadderResetsOnMatch(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.user("boh")
	c.user("boh")
	c.user("2") // faq → anything_else
	c.user("1") // back to welcome
	effs := c.user("boh")
	if nm, _ := find[flows.NoMatch](effs); nm.Count != 1 {
		t.Fatalf("after a match the count restarts: got %d", nm.Count)
	}
}

func TestAsk(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.user("1")
	effs := c.user("non lo so")
	nm, _ := find[flows.NoMatch](effs)
	if !nm.Invalid || nm.Count != 1 {
		t.Errorf("no_match = %+v, want invalid count 1", nm)
	}
	if got := replies(effs); !slices.Equal(got, []string{"Il numero ha una lettera e 5 cifre, es. A12345."}) {
		t.Errorf("the ask's invalid text replaces the ladder's: %q", got)
	}
	effs = c.user("è il b99999 credo")
	vs, ok := find[flows.VarSet](effs)
	if !ok || vs.Name != "order_id" || vs.Value != "b99999" {
		t.Fatalf("var = %+v (effects %s)", vs, types(effs))
	}
	if c.s.NoMatch != 0 || c.s.Pending == nil {
		t.Errorf("no_match %d pending %+v: want a match and an HTTP call", c.s.NoMatch, c.s.Pending)
	}
}

func TestAskValidateThirdFailureHandsOff(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.user("1")
	c.user("x")
	c.user("y")
	effs := c.user("z")
	if _, ok := find[flows.HandoffEffect](effs); !ok {
		t.Fatalf("the third wrong answer should hand off: %s", types(effs))
	}
	if got := replies(effs); slices.Contains(got, "Il numero ha una lettera e 5 cifre, es. A12345.") {
		t.Errorf("a ladder step without say must not say the invalid text: %q", got)
	}
}

func TestHTTPSuspendResume(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.user("1")
	effs := c.user("A12345")
	req, ok := find[flows.HTTPRequest](effs)
	if !ok {
		t.Fatalf("no HTTP request: %s", types(effs))
	}
	if req.Method != "GET" || req.URL != "https://shop.example.com/api/orders/A12345" || req.Headers["Authorization"] != "Bearer ${SHOP_API_TOKEN}" || req.Timeout != 5*time.Second {
		t.Errorf("request %+v", req)
	}
	if req.Canned == nil || req.Canned.Status != 200 || req.Canned.ID != req.ID || string(req.Canned.Body) != `{"eta":"2026-03-05","status":"shipped"}` {
		t.Fatalf("canned %+v", req.Canned)
	}
	for _, e := range effs[slices.IndexFunc(effs, func(e flows.Effect) bool { return e.Type() == "http" }):] {
		if e.Type() == "reply" || e.Type() == "state" {
			t.Errorf("the turn must stop at the request, then came %s", e.Type())
		}
	}
	if c.s.Pending == nil || c.s.Pending.ID != req.ID || c.s.Pending.State != "lookup" {
		t.Fatalf("pending %+v", c.s.Pending)
	}
	if _, ok := find[flows.Schedule](effs); ok {
		t.Error("no timeout while the bot waits for an API, not for the user")
	}

	stale := c.do(flows.Input{Kind: flows.InputHTTP, HTTP: &flows.HTTPResult{ID: "nope", Status: 200}})
	if types(stale) != "error" || c.s.Pending == nil {
		t.Fatalf("stale result: effects %s, pending %v", types(stale), c.s.Pending)
	}

	effs = c.do(flows.Input{Kind: flows.InputHTTP, HTTP: req.Canned})
	if got := replies(effs); !slices.Equal(got, []string{"Il tuo ordine A12345 arriva il 2026-03-05.", "Posso fare altro?"}) {
		t.Fatalf("replies %q (effects %s)", got, types(effs))
	}
	order, _ := c.s.Vars["order"].(map[string]any)
	if order["ok"] != true || order["status"] != 200 {
		t.Errorf("order = %v", order)
	}
	if c.s.Pending != nil || c.s.State != "anything_else" {
		t.Errorf("pending %v state %q", c.s.Pending, c.s.State)
	}
	if again := c.do(flows.Input{Kind: flows.InputHTTP, HTTP: req.Canned}); types(again) != "error" {
		t.Errorf("a second delivery of the same result is stale: %s", types(again))
	}
}

func TestHTTPNotFoundAndFailure(t *testing.T) {
	for _, tt := range []struct {
		name  string
		res   flows.HTTPResult
		state string
	}{
		{"404", flows.HTTPResult{Status: 404}, "ask_order"},
		{"connection refused", flows.HTTPResult{Err: "connection refused"}, "transfer"},
		{"not JSON", flows.HTTPResult{Status: 200, Body: []byte("shipped")}, "transfer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, shop(t))
			c.user("ciao")
			c.user("1")
			effs := c.user("B99999")
			req, _ := find[flows.HTTPRequest](effs)
			if req.Canned == nil || req.Canned.Status != 404 {
				t.Fatalf("the second sandbox response should answer: %+v", req.Canned)
			}
			res := tt.res
			res.ID = req.ID
			c.do(flows.Input{Kind: flows.InputHTTP, HTTP: &res})
			if c.s.State != tt.state {
				t.Errorf("state %q, want %q", c.s.State, tt.state)
			}
		})
	}
}

func TestHandoffPayload(t *testing.T) {
	f := shop(t)
	f.Vars["vip"] = true
	c := newConv(t, f)
	c.s.Contact.Meta = map[string]string{"plan": "gold"}
	c.user("ciao")
	c.user("1")
	c.user("boh")
	effs := c.user("voglio un operatore")
	tf, _ := find[flows.TriggerFired](effs)
	if tf.Name != "asks_for_human" || tf.Match != "operatore" || tf.State != "ask_order" {
		t.Errorf("trigger %+v", tf)
	}
	he, ok := find[flows.HandoffEffect](effs)
	if !ok {
		t.Fatalf("no handoff: %s", types(effs))
	}
	h := he.Handoff
	if h.ID == "" || h.ConversationID != "c1" || h.Flow != "test" || h.State != "transfer" || h.Channel != "whatsapp" ||
		h.Contact.Name != "Anna" || h.Contact.Meta["plan"] != "gold" || h.Language != "it" || h.CreatedAt.IsZero() {
		t.Errorf("identity fields: %+v", h)
	}
	if h.Reason != "asks_for_human" || h.Team != "support" || h.Priority != flows.PriorityHigh || !slices.Equal(h.Tags, []string{"whatsapp", "it"}) || h.Return != "csat" {
		t.Errorf("routing: reason %q team %q priority %q tags %q return %q", h.Reason, h.Team, h.Priority, h.Tags, h.Return)
	}
	if h.NoMatch != 1 {
		t.Errorf("no_match = %d, want 1", h.NoMatch)
	}
	if h.Vars["vip"] != true || h.Vars["order_id"] != "" {
		t.Errorf("vars %v", h.Vars)
	}
	var lines []string
	for _, m := range h.Transcript {
		lines = append(lines, string(m.From)+":"+m.Text+"|"+m.Choice)
	}
	want := []string{
		"user:ciao|", "bot:Ciao Anna! Come posso aiutarti?|", "user:1|Stato ordine",
		"bot:Qual è il numero d'ordine? (es. A12345)|", "user:boh|", "bot:Il numero ha una lettera e 5 cifre, es. A12345.|",
		"user:voglio un operatore|", "bot:Ti passo a un collega, un attimo.|",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("transcript:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if c.s.Lifecycle != flows.LifecycleHandedOff || c.s.Handoff == nil || c.s.Handoff.ID != h.ID {
		t.Errorf("session lifecycle %q handoff %+v", c.s.Lifecycle, c.s.Handoff)
	}
	lc, _ := find[flows.LifecycleChange](effs)
	if lc.From != flows.LifecycleBot || lc.To != flows.LifecycleHandedOff {
		t.Errorf("lifecycle change %+v", lc)
	}
	// The handoff owns its data: changing the session does not change it.
	c.s.Transcript[0].Text = "changed"
	if h.Transcript[0].Text != "ciao" {
		t.Error("the handoff's transcript aliases the session's")
	}
}

func TestHandoffReasons(t *testing.T) {
	tests := []struct {
		name, first, second string
		reason              string
		team                string
		priority            flows.Priority
	}{
		{"trigger on the first message", "operatore", "", "asks_for_human", "support", flows.PriorityNormal},
		{"trigger with its own reason", "ciao", "voglio un rimborso", "sensitive_topic", "billing", flows.PriorityHigh},
		{"menu", "ciao", "3", "menu", "support", flows.PriorityNormal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, shop(t))
			effs := c.user(tt.first)
			if tt.second != "" {
				effs = c.user(tt.second)
			}
			h, ok := find[flows.HandoffEffect](effs)
			if !ok {
				t.Fatalf("no handoff: %s", types(effs))
			}
			if h.Reason != tt.reason || h.Team != tt.team || h.Priority != tt.priority {
				t.Errorf("reason %q team %q priority %q", h.Reason, h.Team, h.Priority)
			}
		})
	}
}

func TestLifecycleAgentAndReturn(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.user("operatore")
	hid := c.s.Handoff.ID

	effs := c.user("ci siete?")
	ap, ok := find[flows.Append](effs)
	if !ok || ap.HandoffID != hid || ap.Message.Text != "ci siete?" || len(replies(effs)) != 0 {
		t.Fatalf("while handed off a message goes to the ticket, silently: %s %+v", types(effs), ap)
	}
	effs = c.user("operatore")
	if _, ok := find[flows.TriggerFired](effs); ok {
		t.Error("no triggers while a human holds the conversation")
	}

	effs = c.do(flows.Input{Kind: flows.InputAgent, Text: "Ciao, sono Marco", Agent: "Marco"})
	r, _ := find[flows.Reply](effs)
	if r.Text != "Ciao, sono Marco" || r.From != "agent" || r.Agent != "Marco" || c.s.Lifecycle != flows.LifecycleWithAgent {
		t.Fatalf("agent reply %+v lifecycle %q", r, c.s.Lifecycle)
	}
	last := c.s.Transcript[len(c.s.Transcript)-1]
	if last.From != flows.RoleAgent || last.Agent != "Marco" {
		t.Errorf("transcript %+v", last)
	}

	ticket := flows.TicketRef{Connector: "zendesk", ID: "42"}
	c.do(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: ticket, Status: flows.TicketOpen}})
	if c.s.Handoff == nil || c.s.Handoff.Ticket != ticket || c.s.Lifecycle != flows.LifecycleWithAgent {
		t.Fatalf("open ticket: %+v %q", c.s.Handoff, c.s.Lifecycle)
	}
	effs = c.do(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: ticket, Status: flows.TicketSolved}})
	if got := replies(effs); !slices.Equal(got, []string{"Com'è andata (solved)? Da 1 a 5."}) {
		t.Fatalf("replies %q", got)
	}
	if c.s.State != "csat" || c.s.Lifecycle != flows.LifecycleBot || c.s.Handoff != nil {
		t.Errorf("state %q lifecycle %q handoff %v", c.s.State, c.s.Lifecycle, c.s.Handoff)
	}
	effs = c.user("5")
	if c.s.Vars["csat"] != "5" || c.s.Lifecycle != flows.LifecycleClosed {
		t.Errorf("csat %v lifecycle %q (effects %s)", c.s.Vars["csat"], c.s.Lifecycle, types(effs))
	}
	if _, ok := find[flows.EndEffect](effs); !ok {
		t.Error("bye ends the conversation")
	}

	// A message after the end starts over.
	effs = c.user("ciao di nuovo")
	if c.s.Lifecycle != flows.LifecycleBot || c.s.State != "welcome" || c.s.Vars != nil {
		t.Errorf("restart: lifecycle %q state %q vars %v", c.s.Lifecycle, c.s.State, c.s.Vars)
	}
	if got := replies(effs); !slices.Equal(got, []string{"Ciao Anna! Come posso aiutarti?"}) {
		t.Errorf("replies %q", got)
	}
}

func TestTicketClosedWithoutReturnEnds(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.user("rimborso") // the refund handoff has no return
	effs := c.do(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Status: flows.TicketClosed}})
	if c.s.Lifecycle != flows.LifecycleClosed {
		t.Fatalf("lifecycle %q (effects %s)", c.s.Lifecycle, types(effs))
	}
	if e, _ := find[flows.EndEffect](effs); e.Reason != "ticket_closed" {
		t.Errorf("end %+v", e)
	}
	if effs := c.do(flows.Input{Kind: flows.InputAgent, Text: "late"}); types(effs) != "error" {
		t.Errorf("an agent message after the end is refused: %s", types(effs))
	}
}

func TestTimers(t *testing.T) {
	c := newConv(t, shop(t))
	effs := c.user("ciao")
	sc, ok := find[flows.Schedule](effs)
	if !ok || !sc.At.Equal(c.now.Add(10*time.Minute)) {
		t.Fatalf("schedule %+v (effects %s)", sc, types(effs))
	}
	first := sc.Key

	effs = c.user("boh")
	cl, _ := find[flows.Cancel](effs)
	sc2, _ := find[flows.Schedule](effs)
	if cl.Key != first || sc2.Key == first || !sc2.At.Equal(c.now.Add(10*time.Minute)) {
		t.Fatalf("a message reschedules: cancel %+v schedule %+v", cl, sc2)
	}
	lastUser := c.now

	if effs := c.do(flows.Input{Kind: flows.InputTimer, Timer: first}); len(effs) != 0 {
		t.Fatalf("a stale timer changes nothing: %s", types(effs))
	}

	effs = c.do(flows.Input{Kind: flows.InputTimer, Timer: sc2.Key, At: sc2.At})
	if got := replies(effs); !slices.Equal(got, []string{"Ci sei ancora?"}) {
		t.Fatalf("replies %q", got)
	}
	sc3, ok := find[flows.Schedule](effs)
	if !ok || !sc3.At.Equal(lastUser.Add(24*time.Hour)) {
		t.Fatalf("the next timeout counts from the last user message: %+v", sc3)
	}
	effs = c.do(flows.Input{Kind: flows.InputTimer, Timer: sc3.Key, At: sc3.At})
	if e, ok := find[flows.EndEffect](effs); !ok || e.Reason != "no_reply" || c.s.Lifecycle != flows.LifecycleClosed {
		t.Fatalf("end %+v lifecycle %q", e, c.s.Lifecycle)
	}
	if _, ok := find[flows.Schedule](effs); ok {
		t.Error("nothing more to schedule")
	}
}

func TestHandoffCancelsTimer(t *testing.T) {
	c := newConv(t, shop(t))
	effs := c.user("ciao")
	sc, _ := find[flows.Schedule](effs)
	effs = c.user("operatore")
	if cl, ok := find[flows.Cancel](effs); !ok || cl.Key != sc.Key {
		t.Errorf("a handoff cancels the pending timeout: %s", types(effs))
	}
	if c.s.TimerKey != "" {
		t.Errorf("timer key %q", c.s.TimerKey)
	}
}

func TestRunawayLoop(t *testing.T) {
	b := newFlow(t, "a", nil)
	b.state("a", &flows.State{Actions: []flows.Action{b.say("a")}, Next: goTo("b")})
	b.state("b", &flows.State{Next: goTo("a")})
	c := newConv(t, b.f, WithMaxSteps(10))
	effs := c.user("ciao")
	e, ok := find[flows.ErrorEffect](effs)
	if !ok || !strings.Contains(e.Message, "a → b → a") || !strings.Contains(e.Message, "more than 10") {
		t.Fatalf("error %+v", e)
	}
	if n := len(all[flows.StateChange](effs)); n != 10 {
		t.Errorf("%d moves, want 10", n)
	}
	// The customer gets the loop's first pass, not a reply per pass (up
	// to 50 messages on WhatsApp).
	if got := all[flows.Reply](effs); len(got) != 1 || got[0].Text != "a" {
		t.Errorf("replies %+v, want the first pass's one", got)
	}
	if !strings.Contains(e.Message, "4 replies of its later passes were not sent") {
		t.Errorf("error %q does not say what was held back", e.Message)
	}
	bot := 0
	for _, m := range c.s.Transcript {
		if m.From == flows.RoleBot {
			bot++
		}
	}
	if bot != 1 {
		t.Errorf("%d bot messages in the transcript, want 1: %+v", bot, c.s.Transcript)
	}
}

// The replies before the loop and of its first pass go out, in order,
// and only those reach the transcript.
func TestRunawayLoopKeepsItsFirstPass(t *testing.T) {
	b := newFlow(t, "x", nil)
	b.state("x", &flows.State{Actions: []flows.Action{b.say("x")}, Next: goTo("a")})
	b.state("a", &flows.State{Actions: []flows.Action{b.say("a1"), b.say("a2")}, Next: goTo("b")})
	b.state("b", &flows.State{Actions: []flows.Action{b.say("b")}, Next: goTo("a")})
	c := newConv(t, b.f, WithMaxSteps(12))
	effs := c.user("ciao")
	var got []string
	for _, r := range all[flows.Reply](effs) {
		got = append(got, r.Text)
	}
	if strings.Join(got, " ") != "x a1 a2 b" {
		t.Errorf("replies %q, want x a1 a2 b", got)
	}
	var bot []string
	for _, m := range c.s.Transcript {
		if m.From == flows.RoleBot {
			bot = append(bot, m.Text)
		}
	}
	if strings.Join(bot, " ") != "x a1 a2 b" {
		t.Errorf("the transcript's bot lines %q, want x a1 a2 b", bot)
	}
	if e, _ := find[flows.ErrorEffect](effs); !strings.Contains(e.Message, "the 14 replies of its later passes were not sent") {
		t.Errorf("error %q", e.Message)
	}
}

func TestUnknownStateRecovers(t *testing.T) {
	c := newConv(t, shop(t))
	c.s.State = "gone"
	effs := c.user("ciao")
	e, ok := find[flows.Reloaded](effs)
	if !ok || e.From != "gone" || e.To != "welcome" || c.s.State != "welcome" {
		t.Fatalf("reloaded %+v state %q", e, c.s.State)
	}
}

func TestBrokenFlowsDoNotPanic(t *testing.T) {
	flowsToTry := []*flows.Flow{
		nil,
		{},
		{Start: "x", States: map[string]*flows.State{"x": {Name: "x", Actions: []flows.Action{nil, &flows.Say{}, &flows.Set{Assign: []flows.Assign{{Var: "v", Value: &flows.Expr{Source: "1+"}}}}, &flows.HTTP{}}}}},
		{Start: "x", States: map[string]*flows.State{"x": {Name: "x", Menu: &flows.Menu{Options: []*flows.Option{nil, {ID: "a"}}}, Next: []*flows.Rule{nil}}}, Triggers: []*flows.Rule{nil, {}}},
	}
	inputs := []flows.Input{
		{Kind: flows.InputMessage, Text: "ciao"}, {Kind: flows.InputMessage, Text: "1"}, {Kind: flows.InputMessage, Payload: "a"},
		{Kind: flows.InputHTTP}, {Kind: flows.InputHTTP, HTTP: &flows.HTTPResult{ID: "x"}}, {Kind: flows.InputTimer, Timer: "t"},
		{Kind: flows.InputAgent}, {Kind: flows.InputTicket}, {Kind: "bogus"},
	}
	for i, f := range flowsToTry {
		e := New(f)
		s := e.NewSession("s", flows.Contact{}, "", "")
		for _, in := range inputs {
			ns, _, err := e.Turn(t.Context(), s, in)
			if err != nil {
				t.Fatalf("flow %d input %+v: %v", i, in, err)
			}
			s = ns
		}
	}
}

func TestSetLangChangesLanguage(t *testing.T) {
	f := shop(t)
	b := &fb{tb: t, f: f}
	f.Triggers = append(f.Triggers, &flows.Rule{Name: "english", Keywords: kw("english"), Do: flows.Do{Actions: []flows.Action{b.set("lang", `"en"`)}, Goto: "welcome"}})
	c := newConv(t, f)
	c.user("ciao")
	effs := c.user("english please")
	if got := replies(effs); !slices.Equal(got, []string{"Hi Anna! How can I help?"}) {
		t.Fatalf("replies %q", got)
	}
	r, _ := find[flows.Reply](effs)
	if r.Options[0].Title != "Order status" || c.s.Lang != "en" {
		t.Errorf("options %+v lang %q", r.Options, c.s.Lang)
	}
}

func TestExpressionErrorIsReported(t *testing.T) {
	b := newFlow(t, "a", map[string]any{"n": nil})
	x := b.expr(`n.missing.deeper > 1`)
	b.state("a", &flows.State{Actions: []flows.Action{b.say("start")}, Next: []*flows.Rule{{When: x, Do: flows.Do{Goto: "b"}}, {Do: flows.Do{Goto: "c"}}}})
	b.state("b", &flows.State{Actions: []flows.Action{b.say("b")}})
	b.state("c", &flows.State{Actions: []flows.Action{b.say("c")}})
	c := newConv(t, b.f)
	effs := c.user("ciao")
	e, ok := find[flows.ErrorEffect](effs)
	if !ok || e.Pos != x.Pos || !strings.Contains(e.Message, "n.missing.deeper") {
		t.Fatalf("error %+v", e)
	}
	if c.s.State != "c" {
		t.Errorf("a failing condition is false: state %q", c.s.State)
	}
}

// TestLadderStepBackToTheSameState: a ladder step that goes back to the
// state to show it again does not start the count over, so the ladder
// still climbs to its last step.
func TestLadderStepBackToTheSameState(t *testing.T) {
	b := newFlow(t, "welcome", nil)
	f := shop(t)
	st := f.States["welcome"]
	st.NoMatch = &flows.Ladder{Steps: []flows.Do{
		{Actions: []flows.Action{b.say("Scusa.")}, Goto: "welcome"},
		{Actions: []flows.Action{b.say("Scusa ancora.")}, Goto: "welcome"},
		{Goto: "human"},
	}}
	c := newConv(t, f)
	c.user("ciao")
	for i, want := range []int{1, 2} {
		effs := c.user("boh")
		if nm, _ := find[flows.NoMatch](effs); nm.Count != want || c.s.NoMatch != want {
			t.Fatalf("miss %d: no_match effect %d, session %d; want %d (effects %s)", i+1, nm.Count, c.s.NoMatch, want, types(effs))
		}
	}
	effs := c.user("boh")
	if _, ok := find[flows.HandoffEffect](effs); !ok {
		t.Fatalf("the third miss should reach the ladder's last step and hand off: %s", types(effs))
	}
}

// TestCapturesBeforeTheyAreSet: before its ask or http runs, an answer
// reads as "" and an HTTP result as a failed call (ok false, status 0), as
// their types promise: `order.ok` is false, not a run-time error on every
// message, and `csat != ""` does not hold.
func TestCapturesBeforeTheyAreSet(t *testing.T) {
	f := shop(t)
	b := &fb{tb: t, f: f}
	f.Triggers = append(f.Triggers,
		&flows.Rule{Name: "shipped", When: b.expr(`order.ok and order.status == 200`), Do: flows.Do{Goto: "shipped"}},
		&flows.Rule{Name: "rated", When: b.expr(`csat != "" and len(csat) > 0`), Do: flows.Do{Goto: "bye"}},
	)
	c := newConv(t, f)
	for _, msg := range []string{"ciao", "boh"} {
		effs := c.user(msg)
		if e, ok := find[flows.ErrorEffect](effs); ok {
			t.Fatalf("%q: %s", msg, e.Message)
		}
		if tf, ok := find[flows.TriggerFired](effs); ok {
			t.Fatalf("%q fired %q", msg, tf.Name)
		}
	}
	if _, set := c.s.Vars["order"]; set {
		t.Errorf("the session gained order before the call: %v", c.s.Vars)
	}
}

// TestFirstMessageTriggerNamesTheStartState: a trigger on a
// conversation's first message fires in the start state, where the
// conversation begins, not in no state.
func TestFirstMessageTriggerNamesTheStartState(t *testing.T) {
	c := newConv(t, shop(t))
	tf, ok := find[flows.TriggerFired](c.user("operatore"))
	if !ok || tf.Name != "asks_for_human" || tf.State != "welcome" || tf.By != "keyword" {
		t.Errorf("trigger event %+v, want asks_for_human in welcome by keyword", tf)
	}
}

// TestURLHoleEncoded: a template part marked Encode (a hole in a URL's
// path or query) is percent-encoded when rendered.
func TestURLHoleEncoded(t *testing.T) {
	b := newFlow(t, "a", map[string]any{"postcode": "00184 RM&x=1"})
	url := b.tpl("https://geo.example.com/lookup?postcode={{ postcode }}")
	url.Parts[1].Encode = true
	b.state("a", &flows.State{Actions: []flows.Action{&flows.HTTP{URL: url, SaveAs: "res"}}, Next: goTo("a")})
	c := newConv(t, b.f)
	req, ok := find[flows.HTTPRequest](c.user("hi"))
	if want := "https://geo.example.com/lookup?postcode=00184%20RM%26x%3D1"; !ok || req.URL != want {
		t.Errorf("URL %q, want %q", req.URL, want)
	}
}

// TestNoTransitionHoldsHasAPosition: "no transition of state ... holds"
// came with no position, so baton test printed it without the place in
// the flow its docs promise (and an editor cannot jump there); it points
// at the state's last rule, where the catch-all is missing.
func TestNoTransitionHoldsHasAPosition(t *testing.T) {
	b := newFlow(t, "a", map[string]any{"n": 0})
	last := flows.Pos{File: "f.yaml", Line: 9, Col: 9}
	b.state("a", &flows.State{Next: []*flows.Rule{
		{Pos: flows.Pos{File: "f.yaml", Line: 7, Col: 9}, When: b.expr("n > 3"), Do: flows.Do{Goto: "b"}},
		{Pos: last, When: b.expr("n < 0"), Do: flows.Do{Goto: "b"}},
	}})
	b.state("b", &flows.State{Actions: []flows.Action{b.say("b")}})
	c := newConv(t, b.f)
	effs := c.user("ciao")
	e, ok := find[flows.ErrorEffect](effs)
	if !ok || !strings.Contains(e.Message, "no transition") || e.Pos != last {
		t.Errorf("error %+v, want one at %v", e, last)
	}
}

// TestRunawayLoopHasAPosition: the runaway loop's error named its states
// but had no position; it points at the first state it names, the one
// the last move entered.
func TestRunawayLoopHasAPosition(t *testing.T) {
	b := newFlow(t, "a", nil)
	at := flows.Pos{File: "f.yaml", Line: 8, Col: 3}
	b.state("a", &flows.State{Pos: flows.Pos{File: "f.yaml", Line: 2, Col: 3}, Next: goTo("b")})
	b.state("b", &flows.State{Pos: flows.Pos{File: "f.yaml", Line: 5, Col: 3}, Actions: []flows.Action{b.say("b")}, Next: goTo("c")})
	b.state("c", &flows.State{Pos: at, Next: goTo("b")})
	c := newConv(t, b.f, WithMaxSteps(10))
	effs := c.user("ciao")
	if e, ok := find[flows.ErrorEffect](effs); !ok || !strings.Contains(e.Message, "runaway loop") || e.Pos != at {
		t.Errorf("error %+v, want one at %v", e, at)
	}
}
