package handoff

import (
	"sync"

	"github.com/batonbot/baton/flows"
)

// ticketMemo remembers, per ticket this process opened, the team and the
// customer of its handoff: appends show the customer's name and the
// team's time zone. After a restart the Deliverer passes the customer
// (from the open item), and times fall back to WithLocation's zone.
type ticketMemo struct {
	mu sync.Mutex
	m  map[string]memo
}

type memo struct {
	team    string
	contact flows.Contact
}

const ticketMemoMax = 10000

func (t *ticketMemo) put(ticket string, h *flows.Handoff) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil || len(t.m) >= ticketMemoMax {
		t.m = map[string]memo{}
	}
	t.m[ticket] = memo{team: h.Team, contact: h.Contact}
}

// render is ro for ticket's team, and the customer: c, or the one
// remembered when c is empty.
func (t *ticketMemo) render(ticket string, c flows.Contact, ro renderOptions) (renderOptions, flows.Contact) {
	t.mu.Lock()
	m, ok := t.m[ticket]
	t.mu.Unlock()
	if !ok {
		return ro, c
	}
	if c.ID == "" && c.Name == "" {
		c = m.contact
	}
	return ro.forTeam(m.team), c
}

// connMemoryMax bounds what a connector remembers per ticket or handoff
// (requesters, opened tickets): all of it can be read again from the
// helpdesk, so a full map is forgotten rather than grown.
const connMemoryMax = 10000

// remember sets m[k] = v, first forgetting all of m when it is full and k
// is new. The caller holds m's lock.
func remember[K comparable, V any](m map[K]V, k K, v V) {
	if _, ok := m[k]; !ok && len(m) >= connMemoryMax {
		clear(m)
	}
	m[k] = v
}
