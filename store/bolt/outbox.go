package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
)

var keyDelivered = []byte("delivered") // meta: how many delivered items are kept

// putItem adds it unless its id is stored, and reports whether it did.
// The caller is in an update.
func (s *Store) putItem(tx *bbolt.Tx, it flows.OutboxItem) (bool, error) {
	ids := tx.Bucket(bOutboxIDs)
	if ids.Get([]byte(it.ID)) != nil {
		return false, nil
	}
	ob := tx.Bucket(bOutbox)
	seq, err := ob.NextSequence()
	if err != nil {
		return false, err
	}
	k := u64(seq)
	b, err := json.Marshal(it)
	if err != nil {
		return false, fmt.Errorf("bolt store: outbox item %s: %w", it.ID, err)
	}
	if err := ob.Put(k, b); err != nil {
		return false, err
	}
	if err := ids.Put([]byte(it.ID), k); err != nil {
		return false, err
	}
	if err := tx.Bucket(statusBucket(it.Status)).Put(k, nil); err != nil {
		return false, err
	}
	if err := indexPending(tx, &it, ""); err != nil {
		return false, err
	}
	return true, countReply(tx, &it, "")
}

// lease leases items until claim.Until, as a claim would (or, with a nil
// claim, drops their leases: a save that failed).
func (s *Store) lease(items []flows.OutboxItem, claim *flows.ReplyClaim) {
	if len(items) == 0 {
		return
	}
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	for i, it := range items {
		if claim == nil {
			delete(s.leases, it.ID)
			delete(s.claims, it.ID)
		} else {
			s.leases[it.ID] = claim.Until
			s.claimSeq++
			s.claims[it.ID] = s.claimSeq
			items[i].LeaseID = s.claimSeq
		}
	}
}

// indexPending keeps bPendKinds and bPendCounts when it goes from status
// was to its current one (was is empty for a new item).
func indexPending(tx *bbolt.Tx, it *flows.OutboxItem, was flows.OutboxStatus) error {
	pend := it.Status == flows.OutboxPending
	if pend == (was == flows.OutboxPending) {
		return nil
	}
	k := append(append(append([]byte(it.Kind), 0), at8(it.CreatedAt)...), it.ID...)
	counts, kind := tx.Bucket(bPendCounts), []byte(it.Kind)
	n, _ := binary.Uvarint(counts.Get(kind))
	if pend {
		if err := tx.Bucket(bPendKinds).Put(k, nil); err != nil {
			return err
		}
		return counts.Put(kind, binary.AppendUvarint(nil, n+1))
	}
	if err := tx.Bucket(bPendKinds).Delete(k); err != nil {
		return err
	}
	if n <= 1 {
		return counts.Delete(kind)
	}
	return counts.Put(kind, binary.AppendUvarint(nil, n-1))
}

