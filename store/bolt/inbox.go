package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/batonbot/baton/flows"
)

// Inbox returns the store's inbox.
func (s *Store) Inbox() flows.Inbox { return inboxView{s} }

type inboxView struct{ s *Store }

// Accept stores in unless its id was accepted within the dedupe window.
func (v inboxView) Accept(ctx context.Context, in flows.Inbound) (bool, error) {
	if err := v.s.live(ctx); err != nil {
		return false, err
	}
	if in.ID == "" || in.ConversationID == "" {
		return false, errors.New("bolt store: an inbound message needs an ID and a ConversationID to be accepted")
	}
	s := v.s
	now := s.now()
	e := flows.InboxEntry{ID: in.ID, Inbound: in, AcceptedAt: now}
	b, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("bolt store: inbound message %s: %w", in.ID, err)
	}
	id := []byte(in.ID)
	accepted := false
	err = s.update(func(tx *bbolt.Tx) error {
		accepted = false
		seen, ids := tx.Bucket(bInboxSeen), tx.Bucket(bInboxIDs)
		if until := seen.Get(id); (until != nil && timeOf(until).After(now)) || ids.Get(id) != nil {
			return nil
		}
		ib := tx.Bucket(bInbox)
		seq, err := ib.NextSequence()
		if err != nil {
			return err
		}
		if err := ib.Put(u64(seq), b); err != nil {
			return err
		}
		if err := ids.Put(id, u64(seq)); err != nil {
			return err
		}
		until := at8(now.Add(in.DedupeWindow(s.inboxDedupe)))
		if err := seen.Put(id, until); err != nil {
			return err
		}
		accepted = true
		return tx.Bucket(bInboxSeenX).Put(append(until, id...), nil)
	})
	return accepted, err
}

