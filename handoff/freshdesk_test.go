package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff/handofftest"
)

func newTestFreshdesk(t *testing.T, base string, opts ...ConnectorOption) *Freshdesk {
	t.Helper()
	opts = append([]ConnectorOption{WithBaseURL(base), WithClock(connTestClock),
		WithGroups(map[string]string{"billing": "48000123"}),
		WithCustomFields(map[string]string{"cf_order_number": "order_id"}),
		WithConversationField("cf_baton_conversation")}, opts...)
	f, err := NewFreshdesk("acme", "fd-key", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// newFreshdeskPair starts a fake Freshdesk and a connector for it on a
// fake clock at connTestTime.
func newFreshdeskPair(t *testing.T, opts ...ConnectorOption) (*handofftest.Freshdesk, *Freshdesk, *handofftest.Clock) {
	t.Helper()
	clock := handofftest.NewClock(connTestTime)
	fake := handofftest.NewFreshdesk(t, clock, "fd-key")
	return fake, newTestFreshdesk(t, fake.URL, append([]ConnectorOption{WithTimeSource(clock)}, opts...)...), clock
}

func TestFreshdeskOpenWireFormat(t *testing.T) {
	fake, f, _ := newFreshdeskPair(t)
	ref, err := f.Open(context.Background(), connTestHandoff())
	if err != nil {
		t.Fatal(err)
	}
	tickets := fake.Tickets()
	if len(tickets) != 1 {
		t.Fatalf("%d tickets", len(tickets))
	}
	id := strconv.FormatInt(tickets[0].ID, 10)
	if want := (flows.TicketRef{Connector: "freshdesk", ID: id, URL: fake.URL + "/a/tickets/" + id}); ref != want {
		t.Errorf("ref = %+v, want %+v", ref, want)
	}
	// The requester has an e-mail: their tickets are listed (from the
	// database, no index lag) before one is created.
	if got := strings.Join(fake.Requests(), ","); got != "GET /api/v2/tickets,POST /api/v2/tickets" {
		t.Errorf("requests = %s", got)
	}
	tk := fake.Calls("POST", "/api/v2/tickets")[0].JSON()
	want := map[string]any{"name": "Mario Rossi", "email": "mario@example.com", "status": 2.0, "priority": 3.0,
		"source": 7.0, "group_id": 48000123.0, "subject": "WhatsApp: asks for human — Mario Rossi"}
	for k, v := range want {
		if tk[k] != v {
			t.Errorf("%s = %#v, want %#v", k, tk[k], v)
		}
	}
	if _, ok := tk["phone"]; ok {
		t.Error("send one requester identifier: e-mail wins over phone")
	}
	if tags := strings.Join(toStrings(tk["tags"].([]any)), ","); tags != "baton,whatsapp,refund,vip_customer,baton-h-42" {
		t.Errorf("tags = %s", tags)
	}
	cf := tk["custom_fields"].(map[string]any)
	if cf["cf_order_number"] != "A12345" || cf["cf_baton_conversation"] != "wa:393331234567" {
		t.Errorf("custom_fields = %v", cf)
	}
	if d := tk["description"].(string); !strings.Contains(d, "<h3>Conversation</h3>") || strings.Contains(d, "<script>") {
		t.Errorf("description:\n%s", d)
	}
}

// TestFreshdeskRequesterAppendClose: a follow-up is an incoming public
// note by the requester (it reopens a pending ticket), Baton's own note is
// private, and a close resolves the ticket unless an agent already did.
func TestFreshdeskRequesterAppendClose(t *testing.T) {
	fake, f, _ := newFreshdeskPair(t)
	ref, err := f.Open(context.Background(), connTestHandoff())
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseInt(ref.ID, 10, 64)
	fake.SetStatus(id, 3) // pending: waiting on the customer
	m := flows.Message{At: connTestTime, From: flows.RoleUser, Text: "<b>still</b> waiting"}
	if err := f.AppendBatch(context.Background(), ref, flows.Contact{Name: "Mario"}, []flows.TicketMessage{{ID: "h-42:append:3:1", Message: m}}); err != nil {
		t.Fatal(err)
	}
	note := flows.Message{At: connTestTime, From: flows.RoleSystem, Text: "Baton did not deliver this reply"}
	if err := f.AppendBatch(context.Background(), ref, flows.Contact{}, []flows.TicketMessage{{ID: "n1", Message: note}}); err != nil {
		t.Fatal(err)
	}
	tk := fake.Tickets()[0]
	if len(tk.Notes) != 2 {
		t.Fatalf("notes = %+v", tk.Notes)
	}
	n := tk.Notes[0]
	if n.Private || !n.Incoming || n.UserID != tk.RequesterID || !strings.Contains(n.Body, "&lt;b&gt;still&lt;/b&gt; waiting") ||
		!strings.Contains(n.Body, "Mario:") || !strings.Contains(n.Body, marker("h-42:append:3:1")) {
		t.Errorf("customer note = %+v", n)
	}
	if tk.Status != 2 {
		t.Errorf("status %d after the customer's note, want 2 (open)", tk.Status)
	}
	if n := tk.Notes[1]; !n.Private || n.Incoming || n.UserID != 0 {
		t.Errorf("Baton's note = %+v", n)
	}
	found, err := f.Marked(context.Background(), ref, []string{"h-42:append:3:1", "h-42:append:4:1"})
	if err != nil || len(found) != 1 || found[0] != "h-42:append:3:1" {
		t.Errorf("Marked = %v, %v", found, err)
	}

	if err := f.Close(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	if tk := fake.Tickets()[0]; tk.Status != 4 {
		t.Errorf("status %d after close, want 4", tk.Status)
	}
	fake.SetStatus(id, 5) // an agent closed it meanwhile
	before := len(fake.Requests())
	if err := f.Close(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	if got := fake.Requests()[before:]; len(got) != 1 || got[0] != "GET /api/v2/tickets/"+ref.ID || fake.Tickets()[0].Status != 5 {
		t.Errorf("closing a closed ticket sent %v (status %d); want only the look", got, fake.Tickets()[0].Status)
	}

	// A WhatsApp contact with only a phone: phone plus name; with
	// unique_external_id, the contact id.
	h := connTestHandoff()
	h.Contact = flows.Contact{ID: "393331234567", Phone: "393331234567"}
	c, err := f.createCall(h)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.Unmarshal(c.body, &body)
	if body["phone"] != "+393331234567" || body["name"] != "Customer +393331234567" || body["email"] != nil {
		t.Errorf("phone-only requester = %v %v %v", body["phone"], body["name"], body["email"])
	}
	fu := newTestFreshdesk(t, fake.URL, WithUniqueExternalID(true))
	c, _ = fu.createCall(connTestHandoff())
	body = nil
	json.Unmarshal(c.body, &body)
	if body["unique_external_id"] != "393331234567" || body["email"] != nil || body["phone"] != nil {
		t.Errorf("unique_external_id requester = %v", body)
	}
}

func TestFreshdeskErrors(t *testing.T) {
	tests := []struct {
		status    int
		header    http.Header
		body      string
		retryable bool
		contains  string
	}{
		{400, nil, `{"description":"Validation failed","errors":[{"field":"group_id","message":"There is no group matching the given group_id","code":"invalid_value"}]}`, false, "group_id: There is no group matching"},
		{401, nil, `{"code":"invalid_credentials","message":"You have to be logged in to perform this action."}`, false, "check connectors.freshdesk.api_key"},
		{429, http.Header{"Retry-After": {"60"}}, `{}`, true, "retry after 1m0s"},
		{500, nil, `{}`, true, "500"},
	}
	for _, tt := range tests {
		fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
			return tt.status, tt.header, tt.body
		})
		err := newTestFreshdesk(t, fake.URL).Close(context.Background(), flows.TicketRef{ID: "9"})
		e := asError(t, err)
		if e.Retryable != tt.retryable || !strings.Contains(e.Error(), tt.contains) {
			t.Errorf("%d: err = %v (retryable %v)", tt.status, e, e.Retryable)
		}
	}
	if _, err := NewFreshdesk("acme", ""); err == nil || !strings.Contains(err.Error(), "set connectors.freshdesk.api_key") {
		t.Errorf("no key: %v", err)
	}
	if _, err := NewFreshdesk("acme", "k", WithCustomFields(map[string]string{"order": "x"})); err == nil {
		t.Error("a custom field without cf_ must be refused")
	}
}

// TestFreshdeskAppendReadsTheStatus: Freshdesk takes a note on a
// resolved or closed ticket (an agent resolved or closed it, or merged
// it into another, and the status webhook did not come), where nobody
// reads it. The customer's append reads the ticket first: resolved or
// closed, it is the ticket's ErrTicketGone (reason closed), permanent,
// and no note is added; pending, the note goes on. A customer append
// costs one read and one note; Baton's own private note, the note alone.
// Past the account's rate limit the read is answered 429, retried after
// Freshdesk's Retry-After, and decides nothing.
func TestFreshdeskAppendReadsTheStatus(t *testing.T) {
	msg := []flows.TicketMessage{{ID: "h-42:append:1:1", Message: flows.Message{At: connTestTime, From: flows.RoleUser, Text: "are you still there?"}}}
	for _, tt := range []struct {
		status int
		gone   string // "": the note goes on
	}{{3, ""}, {4, "resolved"}, {5, "closed"}} {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			fake, f, _ := newFreshdeskPair(t)
			ref, err := f.Open(context.Background(), connTestHandoff())
			if err != nil {
				t.Fatal(err)
			}
			id := ticketNumber(t, ref)
			fake.SetStatus(id, tt.status)
			n := len(fake.Requests())
			err = f.AppendBatch(context.Background(), ref, flows.Contact{}, msg)
			tk := fake.Tickets()[0]
			if tt.gone == "" {
				if err != nil || len(tk.Notes) != 1 {
					t.Fatalf("append to a pending ticket: %v, %d notes; want the note", err, len(tk.Notes))
				}
				want := "GET /api/v2/tickets/" + ref.ID + ",POST /api/v2/tickets/" + ref.ID + "/notes"
				if got := strings.Join(fake.Requests()[n:], ","); got != want {
					t.Errorf("requests of a customer append: %s; want %s", got, want)
				}
				n = len(fake.Requests())
				own := []flows.TicketMessage{{ID: "h-42:append:2:1", Message: flows.Message{At: connTestTime, From: flows.RoleSystem, Text: "the agent's reply did not reach the customer"}}}
				if err := f.AppendBatch(context.Background(), ref, flows.Contact{}, own); err != nil {
					t.Fatal(err)
				}
				if got, want := strings.Join(fake.Requests()[n:], ","), "POST /api/v2/tickets/"+ref.ID+"/notes"; got != want {
					t.Errorf("requests of Baton's own note: %s; want %s", got, want)
				}
				return
			}
			if !errors.Is(err, ErrTicketGone) || !strings.Contains(err.Error(), "ticket "+ref.ID+" is "+tt.gone) {
				t.Fatalf("append to a %s ticket: %v; want ErrTicketGone saying it is %s", tt.gone, err, tt.gone)
			}
			if retry, _ := Retryable(err); retry {
				t.Errorf("error %v is retryable; want permanent", err)
			}
			if reason, _ := GoneReason(err); reason != flows.GoneClosed {
				t.Errorf("GoneReason = %q; want %q", reason, flows.GoneClosed)
			}
			if len(tk.Notes) != 0 || tk.Status != tt.status {
				t.Errorf("ticket after the append: %d notes, status %d; want none added, the status left", len(tk.Notes), tk.Status)
			}
		})
	}
	t.Run("rate limited", func(t *testing.T) {
		fake, f, _ := newFreshdeskPair(t)
		ref, err := f.Open(context.Background(), connTestHandoff())
		if err != nil {
			t.Fatal(err)
		}
		fake.RateLimit = 1 // a minute from now: the read passes, the note does not
		err = f.AppendBatch(context.Background(), ref, flows.Contact{}, msg)
		if retry, after := Retryable(err); !retry || after <= 0 || errors.Is(err, ErrTicketGone) {
			t.Fatalf("append past the rate limit: %v (retryable %v, after %v); want a retryable error with Freshdesk's Retry-After", err, retry, after)
		}
		if n := len(fake.Tickets()[0].Notes); n != 0 {
			t.Errorf("%d notes; want none", n)
		}
	})
}