// PendingStats returns the count of pending items of each kind that has
// some, and when the oldest was created: from the counts and the index
// by kind and creation time the writes keep, not the items.
func (s *Store) PendingStats(ctx context.Context) (map[flows.OutboxKind]flows.PendingStat, error) {
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	out := map[flows.OutboxKind]flows.PendingStat{}
	err := s.view(func(tx *bbolt.Tx) error {
		idx := tx.Bucket(bPendKinds).Cursor()
		return tx.Bucket(bPendCounts).ForEach(func(kind, v []byte) error {
			n, _ := binary.Uvarint(v)
			st := flows.PendingStat{Count: int(n)}
			prefix := append(append([]byte(nil), kind...), 0)
			if k, _ := idx.Seek(prefix); bytes.HasPrefix(k, prefix) {
				st.Oldest = timeOf(k[len(prefix):])
			}
			out[flows.OutboxKind(kind)] = st
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// countReply keeps bReplies when it, a reply item, goes from status was to
// its current one (was is empty for a new item).
func countReply(tx *bbolt.Tx, it *flows.OutboxItem, was flows.OutboxStatus) error {
	pend := it.Status == flows.OutboxPending
	if it.Kind != flows.OutboxReply || pend == (was == flows.OutboxPending) {
		return nil
	}
	b := tx.Bucket(bReplies)
	k := []byte(it.ConversationID)
	n, _ := binary.Uvarint(b.Get(k))
	switch {
	case pend:
		n++
	case n <= 1:
		return b.Delete(k)
	default:
		n--
	}
	return b.Put(k, binary.AppendUvarint(nil, n))
}

// countReplies counts the pending reply items of each conversation
// afresh, into bReplies; an item it cannot read is errDamaged.
func countReplies(tx *bbolt.Tx) error {
	for _, b := range [][]byte{bReplies, bPendKinds, bPendCounts} {
		if err := tx.DeleteBucket(b); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(b); err != nil {
			return err
		}
	}
	c := tx.Bucket(bPending).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		it, err := getItem(tx, k)
		if err != nil {
			return errDamaged{strings.TrimPrefix(err.Error(), "bolt store: ")}
		}
		if err := countReply(tx, &it, ""); err != nil {
			return err
		}
		if err := indexPending(tx, &it, ""); err != nil {
			return err
		}
	}
	return nil
}

func statusBucket(st flows.OutboxStatus) []byte {
	switch st {
	case flows.OutboxDelivered:
		return bDelivered
	case flows.OutboxDead:
		return bDead
	}
	return bPending
}

func getItem(tx *bbolt.Tx, k []byte) (flows.OutboxItem, error) {
	var it flows.OutboxItem
	v := tx.Bucket(bOutbox).Get(k)
	if v == nil {
		return it, fmt.Errorf("bolt store: outbox item %d is missing", binary.BigEndian.Uint64(k))
	}
	if err := json.Unmarshal(v, &it); err != nil {
		return it, fmt.Errorf("bolt store: outbox item %d: %w", binary.BigEndian.Uint64(k), err)
	}
	return it, nil
}

// Claim returns up to max pending items due at now, oldest first, and
// leases them until now+lease (see flows.Outbox for the order kept).
func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.OutboxItem, error) {
	return s.ClaimKinds(ctx, now, lease, max, nil)
}

// ClaimKinds is Claim for the items of kinds (every kind when nil).
func (s *Store) ClaimKinds(ctx context.Context, now time.Time, lease time.Duration, max int, kinds []flows.OutboxKind) ([]flows.OutboxItem, error) {
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	var out []flows.OutboxItem
	err := s.view(func(tx *bbolt.Tx) error {
		blocked := map[store.GroupKey]bool{}
		c := tx.Bucket(bPending).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			it, err := getItem(tx, k)
			if err != nil {
				return err
			}
			if g, ok := store.Group(&it); ok {
				if blocked[g] {
					continue
				}
				blocked[g] = true
			}
			if it.NextAt.After(now) || s.leases[it.ID].After(now) || (kinds != nil && !slices.Contains(kinds, it.Kind)) {
				continue
			}
			if store.NeedsTicket(&it) {
				t := tx.Bucket(bTickets).Get([]byte(it.HandoffID))
				if len(t) < 8 {
					continue // the open is not delivered
				}
				if err := json.Unmarshal(t[8:], &it.Ticket); err != nil {
					return fmt.Errorf("bolt store: ticket of handoff %s: %w", it.HandoffID, err)
				}
			}
			out = append(out, it)
			if len(out) == max {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, it := range out {
		s.leases[it.ID] = now.Add(lease)
		s.claimSeq++
		s.claims[it.ID] = s.claimSeq
		out[i].LeaseID = s.claimSeq
	}
	return out, nil
}

// Settle records the outcome of an item and releases its lease (see
// flows.Outbox for the dead-open cascade).
func (s *Store) Settle(ctx context.Context, in flows.OutboxItem) error {
	if err := s.live(ctx); err != nil {
		return err
	}
	if err := store.CheckSettle(in); err != nil {
		return err
	}
	now := s.now()
	// A holder whose lease ran out and whose item was claimed since may
	// not settle it. The item stays leased while the settle commits, so
	// that no claim takes it in between.
	s.leaseMu.Lock()
	if in.LeaseID != 0 && in.LeaseID != s.claims[in.ID] {
		s.leaseMu.Unlock()
		return fmt.Errorf("bolt store: settling outbox item %q: %w", in.ID, flows.ErrLeaseLost)
	}
	held, wasHeld := s.leases[in.ID]
	s.leases[in.ID] = time.Unix(1<<62, 0)
	s.leaseMu.Unlock()
	var released []string
	delivered := false
	err := s.update(func(tx *bbolt.Tx) error {
		released = append(released[:0], in.ID)
		k := tx.Bucket(bOutboxIDs).Get([]byte(in.ID))
		if k == nil {
			return fmt.Errorf("bolt store: no outbox item %q to settle; settle items returned by Claim", in.ID)
		}
		k = append([]byte(nil), k...)
		it, err := getItem(tx, k)
		if err != nil {
			return err
		}
		was := it.Status
		if in.Status != "" {
			it.Status = in.Status
		}
		it.Attempts = in.Attempts
		if !in.NextAt.IsZero() {
			it.NextAt = in.NextAt
		}
		it.LastError = in.LastError
		if in.Ticket != (flows.TicketRef{}) {
			it.Ticket = in.Ticket
		}
		if err := s.rewrite(tx, k, was, it); err != nil {
			return err
		}
		delivered = it.Status == flows.OutboxDelivered
		if it.Status == flows.OutboxDelivered && it.HandoffID != "" {
			switch it.Kind {
			case flows.OutboxOpen:
				b, _ := json.Marshal(it.Ticket)
				if err := tx.Bucket(bTickets).Put([]byte(it.HandoffID), append(at8(now), b...)); err != nil {
					return err
				}
			case flows.OutboxClose:
				if err := tx.Bucket(bTickets).Delete([]byte(it.HandoffID)); err != nil {
					return err
				}
			}
		}
		if it.Kind == flows.OutboxOpen && it.HandoffID != "" && was != it.Status {
			if err := s.cascade(tx, &it, &released); err != nil {
				return err
			}
		}
		if it.Status == flows.OutboxDelivered && was != flows.OutboxDelivered {
			return s.dropDelivered(tx)
		}
		return nil
	})
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	if err != nil {
		if wasHeld {
			s.leases[in.ID] = held
		} else {
			delete(s.leases, in.ID)
		}
		return err
	}
	for _, id := range released {
		delete(s.leases, id)
	}
	if delivered {
		delete(s.claims, in.ID) // claimed no more: any holder's settle is refused
	}
	return nil
}

// rewrite stores it at k, moving it between the status indexes.
func (s *Store) rewrite(tx *bbolt.Tx, k []byte, was flows.OutboxStatus, it flows.OutboxItem) error {
	b, err := json.Marshal(it)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bOutbox).Put(k, b); err != nil {
		return err
	}
	if was != it.Status {
		if err := countReply(tx, &it, was); err != nil {
			return err
		}
		if err := indexPending(tx, &it, was); err != nil {
			return err
		}
		if err := tx.Bucket(statusBucket(was)).Delete(k); err != nil {
			return err
		}
		if err := tx.Bucket(statusBucket(it.Status)).Put(k, nil); err != nil {
			return err
		}
		if it.Status == flows.OutboxDelivered || was == flows.OutboxDelivered {
			d := 1
			if was == flows.OutboxDelivered {
				d = -1
			}
			meta := tx.Bucket(bMeta)
			n, _ := binary.Uvarint(meta.Get(keyDelivered))
			return meta.Put(keyDelivered, binary.AppendUvarint(nil, uint64(max(0, int(n)+d))))
		}
	}
	return nil
}

// cascade carries an open's death to its handoff's pending items and its
// revival to the dead ones.
func (s *Store) cascade(tx *bbolt.Tx, open *flows.OutboxItem, released *[]string) error {
	from, to := bPending, flows.OutboxDead
	if open.Status == flows.OutboxPending {
		from, to = bDead, flows.OutboxPending
	} else if open.Status != flows.OutboxDead {
		return nil
	}
	var keys [][]byte
	var items []flows.OutboxItem
	c := tx.Bucket(from).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		it, err := getItem(tx, k)
		if err != nil {
			return err
		}
		if it.HandoffID == open.HandoffID && it.ID != open.ID {
			keys = append(keys, append([]byte(nil), k...))
			items = append(items, it)
		}
	}
	for i, it := range items {
		was := it.Status
		it.Status = to
		if to == flows.OutboxDead {
			it.LastError = flows.DeadOpenError(open)
		} else {
			it.Attempts, it.LastError, it.NextAt = 0, "", open.NextAt
		}
		if err := s.rewrite(tx, keys[i], was, it); err != nil {
			return err
		}
		*released = append(*released, it.ID)
	}
	return nil
}

// dropDelivered forgets the oldest delivered items beyond keepDelivered.
func (s *Store) dropDelivered(tx *bbolt.Tx) error {
	n, _ := binary.Uvarint(tx.Bucket(bMeta).Get(keyDelivered))
	extra := int(n) - s.keepDelivered
	if extra <= 0 {
		return nil
	}
	var keys [][]byte
	c := tx.Bucket(bDelivered).Cursor()
	for k, _ := c.First(); k != nil && len(keys) < extra; k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	return s.forget(tx, keys, flows.OutboxDelivered)
}

// forget deletes the items at keys, all of status st.
func (s *Store) forget(tx *bbolt.Tx, keys [][]byte, st flows.OutboxStatus) error {
	for _, k := range keys {
		it, err := getItem(tx, k)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bOutboxIDs).Delete([]byte(it.ID)); err != nil {
			return err
		}
		if err := tx.Bucket(bOutbox).Delete(k); err != nil {
			return err
		}
		if err := tx.Bucket(statusBucket(st)).Delete(k); err != nil {
			return err
		}
	}
	if st == flows.OutboxDelivered && len(keys) > 0 {
		meta := tx.Bucket(bMeta)
		n, _ := binary.Uvarint(meta.Get(keyDelivered))
		return meta.Put(keyDelivered, binary.AppendUvarint(nil, uint64(max(0, int(n)-len(keys)))))
	}
	return nil
}

// dropOldItems forgets delivered items older than keepFor, dead items
// older than the TTL and tickets of handoffs whose conversation was not
// saved for the TTL.
func (s *Store) dropOldItems(tx *bbolt.Tx, now time.Time) error {
	for _, st := range []flows.OutboxStatus{flows.OutboxDelivered, flows.OutboxDead} {
		var keys [][]byte
		c := tx.Bucket(statusBucket(st)).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			it, err := getItem(tx, k)
			if err != nil {
				return err
			}
			if (st == flows.OutboxDelivered && now.Sub(it.NextAt) >= s.keepFor) || (st == flows.OutboxDead && s.expired(it.CreatedAt, now)) {
				keys = append(keys, append([]byte(nil), k...))
			}
		}
		if err := s.forget(tx, keys, st); err != nil {
			return err
		}
	}
	if s.ttl <= 0 {
		return nil
	}
	tb := tx.Bucket(bTickets)
	var old [][]byte
	_ = tb.ForEach(func(k, v []byte) error {
		if s.expired(timeOf(v), now) {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range old {
		if err := tb.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// List returns the items with status (every item when empty, none when
// unknown), oldest first.
func (s *Store) List(ctx context.Context, status flows.OutboxStatus) ([]flows.OutboxItem, error) {
	return s.ListKinds(ctx, status, nil)
}

// ListKinds is List for the items of kinds (every kind when nil).
func (s *Store) ListKinds(ctx context.Context, status flows.OutboxStatus, kinds []flows.OutboxKind) ([]flows.OutboxItem, error) {
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	switch status {
	case "", flows.OutboxPending, flows.OutboxDelivered, flows.OutboxDead:
	default:
		return nil, nil // no item has an unknown status (statusBucket would say pending)
	}
	var out []flows.OutboxItem
	err := s.view(func(tx *bbolt.Tx) error {
		src := bOutbox
		if status != "" {
			src = statusBucket(status)
		}
		c := tx.Bucket(src).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			it, err := getItem(tx, k)
			if err != nil {
				return err
			}
			if kinds == nil || slices.Contains(kinds, it.Kind) {
				out = append(out, it)
			}
		}
		return nil
	})
	s.leaseMu.Lock()
	for i := range out {
		out[i].LeaseID = s.claims[out[i].ID]
	}
	s.leaseMu.Unlock()
	return out, err
}

// OutboxOf returns the outbox of kinds (every kind when none is given).
func (s *Store) OutboxOf(kinds ...flows.OutboxKind) flows.Outbox {
	if len(kinds) == 0 {
		return s
	}
	return store.OutboxOf(s, kinds...)
}

// DropOutbox forgets the outbox items of the conversations drop picks,
// whatever their status, with their handoffs' tickets, and returns how
// many it forgot. It is for a tool that ran conversations of its own on
// a store (baton load): their handoffs are not work for a deployment on
// the same file. A deployment never drops a handoff.
func (s *Store) DropOutbox(ctx context.Context, drop func(conv string) bool) (int, error) {
	if err := s.live(ctx); err != nil {
		return 0, err
	}
	var dropped []string
	err := s.update(func(tx *bbolt.Tx) error {
		dropped = dropped[:0]
		byStatus := map[flows.OutboxStatus][][]byte{}
		c := tx.Bucket(bOutbox).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			it, err := getItem(tx, k)
			if err != nil {
				return err
			}
			if !drop(it.ConversationID) {
				continue
			}
			byStatus[it.Status] = append(byStatus[it.Status], append([]byte(nil), k...))
			dropped = append(dropped, it.ID)
			if it.Status == flows.OutboxPending {
				gone := it
				gone.Status = flows.OutboxDead // a pending reply no longer counts
				if err := countReply(tx, &gone, flows.OutboxPending); err != nil {
					return err
				}
				if err := indexPending(tx, &gone, flows.OutboxPending); err != nil {
					return err
				}
			}
			if it.HandoffID != "" {
				if err := tx.Bucket(bTickets).Delete([]byte(it.HandoffID)); err != nil {
					return err
				}
			}
		}
		for st, keys := range byStatus {
			if err := s.forget(tx, keys, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.leaseMu.Lock()
	for _, id := range dropped {
		delete(s.leases, id)
		delete(s.claims, id)
	}
	s.leaseMu.Unlock()
	return len(dropped), nil
}
