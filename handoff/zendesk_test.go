package handoff

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

func newTestZendesk(t *testing.T, base string, opts ...ConnectorOption) *Zendesk {
	t.Helper()
	opts = append([]ConnectorOption{WithBaseURL(base), WithClock(connTestClock),
		WithGroups(map[string]string{"billing": "360000111"}),
		WithCustomFields(map[string]string{"360000222": "order_id", "360000333": "amount", "360000444": "missing"})}, opts...)
	z, err := NewZendesk("acme", ZendeskAPIToken("bot@acme.test", "tok123"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestZendeskOpenWireFormat(t *testing.T) {
	fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
		switch r.Path {
		case "/api/v2/users/create_or_update":
			return 201, nil, `{"user":{"id":9001,"name":"Mario Rossi"}}`
		case "/api/v2/tickets":
			return 201, nil, `{"ticket":{"id":35436,"status":"new"}}`
		}
		return 404, nil, `{"error":"InvalidEndpoint"}`
	})
	z := newTestZendesk(t, fake.URL)
	ref, err := z.Open(context.Background(), connTestHandoff())
	if err != nil {
		t.Fatal(err)
	}
	want := flows.TicketRef{Connector: "zendesk", ID: "35436", URL: fake.URL + "/agent/tickets/35436"}
	if ref != want {
		t.Errorf("ref = %+v, want %+v", ref, want)
	}
	reqs := fake.requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("bot@acme.test/token:tok123"))
	for _, r := range reqs {
		if r.Method != http.MethodPost || r.Header.Get("Authorization") != basic || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: auth %q, content type %q", r.Method, r.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"))
		}
	}
	user := reqs[0].JSON(t)["user"].(map[string]any)
	wantUser := map[string]any{"name": "Mario Rossi", "external_id": "393331234567", "phone": "+393331234567", "email": "mario@example.com"}
	for k, v := range wantUser {
		if user[k] != v {
			t.Errorf("user.%s = %#v, want %#v", k, user[k], v)
		}
	}
	if reqs[1].Header.Get("Idempotency-Key") != "h-42" {
		t.Errorf("Idempotency-Key = %q", reqs[1].Header.Get("Idempotency-Key"))
	}
	tk := reqs[1].JSON(t)["ticket"].(map[string]any)
	if tk["requester_id"] != 9001.0 || tk["priority"] != "high" || tk["group_id"] != 360000111.0 || tk["external_id"] != "wa:393331234567" {
		t.Errorf("ticket = %v", tk)
	}
	if s, _ := tk["subject"].(string); s != "WhatsApp: asks for human — Mario Rossi" {
		t.Errorf("subject = %q", s)
	}
	if got := tk["tags"].([]any); strings.Join(toStrings(got), ",") != "baton,whatsapp,refund,vip_customer,baton-h-42" {
		t.Errorf("tags = %v", got)
	}
	c := tk["comment"].(map[string]any)
	html, _ := c["html_body"].(string)
	if c["public"] != false || !strings.Contains(html, "&lt;script&gt;") || strings.Contains(html, "<script>") {
		t.Errorf("comment public=%v, html not escaped:\n%s", c["public"], html)
	}
	fields := tk["custom_fields"].([]any)
	if len(fields) != 2 {
		t.Fatalf("custom_fields = %v, want order_id and amount only", fields)
	}
	f0, f1 := fields[0].(map[string]any), fields[1].(map[string]any)
	if f0["id"] != 360000222.0 || f0["value"] != "A12345" || f1["id"] != 360000333.0 || f1["value"] != 59.9 {
		t.Errorf("custom_fields = %v", fields)
	}
}

func toStrings(xs []any) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i], _ = x.(string)
	}
	return out
}

