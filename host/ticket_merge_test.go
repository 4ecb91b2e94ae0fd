package host

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/handoff/handofftest"
	"github.com/batonbot/baton/store/memory"
)

// An agent merges the WhatsApp customer's Zendesk ticket into the one
// their e-mail about the same parcel opened. The conversation goes on on
// the target: the agent's reply there reaches the customer on WhatsApp
// (the target's webhook carries its own external_id, which now lists the
// conversation), the customer's next message is a comment on the target,
// and "solved" on the target returns the customer to the bot (the
// satisfaction question). Zendesk's "Closed" trigger fires on the merge,
// which closes the ticket merged away: Baton follows the merge then;
// without that trigger, at the customer's next message.
func TestConversationFollowsAMergedTicket(t *testing.T) {
	for _, closedTrigger := range []bool{true, false} {
		t.Run(fmt.Sprintf("closed trigger %v", closedTrigger), func(t *testing.T) {
			fake := handofftest.NewZendesk(t, handofftest.NewClock(time.Now()), "bot@acme.example", "tok", "")
			wa := whatsapptest.NewServer(t)
			flow, _ := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
			cfg := loadConfig(t, t.TempDir(), fmt.Sprintf(`
server: {listen: "127.0.0.1:0", shutdown_timeout: 5s}
channels:
  whatsapp:
    - phone_number_id: "%s"
      flow: %s
      access_token: %s
      app_secret: %s
      verify_token: %s
      graph_url: %s
      api_version: %s
connectors:
  zendesk: {base_url: "%s", subdomain: acme, email: bot@acme.example, token: tok}
bridge:
  zendesk: {signing_secret: %s}
`, wa.PhoneNumberID, flow, wa.Token, wa.AppSecret, whatsapptest.VerifyToken, wa.URL, wa.Version, fake.URL, bridgeZendeskSecret))
			st := memory.New()
			srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), Store: st, NoWatch: true,
				Host: []Option{WithSandboxHTTP(), WithPoll(10 * time.Millisecond),
					WithDeliverOptions(handoff.DeliverPollInterval(10*time.Millisecond), handoff.DeliverAppendWindow(0))}})
			if err != nil {
				t.Fatal(err)
			}
			base := serve(t, srv)
			const customer = "393330000001"
			conv := "whatsapp:" + wa.PhoneNumberID + ":" + customer
			say := func(text string) {
				t.Helper()
				resp, err := wa.Post(context.Background(), base+"/webhooks/whatsapp", wa.Notification(whatsapptest.Inbound{From: customer, Name: "Anna", Text: text}))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			got := func(text string) bool {
				return slices.ContainsFunc(wa.Messages(), func(m whatsapptest.Message) bool { return strings.Contains(m.Text, text) })
			}
			n := 0
			webhook := func(body string) int {
				t.Helper()
				n++
				ts := time.Now().UTC().Format(time.RFC3339)
				h := http.Header{"X-Zendesk-Webhook-Signature-Timestamp": {ts}, "X-Zendesk-Webhook-Signature": {handoff.SignZendesk(bridgeZendeskSecret, ts, []byte(body))},
					"X-Zendesk-Webhook-Invocation-Id": {"inv-" + strconv.Itoa(n)}}
				return postBridge(t, base+"/bridge/zendesk", h, body)
			}
			target := fake.EmailTicket("anna@mail.example", "Parcel A12345", "Where is my parcel A12345?")
			say("hello")
			say("agent")
			waitFor(t, "the customer's ticket", func() bool { return len(fake.Tickets()) == 2 })
			source := fake.Tickets()[1].ID
			waitFor(t, "the handoff settled", func() bool {
				items, _ := st.OutboxOf(flows.OutboxOpen).List(context.Background(), flows.OutboxDelivered)
				return len(items) == 1
			})
			fake.MergeTicket(source, target, fmt.Sprintf("This request was closed and merged into request #%d “Parcel A12345”.", target))
			ext := func(id int64) string { tk, _ := fake.Ticket(id); return tk.ExternalID }
			if closedTrigger {
				// The merge closed the customer's ticket: the "Closed"
				// trigger's request carries its external_id.
				if code := webhook(fmt.Sprintf(`{"event":"status","ticket_id":"%d","conversation_id":%q,"status":"closed","author":"Marco"}`, source, ext(source))); code != http.StatusNoContent {
					t.Fatalf("the merged ticket's closed: %d; want 204", code)
				}
				if tk, _ := fake.Ticket(target); tk.ExternalID != conv || !slices.Contains(tk.Tags, "baton") {
					t.Fatalf("target after the closed: external_id %q, tags %v; want the conversation and the tag baton", tk.ExternalID, tk.Tags)
				}
			} else {
				say("any news?")
				waitFor(t, "the customer's message on the target", func() bool {
					tk, _ := fake.Ticket(target)
					return slices.ContainsFunc(tk.Comments, func(c handofftest.ZendeskComment) bool { return strings.Contains(c.Body, "any news?") })
				})
			}
			// The agent answers on the target; its webhook names the
			// target and its external_id.
			if code := webhook(fmt.Sprintf(`{"event":"comment","ticket_id":"%d","conversation_id":%q,"comment":"Your parcel left the depot today.","author":"Marco","author_role":"agent"}`, target, ext(target))); code != http.StatusNoContent {
				t.Fatalf("the agent's reply on the target: %d; want 204", code)
			}
			waitFor(t, "the agent's reply on WhatsApp", func() bool { return got("Your parcel left the depot today.") })
			s, _ := st.Load(context.Background(), conv)
			if s.Lifecycle != flows.LifecycleWithAgent {
				t.Fatalf("lifecycle %s after the merge; want with_agent", s.Lifecycle)
			}
			say("thank you, and the invoice?")
			waitFor(t, "the customer's message on the target", func() bool {
				tk, _ := fake.Ticket(target)
				return slices.ContainsFunc(tk.Comments, func(c handofftest.ZendeskComment) bool { return strings.Contains(c.Body, "and the invoice?") })
			})
			src, _ := fake.Ticket(source)
			tk, _ := fake.Ticket(target)
			for _, c := range tk.Comments {
				if strings.Contains(c.Body, "and the invoice?") && (!c.Public || c.AuthorID != src.RequesterID) {
					t.Errorf("the customer's comment on the target: public %v, author %d; want public, by the customer (%d)", c.Public, c.AuthorID, src.RequesterID)
				}
			}
			if code := webhook(fmt.Sprintf(`{"event":"status","ticket_id":"%d","conversation_id":%q,"status":"solved","author":"Marco"}`, target, ext(target))); code != http.StatusNoContent {
				t.Fatalf("solved on the target: %d; want 204", code)
			}
			waitFor(t, "the satisfaction question", func() bool { return got("How did we do, from 1 to 5?") })
			items, _ := st.OutboxOf(flows.HandoffKinds...).List(context.Background(), flows.OutboxDead)
			for _, it := range items {
				t.Errorf("dead %s %s: %s", it.Kind, it.ID, it.LastError)
			}
		})
	}
}
