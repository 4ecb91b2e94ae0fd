package host

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/store/memory"
)

func TestLoggerMasks(t *testing.T) {
	var b bytes.Buffer
	log := NewLogger(&b, slog.LevelInfo, false)
	log.Info("turn", "conversation", "whatsapp:106540352242922:393331234567", "text", "my email is anna@example.com",
		"error", errors.New("send to +39 333 123 4567 failed"), "note", "call 3331234567", "state", "welcome")
	out := b.String()
	for _, leak := range []string{"393331234567", "anna@example.com", "333 123 4567", "3331234567", "my email"} {
		if strings.Contains(out, leak) {
			t.Errorf("the log shows %q: %s", leak, out)
		}
	}
	for _, want := range []string{`"conversation":"whatsapp:106540352242922:…567"`, `"text":"[28 chars]"`, `"state":"welcome"`, `"msg":"turn"`, `[phone]`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s: %s", want, out)
		}
	}
	// A web conversation id, the page's credential, is masked where an
	// id starts with it too.
	b.Reset()
	log.Info("turn", "conversation", "web:web:QKB33NLDFGI72WOUTK6AIRGHME", "message", "web:web:QKB33NLDFGI72WOUTK6AIRGHME:YS7VAXC6NUXAOZEMDQMZ5FUU5W",
		"item", "web:web:QKB33NLDFGI72WOUTK6AIRGHME-mxc0pr88-1-reply-1", "id", "telegram:shop:-100123456789-x-reply-2", "handoff", "01m960sh28wr0ebcht4k5rt55z")
	out = b.String()
	if strings.Contains(out, "QKB33NLDFGI72WOUTK6AIRG") || strings.Contains(out, "100123456") {
		t.Errorf("the log shows a conversation id: %s", out)
	}
	for _, want := range []string{`"message":"web:web:…HME:YS7VAXC6NUXAOZEMDQMZ5FUU5W"`, `"item":"web:web:…HME-mxc0pr88-1-reply-1"`,
		`"id":"telegram:shop:…789-x-reply-2"`, `"handoff":"01m960sh28wr0ebcht4k5rt55z"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s: %s", want, out)
		}
	}
	b.Reset()
	NewLogger(&b, slog.LevelInfo, true).Info("turn", "text", "my email is anna@example.com", "conversation", "web:web:abc")
	if !strings.Contains(b.String(), "anna@example.com") || !strings.Contains(b.String(), "web:web:abc") {
		t.Errorf("--log-text still masks: %s", b.String())
	}
}

// The masking logger writes the level as slog's JSON handler does on its
// own, for every level, custom ones included.
func TestLoggerLevelAsSlog(t *testing.T) {
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelInfo + 2, slog.LevelDebug - 1} {
		var masked, plain bytes.Buffer
		NewLogger(&masked, slog.LevelDebug-4, false).Log(t.Context(), l, "x")
		slog.New(slog.NewJSONHandler(&plain, &slog.HandlerOptions{Level: slog.LevelDebug - 4})).Log(t.Context(), l, "x")
		level := func(line string) string {
			_, after, _ := strings.Cut(line, `"level":`)
			v, _, _ := strings.Cut(after, `,`)
			return v
		}
		if got, want := level(masked.String()), level(plain.String()); got != want || got == "" {
			t.Errorf("level %d: the masking logger writes %s, slog %s", l, got, want)
		}
	}
}

func TestMaskID(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"whatsapp:106540352242922:393331234567", "whatsapp:106540352242922:…567"},
		{"393331234567", "…567"},
		{"web:web:abc", "web:web:…"},
		{"web:web:abcd", "web:web:…bcd"},
		{"telegram:shop:", "telegram:shop:…"},
		{"", "…"},
		{"x:Ünïcödé", "x:…ödé"},
		{"x:éé", "x:…"},
		{"x:\xff\xfe\xfd\xfc", "x:…\ufffd\ufffd\ufffd"},
	} {
		if got := MaskID(tt.in); got != tt.want {
			t.Errorf("MaskID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// refusingHelpdesk refuses every ticket for good, its error naming the
// requester as a helpdesk's validation error does.
type refusingHelpdesk struct{}

type refusal struct{}

func (refusal) Error() string {
	return "zendesk open: 422 RecordInvalid; requester: Email: anna@example.com is not properly formatted, phone +39 333 123 4567"
}
func (refusal) Temporary() bool { return false }

func (refusingHelpdesk) Open(context.Context, *flows.Handoff) (flows.TicketRef, error) {
	return flows.TicketRef{}, refusal{}
}
func (refusingHelpdesk) Append(context.Context, flows.TicketRef, flows.Message) error {
	return refusal{}
}
func (refusingHelpdesk) Close(context.Context, flows.TicketRef) error { return refusal{} }

// A delivery that dies logs why under "reason", the helpdesk's error text:
// it was logged as it was, e-mail addresses and phone numbers included,
// while the same text of a delivery to be retried (under "err") was
// masked.
func TestLoggerMasksADeadDeliverysReason(t *testing.T) {
	var b bytes.Buffer
	st := memory.New()
	const conv = "whatsapp:106540352242922:393331234567"
	s := &flows.Session{ID: conv, Channel: flows.ChannelWhatsApp, Lifecycle: flows.LifecycleHandedOff, State: "start", Vars: map[string]any{}}
	hf := &flows.Handoff{ID: "h1", ConversationID: conv, Reason: "asked"}
	if err := st.Save(context.Background(), s, flows.Commit{Outbox: []flows.OutboxItem{
		{ID: "h1:open", Kind: flows.OutboxOpen, ConversationID: conv, HandoffID: "h1", Handoff: hf},
		{ID: "h1:append", Kind: flows.OutboxAppend, ConversationID: conv, HandoffID: "h1", Message: &flows.Message{From: flows.RoleUser, Text: "hi"}},
	}}); err != nil {
		t.Fatal(err)
	}
	d, err := handoff.NewDeliverer(st.OutboxOf(flows.HandoffKinds...), handoff.ConnectorMap(map[string]flows.Connector{"zd": refusingHelpdesk{}}, "zd"),
		handoff.DeliverLogger(NewLogger(&b, slog.LevelInfo, false)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "dead-lettered") {
		t.Fatalf("no dead delivery logged: %s", out)
	}
	for _, leak := range []string{"anna@example.com", "333 123 4567"} {
		if strings.Contains(out, leak) {
			t.Errorf("the log shows %q: %s", leak, out)
		}
	}
}

// A WhatsApp message id (wamid) is base64 that starts with the customer's
// phone number: wamid.HBgLNjAxNzM1MjYyMzMV… decodes to 60173526233. The
// turn line logs it under "message" (and the channel under "id") on every
// message, so the number was in the log for anyone to decode.
func TestLoggerMasksTheNumberInAWhatsAppMessageID(t *testing.T) {
	const wamid = "wamid.HBgLNjAxNzM1MjYyMzMVAgASGBQzQUI0NkE4NjM1QTU2NjVGOURGQgA="
	var b bytes.Buffer
	NewLogger(&b, slog.LevelInfo, false).Info("turn", "message", wamid, "id", wamid)
	out := b.String()
	if strings.Contains(out, "HBgLNjAxNzM1MjYyMzM") {
		t.Errorf("the log shows the wamid's phone number: %s", out)
	}
	if !strings.Contains(out, `"message":"wamid.…NjVGOURGQgA="`) || !strings.Contains(out, `"id":"wamid.…NjVGOURGQgA="`) {
		t.Errorf("the log lacks the wamid's tail (to tell messages apart): %s", out)
	}
	b.Reset()
	NewLogger(&b, slog.LevelInfo, true).Info("turn", "message", wamid)
	if !strings.Contains(b.String(), wamid) {
		t.Errorf("--log-text masks the wamid: %s", b.String())
	}
}

// An e-mail address in a URL is percent-encoded (anna%40example.com), and
// URLs reach the log in errors: an HTTP action's failed call names its
// URL, whose query or path often carries the customer's address (a
// lookup by e-mail); a helpdesk's search too. The masking looked for an
// @ and let them through.
func TestLoggerMasksAnEmailInAURL(t *testing.T) {
	var b bytes.Buffer
	log := NewLogger(&b, slog.LevelInfo, false)
	log.Warn("an HTTP action failed", "request", "r1", "method", "GET",
		"error", errors.New(`Get "https://api.example.com/customers?email=anna%40example.com": dial tcp 10.0.0.1:443: connect: connection refused`))
	log.Warn("x", "url", "https://api.example.com/customers/anna.rossi%40example.com/orders")
	out := b.String()
	for _, leak := range []string{"anna%40example.com", "anna@example.com", "anna.rossi%40example.com"} {
		if strings.Contains(out, leak) {
			t.Errorf("the log shows %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "connection refused") || !strings.Contains(out, "api.example.com/customers") {
		t.Errorf("the rest of the error is gone: %s", out)
	}
}

// The note Host.Status puts on a ticket for a message WhatsApp reports
// failed is an outbox item whose id ends with the wamid, and the
// Deliverer logs every outcome under "id": the wamid, whose start is the
// customer's number in base64, was logged whole after the masked
// conversation id.
func TestLoggerMasksAWamidInsideAnItemID(t *testing.T) {
	const wamid = "wamid.HBgLNjAxNzM1MjYyMzMVAgASGBQzQUI0NkE4NjM1QTU2NjVGOURGQgA="
	id := flows.ConversationID(flows.ChannelWhatsApp, "106540352242922", "60173526233") + ":failed:" + wamid
	var b bytes.Buffer
	NewLogger(&b, slog.LevelInfo, false).Info("handoff delivered", "id", id, "item", id)
	out := b.String()
	if strings.Contains(out, "HBgLNjAxNzM1MjYyMzM") || strings.Contains(out, "60173526233") {
		t.Errorf("the log shows the customer's number: %s", out)
	}
	if !strings.Contains(out, `"id":"whatsapp:[phone]:…233:failed:wamid.…NjVGOURGQgA="`) {
		t.Errorf("the log lacks the item's masked id (to tell items apart): %s", out)
	}
}

// The business's own ids are not a customer's data: a WhatsApp number's
// phone_number_id (the account), and a handoff delivery's id (the
// handoff's ULID and the kind) are logged as they are. Masked as [phone]
// (their digits look like one), the operator could not tell which number
// Meta's notifications were for, nor find a delivery in the log by the id
// 'baton handoff list' shows.
func TestLoggerKeepsTheBusinesssIDs(t *testing.T) {
	var b bytes.Buffer
	log := NewLogger(&b, slog.LevelInfo, false)
	log.Info("whatsapp: item skipped", "id", "wamid.HBgLMzkzMzMxMjM0NTY3FQIAEhgUM0EwRjI5", "phone_number_id", "106540352242922", "reason", "unknown_number")
	log.Warn("the provider could not deliver a message", "channel", "whatsapp", "account", "106540352242922", "recipient", "393331234567")
	log.Info("handoff delivered", "id", "01m97872769kw76rcq6x7ar7hk:open", "handoff", "01m97872769kw76rcq6x7ar7hk")
	log.Info("handoff delivered", "id", "01m97872769kw76rcq6x7ar7hk:append:12:0")
	out := b.String()
	for _, want := range []string{`"phone_number_id":"106540352242922"`, `"account":"106540352242922"`, `"recipient":"…567"`,
		`"id":"01m97872769kw76rcq6x7ar7hk:open"`, `"id":"01m97872769kw76rcq6x7ar7hk:append:12:0"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "393331234567") || strings.Contains(out, "MzkzMzMxMjM0NTY3") {
		t.Errorf("the log shows the customer's number:\n%s", out)
	}
	// An id that only looks like a handoff's is masked as before.
	b.Reset()
	log.Info("x", "id", "393331234567:open", "item", "01m97872769kw76rcq6x7ar7h:+393331234567")
	if strings.Contains(b.String(), "3331234567") {
		t.Errorf("the log shows a number:\n%s", b.String())
	}
}

