package handoff

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

// roundTrip answers requests in process.
type roundTrip func(*http.Request) string

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(f(r))), Request: r}, nil
}

// TestConnectorMemoryBounded: a serve process opens and closes tickets
// for months; what the connectors remember per ticket and per handoff
// (requesters, opened tickets) must not grow with every one of them.
func TestConnectorMemoryBounded(t *testing.T) {
	n := connMemoryMax + 1
	id := func(r *http.Request) string { return r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:] }
	zc := &http.Client{Transport: roundTrip(func(r *http.Request) string {
		return `{"ticket":{"id":` + id(r) + `,"requester_id":7,"status":"solved"}}`
	})}
	z := newTestZendesk(t, "https://acme.zendesk.com", WithHTTPClient(zc))
	next := 0
	fc := &http.Client{Transport: roundTrip(func(r *http.Request) string {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/v2/tickets":
			return `[]`
		case r.Method == http.MethodPost:
			next++
			return `{"id":` + strconv.Itoa(next) + `,"requester_id":` + strconv.Itoa(next) + `}`
		}
		return `{"id":` + id(r) + `,"requester_id":7,"status":4}`
	})}
	f := newTestFreshdesk(t, "https://acme.freshdesk.com", WithHTTPClient(fc))
	ctx := context.Background()
	for i := range n {
		ticket := flows.TicketRef{ID: strconv.Itoa(100000 + i)}
		if err := z.Close(ctx, ticket); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(ctx, ticket); err != nil {
			t.Fatal(err)
		}
		h := &flows.Handoff{ID: "h" + strconv.Itoa(i), ConversationID: "wa:1", Contact: flows.Contact{Email: "mario@example.com"}}
		if _, err := f.Open(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if len(z.requesters) > connMemoryMax || len(f.opened) > connMemoryMax {
		t.Errorf("after %d tickets the connectors remember %d (zendesk) requesters and %d (freshdesk) opened handoffs; want at most %d each",
			n, len(z.requesters), len(f.opened), connMemoryMax)
	}
}
