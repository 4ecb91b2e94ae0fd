package handoff

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/batonbot/baton/flows"
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

// freshdeskFake keeps tickets like Freshdesk does and can lose the
// response to a create after creating the ticket.
type freshdeskFake struct {
	mu       sync.Mutex
	tickets  map[int][]string // id → tags
	creates  int
	loseNext bool
	reqs     []gotRequest
}

func (f *freshdeskFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, gotRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v2/search/tickets":
		q := r.URL.Query().Get("query")
		var results []string
		for id, tags := range f.tickets {
			for _, tag := range tags {
				if q == `"tag:'`+tag+`'"` {
					results = append(results, fmt.Sprintf(`{"id":%d}`, id))
				}
			}
		}
		fmt.Fprintf(w, `{"results":[%s],"total":%d}`, strings.Join(results, ","), len(results))
	case r.Method == http.MethodPost && r.URL.Path == "/api/v2/tickets":
		var t struct {
			Tags []string `json:"tags"`
		}
		json.Unmarshal(body, &t)
		f.creates++
		id := 1000 + f.creates
		f.tickets[id] = t.Tags
		if f.loseNext {
			f.loseNext = false
			panic(http.ErrAbortHandler) // the ticket exists, the response is lost
		}
		w.WriteHeader(201)
		fmt.Fprintf(w, `{"id":%d,"status":2}`, id)
	default:
		w.WriteHeader(404)
		io.WriteString(w, `{"code":"not_found"}`)
	}
}

func TestFreshdeskOpenWireFormat(t *testing.T) {
	fake := &freshdeskFake{tickets: map[int][]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	f := newTestFreshdesk(t, srv.URL)
	ref, err := f.Open(context.Background(), connTestHandoff())
	if err != nil {
		t.Fatal(err)
	}
	if want := (flows.TicketRef{Connector: "freshdesk", ID: "1001", URL: srv.URL + "/a/tickets/1001"}); ref != want {
		t.Errorf("ref = %+v, want %+v", ref, want)
	}
	if len(fake.reqs) != 2 {
		t.Fatalf("got %d requests, want search then create", len(fake.reqs))
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("fd-key:X"))
	for _, r := range fake.reqs {
		if r.Header.Get("Authorization") != basic {
			t.Errorf("%s %s: Authorization %q", r.Method, r.Path, r.Header.Get("Authorization"))
		}
	}
	if q, _ := url.ParseQuery(fake.reqs[0].Query); q.Get("query") != `"tag:'baton-h-42'"` {
		t.Errorf("search query = %q", fake.reqs[0].Query)
	}
	tk := fake.reqs[1].JSON(t)
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

func TestFreshdeskExactlyOnceAfterLostResponse(t *testing.T) {
	fake := &freshdeskFake{tickets: map[int][]string{}, loseNext: true}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	f := newTestFreshdesk(t, srv.URL)
	h := connTestHandoff()
	_, err := f.Open(context.Background(), h)
	if ok, _ := Retryable(err); err == nil || !ok {
		t.Fatalf("lost response: err = %v, want a retryable error", err)
	}
	// The retry, as a restarted process would make it: nothing in memory.
	f2 := newTestFreshdesk(t, srv.URL)
	ref, err := f2.Open(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	ref2, err := f2.Open(context.Background(), h) // and once more, from memory
	if err != nil {
		t.Fatal(err)
	}
	if fake.creates != 1 || ref.ID != "1001" || ref2 != ref {
		t.Errorf("creates = %d, refs %+v %+v; want exactly one ticket, 1001", fake.creates, ref, ref2)
	}
	if n := len(fake.reqs); n != 3 { // search, create (lost), search (found); the last open asks nothing
		t.Errorf("requests = %d, want 3", n)
	}
}

func TestFreshdeskRequesterAppendClose(t *testing.T) {
	fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
		return 200, nil, `{"id":1}`
	})
	f := newTestFreshdesk(t, fake.URL)
	ref := flows.TicketRef{Connector: "freshdesk", ID: "55"}
	m := flows.Message{At: connTestTime, From: flows.RoleUser, Text: "<b>still</b> waiting", Choice: ""}
	if err := f.Append(context.Background(), ref, m); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	reqs := fake.requests()
	if reqs[0].Method != "POST" || reqs[0].Path != "/api/v2/tickets/55/notes" {
		t.Errorf("append = %s %s", reqs[0].Method, reqs[0].Path)
	}
	note := reqs[0].JSON(t)
	if note["private"] != true || !strings.Contains(note["body"].(string), "&lt;b&gt;still&lt;/b&gt; waiting") {
		t.Errorf("note = %v", note)
	}
	if reqs[1].Method != "PUT" || reqs[1].Path != "/api/v2/tickets/55" || reqs[1].JSON(t)["status"] != 4.0 {
		t.Errorf("close = %s %s %s", reqs[1].Method, reqs[1].Path, reqs[1].Body)
	}

	// A WhatsApp contact with only a phone: phone plus name.
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
		{401, nil, `{"code":"invalid_credentials","message":"You have to be logged in to perform this action."}`, false, "check BATON_FRESHDESK_API_KEY"},
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
	if _, err := NewFreshdesk("acme", ""); err == nil || !strings.Contains(err.Error(), "BATON_FRESHDESK_API_KEY") {
		t.Errorf("no key: %v", err)
	}
	if _, err := NewFreshdesk("acme", "k", WithCustomFields(map[string]string{"order": "x"})); err == nil {
		t.Error("a custom field without cf_ must be refused")
	}
}
