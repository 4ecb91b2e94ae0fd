package handoff

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

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
	if got := tk["tags"].([]any); strings.Join(toStrings(got), ",") != "baton,whatsapp,refund,vip_customer" {
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

func TestZendeskOAuthAndAppendClose(t *testing.T) {
	fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
		if r.Method == http.MethodGet {
			return 200, nil, `{"ticket":{"id":77,"requester_id":555}}`
		}
		return 200, nil, `{"ticket":{"id":77}}`
	})
	z, err := NewZendesk("", ZendeskOAuth("oauth-tok"), WithBaseURL(fake.URL))
	if err != nil {
		t.Fatal(err)
	}
	ref := flows.TicketRef{Connector: "zendesk", ID: "77"}
	m := flows.Message{At: connTestTime, From: flows.RoleUser, Text: "any news?"}
	for range 2 { // the second append uses the cached requester
		if err := z.Append(context.Background(), ref, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	reqs := fake.requests()
	var got []string
	for _, r := range reqs {
		got = append(got, r.Method+" "+r.Path)
		if r.Header.Get("Authorization") != "Bearer oauth-tok" {
			t.Errorf("%s %s: Authorization %q", r.Method, r.Path, r.Header.Get("Authorization"))
		}
	}
	if want := "GET /api/v2/tickets/77,PUT /api/v2/tickets/77,PUT /api/v2/tickets/77,PUT /api/v2/tickets/77"; strings.Join(got, ",") != want {
		t.Fatalf("requests = %v, want %s", got, want)
	}
	c := reqs[1].JSON(t)["ticket"].(map[string]any)["comment"].(map[string]any)
	if c["public"] != false || c["author_id"] != 555.0 || !strings.HasSuffix(c["body"].(string), "Customer: any news?") {
		t.Errorf("comment = %v", c)
	}
	if st := reqs[3].JSON(t)["ticket"].(map[string]any)["status"]; st != "solved" {
		t.Errorf("close status = %v", st)
	}
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
		{"unauthorized", 401, nil, `{"error":"Couldn't authenticate you"}`, false, "check BATON_ZENDESK_EMAIL and BATON_ZENDESK_TOKEN"},
		{"invalid", 422, nil, `{"error":"RecordInvalid","description":"Record validation errors","details":{"group":[{"description":"Group: is invalid"}]}}`, false, "group: Group: is invalid"},
		{"bad request", 400, nil, `{"error":"InvalidJSON"}`, false, "InvalidJSON"},
		{"not found", 404, nil, `{"error":"RecordNotFound"}`, false, "BATON_ZENDESK_SUBDOMAIN"},
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
		{"no subdomain", "", ZendeskAPIToken("a@b.c", "t"), nil, "BATON_ZENDESK_SUBDOMAIN"},
		{"bad subdomain", "acme/../x", ZendeskAPIToken("a@b.c", "t"), nil, "BATON_ZENDESK_SUBDOMAIN"},
		{"no token", "acme", ZendeskAPIToken("a@b.c", ""), nil, "BATON_ZENDESK_TOKEN"},
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