// Claim leases the oldest entry of each conversation whose oldest entry is
// not leased, oldest first, up to max.
func (v inboxView) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.InboxEntry, error) {
	if err := v.s.live(ctx); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	if lease <= 0 {
		return nil, fmt.Errorf("bolt store: claiming inbox entries needs a positive lease, got %s", lease)
	}
	s := v.s
	clock := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []flows.InboxEntry
	var updates []claimed
	scan := func(tx *bbolt.Tx) (err error) {
		out, updates, err = s.claimable(tx, now, clock, max)
		return err
	}
	// Most polls find nothing to claim: they read, and only a claim
	// writes (a bbolt write syncs the file, empty or not).
	err := s.view(scan)
	if err == nil && len(out) > 0 {
		err = s.update(func(tx *bbolt.Tx) error {
			if err := scan(tx); err != nil {
				return err
			}
			ib := tx.Bucket(bInbox)
			for _, u := range updates {
				if err := ib.Put(u.k, u.v); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		s.inboxLeases[e.ID] = now.Add(lease)
	}
	return out, nil
}

// Defer moves the lease of e, still under the claim that returned it, to
// until and takes back that claim's attempt (see flows.InboxDeferrer).
func (v inboxView) Defer(ctx context.Context, e flows.InboxEntry, until time.Time) error {
	if err := v.s.live(ctx); err != nil {
		return err
	}
	s := v.s
	s.mu.Lock() // Claim's: no claim runs between the check and the lease
	defer s.mu.Unlock()
	deferred := false
	err := s.update(func(tx *bbolt.Tx) error {
		deferred = false
		k := tx.Bucket(bInboxIDs).Get([]byte(e.ID))
		if k == nil {
			return nil // consumed, or unknown
		}
		ib := tx.Bucket(bInbox)
		var cur flows.InboxEntry
		if err := json.Unmarshal(ib.Get(k), &cur); err != nil {
			return fmt.Errorf("bolt store: inbox entry %d: %w", binary.BigEndian.Uint64(k), err)
		}
		if cur.Attempts != e.Attempts || cur.Attempts <= 0 {
			return nil // claimed again since
		}
		cur.Attempts--
		b, err := json.Marshal(cur)
		if err != nil {
			return err
		}
		deferred = true
		return ib.Put(append([]byte(nil), k...), b)
	})
	if err == nil && deferred {
		s.inboxLeases[e.ID] = until
	}
	return err
}

var _ flows.InboxDeferrer = inboxView{}

// claimed is an inbox entry's key and its value with one more attempt.
type claimed struct{ k, v []byte }

// claimable returns the entries Claim takes in tx: the oldest of each
// conversation whose oldest entry is not leased, oldest first, up to max;
// entries older than the TTL are passed over. s.mu is held.
func (s *Store) claimable(tx *bbolt.Tx, now, clock time.Time, max int) ([]flows.InboxEntry, []claimed, error) {
	var out []flows.InboxEntry
	var updates []claimed
	seen := map[string]bool{}
	c := tx.Bucket(bInbox).Cursor()
	for k, val := c.First(); k != nil && len(out) < max; k, val = c.Next() {
		var e flows.InboxEntry
		if err := json.Unmarshal(val, &e); err != nil {
			return nil, nil, fmt.Errorf("bolt store: inbox entry %d: %w", binary.BigEndian.Uint64(k), err)
		}
		conv := e.Inbound.ConversationID
		if seen[conv] {
			continue
		}
		if s.inboxLeases[e.ID].After(now) {
			seen[conv] = true // its turn is under way: the conversation's next ones wait
			continue
		}
		if s.expired(e.AcceptedAt, clock) {
			continue // older than the TTL: as good as swept
		}
		seen[conv] = true
		e.Attempts++
		b, err := json.Marshal(e)
		if err != nil {
			return nil, nil, err
		}
		updates = append(updates, claimed{append([]byte(nil), k...), b})
		out = append(out, e)
	}
	return out, updates, nil
}

// consume removes the inbox entry id (its id stays known for the dedupe
// window). The caller is in an update, and drops the lease after it.
func (s *Store) consume(tx *bbolt.Tx, id string) error {
	ids := tx.Bucket(bInboxIDs)
	k := ids.Get([]byte(id))
	if k == nil {
		return nil
	}
	if err := tx.Bucket(bInbox).Delete(append([]byte(nil), k...)); err != nil {
		return err
	}
	return ids.Delete([]byte(id))
}

// hasEntries reports whether conversation conv has an inbox entry. It
// reads the whole inbox: one process holds a bolt file, and its host
// counts the messages it accepted instead of asking.
func hasEntries(tx *bbolt.Tx, conv string) (bool, error) {
	var e struct {
		Inbound struct {
			ConversationID string `json:"conversation_id"`
		} `json:"inbound"`
	}
	c := tx.Bucket(bInbox).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		e.Inbound.ConversationID = ""
		if err := json.Unmarshal(v, &e); err != nil {
			return false, fmt.Errorf("bolt store: inbox entry %d: %w", binary.BigEndian.Uint64(k), err)
		}
		if e.Inbound.ConversationID == conv {
			return true, nil
		}
	}
	return false, nil
}

// dropOldEntries deletes inbox entries older than the TTL.
func (s *Store) dropOldEntries(tx *bbolt.Tx, now time.Time) error {
	ib := tx.Bucket(bInbox)
	var gone [][]byte
	var ids []string
	c := ib.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e flows.InboxEntry
		if json.Unmarshal(v, &e) != nil || s.expired(e.AcceptedAt, now) {
			gone = append(gone, append([]byte(nil), k...))
			ids = append(ids, e.ID)
		}
	}
	for i, k := range gone {
		if err := ib.Delete(k); err != nil {
			return err
		}
		if err := tx.Bucket(bInboxIDs).Delete([]byte(ids[i])); err != nil {
			return err
		}
	}
	return nil
}

// Seen records key and reports whether it was recorded within ttl.
func (s *Store) Seen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := s.live(ctx); err != nil {
		return false, err
	}
	if key == "" {
		return false, errors.New("bolt store: a dedupe key cannot be empty")
	}
	now := s.now()
	k := []byte(key)
	var was bool
	err := s.update(func(tx *bbolt.Tx) error {
		was = false
		db := tx.Bucket(bDedupe)
		if until := db.Get(k); until != nil && timeOf(until).After(now) {
			was = true
			return nil
		}
		until := at8(now.Add(ttl))
		if err := db.Put(k, until); err != nil {
			return err
		}
		return tx.Bucket(bDedupeExp).Put(append(until, k...), nil)
	})
	return was, err
}

