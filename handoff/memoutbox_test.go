package handoff

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// memOutbox is a minimal in-memory flows.Outbox for the delivery tests;
// the production one lives in engine/.
type memOutbox struct {
	mu     sync.Mutex
	items  map[string]*flows.OutboxItem
	order  []string
	leases map[string]time.Time
	claims int
	// claimed is when each Claim came, by the wall clock.
	claimed []time.Time
	// settles counts Settle calls per item id.
	settles map[string]int
	// settleErr, when set, is what Settle returns, writing nothing.
	settleErr error
	// blocking hands out only the oldest undelivered item of each
	// handoff, and its appends and closes only once its open is
	// delivered, as the stores do.
	blocking bool
}

var _ flows.Outbox = (*memOutbox)(nil)

func newMemOutbox(items ...flows.OutboxItem) *memOutbox {
	o := &memOutbox{items: map[string]*flows.OutboxItem{}, leases: map[string]time.Time{}, settles: map[string]int{}}
	o.add(items...)
	return o
}

func (o *memOutbox) add(items ...flows.OutboxItem) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, it := range items {
		if it.Status == "" {
			it.Status = flows.OutboxPending
		}
		if it.NextAt.IsZero() {
			it.NextAt = it.CreatedAt
		}
		if _, ok := o.items[it.ID]; !ok {
			o.order = append(o.order, it.ID)
		}
		o.items[it.ID] = &it
	}
}

func (o *memOutbox) Claim(_ context.Context, now time.Time, lease time.Duration, max int) ([]flows.OutboxItem, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.claims++
	o.claimed = append(o.claimed, time.Now())
	var out []flows.OutboxItem
	blocked := map[string]bool{}
	opened := map[string]bool{}
	for _, it := range o.sorted() {
		if it.Kind == flows.OutboxOpen && it.Status == flows.OutboxDelivered {
			opened[it.HandoffID] = true
		}
	}
	for _, it := range o.sorted() {
		if len(out) >= max {
			break
		}
		if it.Status != flows.OutboxPending {
			continue
		}
		if o.blocking && it.HandoffID != "" {
			if blocked[it.HandoffID] {
				continue
			}
			blocked[it.HandoffID] = true
			if it.Kind != flows.OutboxOpen && !opened[it.HandoffID] {
				continue
			}
		}
		if it.NextAt.After(now) {
			continue
		}
		if until, ok := o.leases[it.ID]; ok && until.After(now) {
			continue
		}
		o.leases[it.ID] = now.Add(lease)
		out = append(out, *it)
	}
	return out, nil
}

func (o *memOutbox) Settle(_ context.Context, item flows.OutboxItem) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	it, ok := o.items[item.ID]
	if !ok {
		return fmt.Errorf("no outbox item %q", item.ID)
	}
	if o.settleErr != nil {
		return o.settleErr
	}
	it.Status, it.Attempts, it.NextAt, it.LastError, it.Ticket = item.Status, item.Attempts, item.NextAt, item.LastError, item.Ticket
	delete(o.leases, item.ID)
	o.settles[item.ID]++
	return nil
}

func (o *memOutbox) List(_ context.Context, status flows.OutboxStatus) ([]flows.OutboxItem, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []flows.OutboxItem
	for _, it := range o.sorted() {
		if status == "" || it.Status == status {
			out = append(out, *it)
		}
	}
	return out, nil
}

// sorted returns the items oldest first (insertion order breaks ties).
func (o *memOutbox) sorted() []*flows.OutboxItem {
	list := make([]*flows.OutboxItem, 0, len(o.order))
	for _, id := range o.order {
		list = append(list, o.items[id])
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].CreatedAt.Before(list[j].CreatedAt) })
	return list
}

func (o *memOutbox) get(id string) flows.OutboxItem {
	o.mu.Lock()
	defer o.mu.Unlock()
	if it, ok := o.items[id]; ok {
		return *it
	}
	return flows.OutboxItem{}
}

func (o *memOutbox) claimCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.claims
}

func (o *memOutbox) claimTimes() []time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]time.Time(nil), o.claimed...)
}

func (o *memOutbox) all() []flows.OutboxItem {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []flows.OutboxItem
	for _, it := range o.sorted() {
		out = append(out, *it)
	}
	return out
}

func (o *memOutbox) settleCount(id string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.settles[id]
}