// TestZendeskAppendAndClose: a customer's follow-up is the requester's
// public comment and reopens a ticket waiting on the customer; a close
// solves the ticket unless an agent already did, and assigns one nobody
// took (Zendesk solves only assigned tickets).
func TestZendeskAppendAndClose(t *testing.T) {
	tests := []struct {
		status   string
		assignee string
		append   []string // requests of an append
		reopens  bool
		closed   bool // the append is refused: the ticket is closed
		close    []string
	}{
		{status: "new", assignee: "null", append: []string{"GET /api/v2/tickets/77", "PUT /api/v2/tickets/77"},
			close: []string{"GET /api/v2/tickets/77", "GET /api/v2/users/me", "PUT /api/v2/tickets/77"}},
		{status: "open", assignee: "9", append: []string{"GET /api/v2/tickets/77", "PUT /api/v2/tickets/77"},
			close: []string{"GET /api/v2/tickets/77", "PUT /api/v2/tickets/77"}},
		{status: "pending", assignee: "9", append: []string{"GET /api/v2/tickets/77", "PUT /api/v2/tickets/77"}, reopens: true,
			close: []string{"GET /api/v2/tickets/77", "PUT /api/v2/tickets/77"}},
		{status: "solved", assignee: "9", append: []string{"GET /api/v2/tickets/77", "PUT /api/v2/tickets/77"}, reopens: true,
			close: []string{"GET /api/v2/tickets/77"}},
		// Closed: the latest comments tell a merge (and into which
		// ticket) from a close.
		{status: "closed", assignee: "9", append: []string{"GET /api/v2/tickets/77", "GET /api/v2/tickets/77/comments"}, closed: true,
			close: []string{"GET /api/v2/tickets/77"}},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
				switch {
				case r.Method == http.MethodGet && r.Path == "/api/v2/users/me":
					return 200, nil, `{"user":{"id":4242}}`
				case r.Method == http.MethodGet:
					return 200, nil, `{"ticket":{"id":77,"requester_id":555,"assignee_id":` + tt.assignee + `,"status":"` + tt.status + `"}}`
				}
				return 200, nil, `{"ticket":{"id":77}}`
			})
			z, err := NewZendesk("", ZendeskOAuth("oauth-tok"), WithBaseURL(fake.URL))
			if err != nil {
				t.Fatal(err)
			}
			ref := flows.TicketRef{Connector: "zendesk", ID: "77"}
			m := flows.Message{At: connTestTime, From: flows.RoleUser, Text: "any news?"}
			ctx := WithAttempt(context.Background(), Attempt{Number: 1, Item: "h-42:append:3:1"})
			err = z.AppendBatch(ctx, ref, flows.Contact{Name: "Mario Rossi"}, []flows.TicketMessage{{ID: "h-42:append:3:1", Message: m}})
			if tt.closed {
				if e := asError(t, err); e.Retryable || !strings.Contains(e.Error(), "closed") {
					t.Errorf("append to a closed ticket: %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			reqs := fake.requests()
			if got := requestLines(reqs); strings.Join(got, ",") != strings.Join(tt.append, ",") {
				t.Fatalf("append requests = %v, want %v", got, tt.append)
			}
			for _, r := range reqs {
				if r.Header.Get("Authorization") != "Bearer oauth-tok" {
					t.Errorf("%s %s: Authorization %q", r.Method, r.Path, r.Header.Get("Authorization"))
				}
			}
			if !tt.closed {
				tk := reqs[1].JSON(t)["ticket"].(map[string]any)
				c := tk["comment"].(map[string]any)
				body, _ := c["body"].(string)
				if c["public"] != true || c["author_id"] != 555.0 || !strings.Contains(body, "Mario Rossi: any news?") || !strings.Contains(body, marker("h-42:append:3:1")) {
					t.Errorf("comment = %v", c)
				}
				if st, has := tk["status"]; has != tt.reopens || (has && st != "open") {
					t.Errorf("status %v (set %v), want reopened %v", st, has, tt.reopens)
				}
			}

			n := len(reqs)
			if err := z.Close(context.Background(), ref); err != nil {
				t.Fatal(err)
			}
			reqs = fake.requests()[n:]
			if got := requestLines(reqs); strings.Join(got, ",") != strings.Join(tt.close, ",") {
				t.Fatalf("close requests = %v, want %v", got, tt.close)
			}
			if last := reqs[len(reqs)-1]; last.Method == http.MethodPut {
				tk := last.JSON(t)["ticket"].(map[string]any)
				if tk["status"] != "solved" || (tt.assignee == "null") != (tk["assignee_id"] == 4242.0) {
					t.Errorf("close = %v", tk)
				}
			}
		})
	}
}