// Loads returns the open handoffs of each of agents.
func (s *Store) Loads(ctx context.Context, agents []string) (map[string]int, error) {
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]int, len(agents))
	err := s.view(func(tx *bbolt.Tx) error {
		lb := tx.Bucket(bLoads)
		for _, a := range agents {
			n, _ := binary.Uvarint(lb.Get([]byte(a)))
			out[a] = int(n)
		}
		return nil
	})
	return out, err
}

// Add changes agent's count by delta; a count never goes below zero.
func (s *Store) Add(ctx context.Context, agent string, delta int) error {
	if err := s.live(ctx); err != nil {
		return err
	}
	if agent == "" {
		return errors.New("bolt store: counting the open handoffs of an agent needs the agent's id")
	}
	return s.update(func(tx *bbolt.Tx) error { return addLoad(tx, agent, delta) })
}

func addLoad(tx *bbolt.Tx, agent string, delta int) error {
	lb := tx.Bucket(bLoads)
	n, _ := binary.Uvarint(lb.Get([]byte(agent)))
	if m := int(n) + delta; m > 0 {
		return lb.Put([]byte(agent), binary.AppendUvarint(nil, uint64(m)))
	}
	return lb.Delete([]byte(agent))
}

// hold records that conversation conv's save changed agent's count by
// delta (what it holds never goes below zero).
func hold(tx *bbolt.Tx, conv, agent string, delta int) error {
	hb, k := tx.Bucket(bHeld), append(append([]byte(conv), 0), agent...)
	n, _ := binary.Uvarint(hb.Get(k))
	if m := int(n) + delta; m > 0 {
		return hb.Put(k, binary.AppendUvarint(nil, uint64(m)))
	}
	return hb.Delete(k)
}

// release takes what the conversation whose keys start with prefix
// (conv \0) held off its agents' counts, when the conversation ends: no
// turn of it will. (A conversation last saved by a Baton before this
// bucket holds nothing.)
func release(tx *bbolt.Tx, prefix []byte) error {
	hb := tx.Bucket(bHeld)
	var keys [][]byte
	c := hb.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		n, _ := binary.Uvarint(v)
		if err := addLoad(tx, string(k[len(prefix):]), -int(n)); err != nil {
			return err
		}
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := hb.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// setTimer sets conversation conv's timer key to at; a zero at deletes it.
func setTimer(tx *bbolt.Tx, conv, key string, at time.Time) error {
	tk, tb := tx.Bucket(bTimerKeys), tx.Bucket(bTimers)
	ck := append(append([]byte(conv), 0), key...)
	if old := tk.Get(ck); old != nil {
		if err := tb.Delete(append(append([]byte(nil), old...), ck...)); err != nil {
			return err
		}
	}
	if at.IsZero() {
		return tk.Delete(ck)
	}
	a := at8(at)
	if err := tk.Put(ck, a); err != nil {
		return err
	}
	return tb.Put(append(a, ck...), nil)
}

// Due returns up to max timers due at now, earliest first.
func (s *Store) Due(ctx context.Context, now time.Time, max int) ([]flows.Timer, error) {
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	clock := s.now()
	var out []flows.Timer
	err := s.view(func(tx *bbolt.Tx) error {
		sb := tx.Bucket(bSessions)
		limit := at8(now)
		c := tx.Bucket(bTimers).Cursor()
		for k, _ := c.First(); k != nil && len(out) < max && bytes.Compare(k[:8], limit) <= 0; k, _ = c.Next() {
			conv, key, ok := bytes.Cut(k[8:], []byte{0})
			if !ok {
				continue
			}
			if v := sb.Get(conv); len(v) < 8 || s.expired(timeOf(v), clock) {
				continue // the conversation expired: the sweep deletes it
			}
			out = append(out, flows.Timer{Key: string(key), ConversationID: string(conv), At: timeOf(k)})
		}
		return nil
	})
	if err == nil {
		// The host polls here when nothing is saved: idle conversations
		// leave the file even then.
		s.maybeSweep(clock)
	}
	return out, err
}