// A helpdesk's delivery id, in the id of the message the bridge brought
// (bridge:zendesk:{invocation id}#0, bridge:freshdesk:{hash}#0), is the
// helpdesk's, not the customer's: the log keeps it, to be found in
// Zendesk's webhook activity. A Zendesk invocation id is all digits and
// was logged as bridge:zendesk:[phone]#0.
func TestLoggerKeepsTheHelpdesksDeliveryIDs(t *testing.T) {
	var b bytes.Buffer
	log := NewLogger(&b, slog.LevelInfo, false)
	log.Info("turn", "message", "bridge:zendesk:8350205582#0")
	log.Info("turn", "message", "bridge:freshdesk:b93af343902da39fce8ea5d88096cf19#1")
	log.Info("turn", "message", "bridge:01m97872769kw76rcq6x7ar7hk")
	out := b.String()
	for _, want := range []string{`"message":"bridge:zendesk:8350205582#0"`, `"message":"bridge:freshdesk:b93af343902da39fce8ea5d88096cf19#1"`,
		`"message":"bridge:01m97872769kw76rcq6x7ar7hk"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
	// The generic webhook's ids are the sender's own: masked as before.
	b.Reset()
	log.Info("turn", "message", "bridge:webhook:+393331234567#0", "id", "bridge:zendesk:393331234567 x")
	if strings.Contains(b.String(), "3331234567") {
		t.Errorf("the log shows a number:\n%s", b.String())
	}
}

// A web conversation id may hold '-' (the page's client may send a UUID of
// its own): the log masks all of it where an id starts with it, not only
// what comes before its first '-'.
func TestLogMasksAWebConversationIDWithDashes(t *testing.T) {
	var b strings.Builder
	log := NewLogger(&b, slog.LevelInfo, false)
	conv := "web:web:550e8400-e29b-41d4-a716-446655440000"
	log.Info("turn", "conversation", conv, "message", conv+":YS7VAXC6NUXAOZEMDQMZ5FUU5W",
		"item", conv+"-mxc0pr88-1-reply-1", "id", conv+"-mxc0pr88-2:undelivered:1")
	log.Info("turn", "message", "web:web:aaaa-bbbb-cccc-reply-dddd-eeee:YS7VAXC6NUXAOZEMDQMZ5FUU5W",
		"item", conv+"-mxc0pr88-1-reply-1:undelivered")
	out := b.String()
	for _, part := range []string{"e29b", "41d4", "a716", "4466554", "bbbb", "cccc", "dddd"} {
		if strings.Contains(out, part) {
			t.Errorf("the log shows the web conversation id's %q: %s", part, out)
		}
	}
	for _, want := range []string{`"message":"web:web:…000:YS7VAXC6NUXAOZEMDQMZ5FUU5W"`, `"item":"web:web:…000-mxc0pr88-1-reply-1"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s: %s", want, out)
		}
	}
}

// A team the deployment config names is logged as it is; any other that
// no served flow writes is masked as text.
func TestKnownTeamFromDeployment(t *testing.T) {
	h := &Host{deploy: &handoff.Config{Teams: map[string]*handoff.ConfigTeam{"billing": {}},
		Routing: handoff.ConfigRouting{DefaultTeam: "support", Rules: []*handoff.ConfigRule{nil, {Team: "vip"}}}}}
	var b bytes.Buffer
	log := NewLogger(&b, slog.LevelInfo, false)
	for _, team := range []string{"billing", "support", "vip", "Anna Rossi"} {
		log.Info("turn", teamAttr(team, h.knownTeam))
	}
	for _, want := range []string{`"team":"billing"`, `"team":"support"`, `"team":"vip"`, `"team":"[10 chars]"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the log lacks %s: %s", want, b.String())
		}
	}
}
