package handoff

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

// longTicket is a ticket of n comments (conversations), oldest first,
// each pad long in every body field; the ones at marked carry the marker
// of their item.
type longTicket struct {
	n      int
	pad    string
	marked map[int]string // index (0 = oldest) → item id
}

func (lt longTicket) text(i int) string {
	s := fmt.Sprintf("comment %d %s", i, lt.pad)
	if item, ok := lt.marked[i]; ok {
		s += "\n\nBaton ref: " + marker(item)
	}
	return s
}

// zendesk answers "List Comments" as Zendesk does: sort_order=desc for
// the newest first, per_page at most 100 (100 by default), next_page.
func (lt longTicket) zendesk(r gotRequest, host string) (int, http.Header, string) {
	q, _ := url.ParseQuery(r.Query)
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 || per > 100 {
		per = 100
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	start, end := min((page-1)*per, lt.n), min(page*per, lt.n)
	type comment struct {
		ID        int    `json:"id"`
		Body      string `json:"body"`
		HTMLBody  string `json:"html_body"`
		PlainBody string `json:"plain_body"`
	}
	out := struct {
		Comments []comment `json:"comments"`
		NextPage *string   `json:"next_page"`
	}{Comments: []comment{}}
	for k := start; k < end; k++ {
		i := k
		if q.Get("sort_order") == "desc" {
			i = lt.n - 1 - k
		}
		s := lt.text(i)
		out.Comments = append(out.Comments, comment{ID: i + 1, Body: s, HTMLBody: "<p>" + s + "</p>", PlainBody: s})
	}
	if end < lt.n {
		q.Set("page", strconv.Itoa(page+1))
		next := "https://" + host + r.Path + "?" + q.Encode()
		out.NextPage = &next
	}
	b, _ := json.Marshal(out)
	return 200, nil, string(b)
}

// freshdesk answers "List All Conversations of a Ticket" as Freshdesk
// does: oldest first, per_page at most 100 (30 by default), page.
func (lt longTicket) freshdesk(r gotRequest) (int, http.Header, string) {
	q, _ := url.ParseQuery(r.Query)
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 || per > 100 {
		return 400, nil, `{"description":"Validation failed","errors":[{"field":"per_page","message":"It should be a Positive Integer less than or equal to 100","code":"invalid_value"}]}`
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	start, end := min((page-1)*per, lt.n), min(page*per, lt.n)
	type conv struct {
		ID       int    `json:"id"`
		Body     string `json:"body"`
		BodyText string `json:"body_text"`
	}
	out := []conv{}
	for i := start; i < end; i++ {
		s := lt.text(i)
		out = append(out, conv{ID: i + 1, Body: "<div>" + s + "</div>", BodyText: s})
	}
	h := http.Header{}
	if end < lt.n {
		h.Set("Link", fmt.Sprintf(`<%s?per_page=%d&page=%d>; rel="next"`, r.Path, per, page+1))
	}
	b, _ := json.Marshal(out)
	return 200, h, string(b)
}

// TestMarkedLongComments: Zendesk keeps up to about 64 KB of a comment,
// and lists it three times (body, html_body, plain_body), Freshdesk twice
// (body, body_text); a page of long comments is well over a megabyte, and
// the check for an earlier attempt's comment must still read it, not fail
// until the item dies.
func TestMarkedLongComments(t *testing.T) {
	const item = "h1:append:7:1"
	type marker interface {
		Marked(context.Context, flows.TicketRef, []string) ([]string, error)
	}
	for _, tc := range []struct {
		connector string
		serve     func(longTicket, gotRequest) (int, http.Header, string)
		open      func(t *testing.T, base string) marker
	}{
		{"zendesk", func(lt longTicket, r gotRequest) (int, http.Header, string) { return lt.zendesk(r, "acme.zendesk.com") },
			func(t *testing.T, base string) marker { return newTestZendesk(t, base) }},
		{"freshdesk", func(lt longTicket, r gotRequest) (int, http.Header, string) { return lt.freshdesk(r) },
			func(t *testing.T, base string) marker { return newTestFreshdesk(t, base) }},
	} {
		t.Run(tc.connector, func(t *testing.T) {
			lt := longTicket{n: 150, pad: strings.Repeat("x", 60_000), marked: map[int]string{147: item}}
			fake := newFakeHelpdesk(t, func(_ int, r gotRequest) (int, http.Header, string) { return tc.serve(lt, r) })
			got, err := tc.open(t, fake.URL).Marked(context.Background(), flows.TicketRef{Connector: tc.connector, ID: "7"}, []string{item})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != item {
				t.Errorf("Marked = %q, want the item of the third newest comment", got)
			}
		})
	}
}

// TestMarkedResponseBounded: a listing page larger than any a helpdesk
// would send is an error, not read whole.
func TestMarkedResponseBounded(t *testing.T) {
	big := `{"comments":[{"body":"` + strings.Repeat("x", 65<<20) + `"}],"next_page":null}`
	fake := newFakeHelpdesk(t, func(_ int, r gotRequest) (int, http.Header, string) { return 200, nil, big })
	z := newTestZendesk(t, fake.URL)
	if got, err := z.Marked(context.Background(), flows.TicketRef{Connector: "zendesk", ID: "7"}, []string{"h1:append:7:1"}); err == nil {
		t.Errorf("Marked = %q, nil; want an error for a 65 MiB page", got)
	}
}