// TestZendeskRequesterUpdates: with an impersonating OAuth token the
// follow-up is the requester's own update, through the Requests API.
func TestZendeskRequesterUpdates(t *testing.T) {
	fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
		if r.Method == http.MethodGet {
			return 200, nil, `{"ticket":{"id":77,"requester_id":555,"status":"pending"}}`
		}
		return 200, nil, `{"request":{"id":77,"status":"open"}}`
	})
	z, err := NewZendesk("", ZendeskOAuth("oauth-tok"), WithBaseURL(fake.URL), WithRequesterUpdates(true))
	if err != nil {
		t.Fatal(err)
	}
	ref := flows.TicketRef{Connector: "zendesk", ID: "77"}
	for _, text := range []string{"any news?", "hello?"} { // the second uses the remembered requester
		m := flows.Message{At: connTestTime, From: flows.RoleUser, Text: text}
		if err := z.AppendBatch(context.Background(), ref, flows.Contact{Name: "Mario"}, []flows.TicketMessage{{ID: "i-" + text, Message: m}}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := fake.requests()
	if got := requestLines(reqs); strings.Join(got, ",") != "GET /api/v2/tickets/77,PUT /api/v2/requests/77,PUT /api/v2/requests/77" {
		t.Fatalf("requests = %v", got)
	}
	if h := reqs[1].Header.Get("X-On-Behalf-Of"); h != "555" {
		t.Errorf("X-On-Behalf-Of = %q", h)
	}
	c := reqs[1].JSON(t)["request"].(map[string]any)["comment"].(map[string]any)
	if body, _ := c["body"].(string); !strings.Contains(body, "Mario: any news?") || !strings.Contains(body, marker("i-any news?")) {
		t.Errorf("comment = %v", c)
	}
	if _, err := NewZendesk("acme", ZendeskAPIToken("a@b.c", "t"), WithRequesterUpdates(true)); err == nil || !strings.Contains(err.Error(), "impersonate") {
		t.Errorf("requester updates with an API token: err = %v", err)
	}
}

func requestLines(reqs []gotRequest) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func TestZendeskErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    http.Header
		body      string
		retryable bool
		contains  string
	}{
		{"unauthorized", 401, nil, `{"error":"Couldn't authenticate you"}`, false, "check connectors.zendesk.email and token"},
		{"invalid", 422, nil, `{"error":"RecordInvalid","description":"Record validation errors","details":{"group":[{"description":"Group: is invalid"}]}}`, false, "group: Group: is invalid"},
		{"bad request", 400, nil, `{"error":"InvalidJSON"}`, false, "InvalidJSON"},
		{"not found", 404, nil, `{"error":"RecordNotFound"}`, false, "check connectors.zendesk.subdomain"},
		{"rate limited", 429, http.Header{"Retry-After": {"93"}}, `{"error":"APIRateLimitExceeded"}`, true, "retry after 1m33s"},
		{"down", 502, nil, `bad gateway`, true, "502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
				return tt.status, tt.header, tt.body
			})
			_, err := newTestZendesk(t, fake.URL).Open(context.Background(), connTestHandoff())
			e := asError(t, err)
			if e.Retryable != tt.retryable || e.Status != tt.status || !strings.Contains(e.Error(), tt.contains) {
				t.Errorf("err = %v (retryable %v, status %d)", e, e.Retryable, e.Status)
			}
			if len(fake.requests()) != 1 {
				t.Errorf("a failed user call must stop the open; got %d requests", len(fake.requests()))
			}
		})
	}
}

func TestZendeskConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		sub  string
		auth ZendeskAuth
		opts []ConnectorOption
		want string
	}{
		{"no subdomain", "", ZendeskAPIToken("a@b.c", "t"), nil, "set connectors.zendesk.subdomain"},
		{"bad subdomain", "acme/../x", ZendeskAPIToken("a@b.c", "t"), nil, "set connectors.zendesk.subdomain"},
		{"no token", "acme", ZendeskAPIToken("a@b.c", ""), nil, "set connectors.zendesk.email and token"},
		{"field not numeric", "acme", ZendeskOAuth("x"), []ConnectorOption{WithCustomFields(map[string]string{"order": "order_id"})}, "numeric ids"},
	}
	for _, tt := range tests {
		if _, err := NewZendesk(tt.sub, tt.auth, tt.opts...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
	z, err := NewZendesk("Acme.zendesk.com", ZendeskOAuth("x"))
	if err != nil || z.base != "https://acme.zendesk.com" {
		t.Errorf("full host: base %q, err %v", z.base, err)
	}
	if err := z.Append(context.Background(), flows.TicketRef{ID: "1/../../users"}, flows.Message{}); err == nil {
		t.Error("a non-numeric ticket id must be refused")
	}
}

// TestZendeskMarkedThroughProxy: with a base URL in front of Zendesk (a
// proxy), the comments' next_page still names the account's own host;
// the check for an earlier attempt's comment must read the next page
// through the base URL, not stop at the first hundred comments.
func TestZendeskMarkedThroughProxy(t *testing.T) {
	const item = "h1:append:7:1"
	fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
		if r.Path != "/api/v2/tickets/7/comments" && r.Path != "/api/v2/tickets/7/comments.json" {
			return 404, nil, `{"error":"InvalidEndpoint"}`
		}
		if strings.Contains("&"+r.Query+"&", "&page=2&") {
			return 200, nil, `{"comments":[{"body":"hello\n\nBaton ref: ` + marker(item) + `"}],"next_page":null}`
		}
		return 200, nil, `{"comments":[{"body":"an agent's reply"}],"next_page":"https://acme.zendesk.com/api/v2/tickets/7/comments.json?page=2&per_page=100&sort_order=desc"}`
	})
	z := newTestZendesk(t, fake.URL)
	got, err := z.Marked(context.Background(), flows.TicketRef{Connector: "zendesk", ID: "7"}, []string{item})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != item {
		t.Errorf("Marked = %q, want the item whose comment is on the second page", got)
	}
}

// TestZendeskCloseAlreadyClosed: a ticket closed between Baton's look-up
// and its update (merged into another, closed by an automation) is
// refused by Zendesk with 422 "Status: closed prevents ticket update".
// The close is done: the item is delivered, never retried or
// dead-lettered. A 422 on a ticket that is not closed stays a failure.
func TestZendeskCloseAlreadyClosed(t *testing.T) {
	const refused = `{"error":"RecordInvalid","description":"Record validation errors","details":{"status":[{"description":"Status: closed prevents ticket update","error":"InvalidValue"}]}}`
	const other = `{"error":"RecordInvalid","description":"Record validation errors","details":{"group":[{"description":"Group: is invalid"}]}}`
	for _, tt := range []struct {
		name    string
		after   string // the ticket's status once the update is refused
		body    string
		wantErr bool
	}{
		{"closed meanwhile", "closed", refused, false},
		{"still open", "open", other, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
				switch {
				case r.Method == http.MethodGet && n == 1:
					return 200, nil, `{"ticket":{"id":77,"requester_id":555,"assignee_id":9,"status":"open"}}`
				case r.Method == http.MethodGet:
					return 200, nil, `{"ticket":{"id":77,"requester_id":555,"assignee_id":9,"status":"` + tt.after + `"}}`
				}
				return 422, nil, tt.body
			})
			z, err := NewZendesk("", ZendeskOAuth("oauth-tok"), WithBaseURL(fake.URL))
			if err != nil {
				t.Fatal(err)
			}
			clock := &fakeClock{t: t0}
			it := closeItem("c1", "h1", t0)
			it.Ticket = flows.TicketRef{ID: "77"}
			ob := newMemOutbox(it)
			d, settled := newTestDeliverer(t, ob, z, clock, DeliverTimeout(5*time.Second))
			runOnce(t, d)
			got := ob.get("c1")
			if tt.wantErr {
				if got.Status != flows.OutboxDead || !strings.Contains(got.LastError, "422") {
					t.Errorf("item = %+v; want dead with the 422", got)
				}
				return
			}
			if got.Status != flows.OutboxDelivered || got.LastError != "" {
				t.Errorf("item = %+v; want delivered: the ticket is closed", got)
			}
			if len(*settled) != 1 || (*settled)[0].err != nil {
				t.Errorf("settled = %+v; want one call without an error", *settled)
			}
		})
	}
}
