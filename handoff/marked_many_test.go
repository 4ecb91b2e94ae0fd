package handoff

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestFreshdeskMarkedManyConversations: Freshdesk lists conversations
// oldest first; on a ticket of more than a thousand the check must still
// see the newest ones, where an earlier attempt's note is, and read only
// a bounded number of pages to get there.
func TestFreshdeskMarkedManyConversations(t *testing.T) {
	const item, old = "h1:append:9:1", "h1:append:2:1"
	for _, n := range []int{1, 99, 100, 101, 1234, 2500, 20_000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			lt := longTicket{n: n, marked: map[int]string{n - 1: item}}
			if n > 1 {
				lt.marked[0] = old // the first note, long ago: past the recent ones when the ticket is long
			}
			fake := newFakeHelpdesk(t, func(_ int, r gotRequest) (int, http.Header, string) { return lt.freshdesk(r) })
			f := newTestFreshdesk(t, fake.URL)
			got, err := f.Marked(context.Background(), flows.TicketRef{Connector: "freshdesk", ID: "7"}, []string{item})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != item {
				t.Errorf("Marked = %q, want the item of the newest conversation", got)
			}
			if calls := len(fake.requests()); calls > 40 {
				t.Errorf("%d calls to check %d conversations", calls, n)
			}
			if n > markerScanLimit {
				// The oldest of the recent ones is seen too.
				const recent = "h1:append:8:1"
				lt.marked[n-markerScanLimit] = recent
				got, err := f.Marked(context.Background(), flows.TicketRef{Connector: "freshdesk", ID: "7"}, []string{recent, item})
				if err != nil || len(got) != 2 {
					t.Errorf("Marked = %q, %v; want both items among the %d newest", got, err, markerScanLimit)
				}
			}
		})
	}
}
