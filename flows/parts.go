package flows

import "sync"

// PartsSent remembers, for a channel's recent replies sent in several
// parts (a long text split at the provider's limit), how many parts went
// out, so that a Send retried with the same Outbound.ID resumes after
// them instead of sending them again. It is bounded: past max replies
// under way, the oldest are forgotten. The zero value is not usable; see
// NewPartsSent.
type PartsSent struct {
	mu    sync.Mutex
	max   int
	n     map[string]int
	order []string
}

// NewPartsSent returns a PartsSent keeping at most max replies.
func NewPartsSent(max int) *PartsSent { return &PartsSent{max: max, n: make(map[string]int)} }

// Done is how many parts of reply id went out (0 when unknown).
func (p *PartsSent) Done(id string) int {
	if id == "" {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n[id]
}

// Sent records that n of total parts of reply id went out; a reply of one
// part, or one whose parts all went out, is forgotten.
func (p *PartsSent) Sent(id string, n, total int) {
	if id == "" || total < 2 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n >= total {
		delete(p.n, id)
		return
	}
	if _, ok := p.n[id]; !ok {
		if len(p.order) >= p.max {
			delete(p.n, p.order[0])
			p.order = p.order[1:]
		}
		p.order = append(p.order, id)
	}
	p.n[id] = n
}
