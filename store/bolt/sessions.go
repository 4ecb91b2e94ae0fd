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
	"github.com/batonbot/baton/store"
)

// A session's value: when it was saved, its revision, its encoding.
const sessionHeader = 16

// Load returns the session id, or an error wrapping flows.ErrNoSession.
func (s *Store) Load(ctx context.Context, id string) (*flows.Session, error) {
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	var out *flows.Session
	err := s.view(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bSessions).Get([]byte(id))
		if len(v) < sessionHeader || s.expired(timeOf(v), now) {
			return store.NoSession(id)
		}
		sess, err := store.DecodeSession(v[sessionHeader:])
		if err != nil {
			return fmt.Errorf("bolt store %s: session %q: %w", s.path, id, err)
		}
		out = sess
		return nil
	})
	return out, err
}

// Save writes s and c in one transaction (see flows.SessionStore).
func (s *Store) Save(ctx context.Context, sess *flows.Session, c flows.Commit) error {
	if sess == nil || sess.ID == "" {
		return errors.New("bolt store: cannot save a session without an id")
	}
	if err := store.CheckCommit(sess.ID, c); err != nil {
		return err
	}
	if err := s.live(ctx); err != nil {
		return err
	}
	now := s.now()
	id := []byte(sess.ID)
	rev := sess.Rev + 1
	enc := make([]byte, sessionHeader, 512)
	binary.BigEndian.PutUint64(enc, uint64(now.UnixNano()))
	binary.BigEndian.PutUint64(enc[8:], uint64(rev))
	saved := *sess
	saved.Rev = rev
	enc, err := store.EncodeForSave(enc, sess.ID, &saved) // refuses variables nested too deep
	if err != nil {
		return err
	}
	var claimed []flows.OutboxItem
	more := false
	err = s.update(func(tx *bbolt.Tx) error {
		claimed, more = claimed[:0], false
		ids := tx.Bucket(bInboxIDs)
		for _, d := range c.Done {
			if ids.Get([]byte(d)) == nil {
				return fmt.Errorf("bolt store: inbox entry %q of session %q: %w", d, sess.ID, flows.ErrConsumed)
			}
		}
		sb := tx.Bucket(bSessions)
		var cur int64
		old := sb.Get(id)
		if len(old) >= sessionHeader {
			if s.expired(timeOf(old), now) {
				if err := s.deleteConversation(tx, sess.ID, false); err != nil {
					return err
				}
				old = nil
			} else {
				cur = int64(binary.BigEndian.Uint64(old[8:]))
			}
		}
		if sess.Rev != cur {
			return fmt.Errorf("session %q is at revision %d, the turn started from %d: %w", sess.ID, cur, sess.Rev, flows.ErrConflict)
		}
		tb := tx.Bucket(bTouched)
		if old != nil {
			if err := tb.Delete(append(old[:8:8], id...)); err != nil {
				return err
			}
		}
		if err := tb.Put(append(enc[:8:8], id...), nil); err != nil {
			return err
		}
		if err := sb.Put(id, enc); err != nil {
			return err
		}
		if sess.Handoff != nil {
			// The handoff's ticket lives as long as its conversation: the
			// sweep forgets tickets untouched for the TTL.
			tb := tx.Bucket(bTickets)
			if t := tb.Get([]byte(sess.Handoff.ID)); len(t) >= 8 {
				if err := tb.Put([]byte(sess.Handoff.ID), append(at8(now), t[8:]...)); err != nil {
					return err
				}
			}
		}
		lease := c.Claim != nil && tx.Bucket(bReplies).Get(id) == nil
		for _, it := range c.Outbox {
			it = store.FillItem(it, sess.ID, now)
			added, err := s.putItem(tx, it)
			if err != nil {
				return err
			}
			if added && lease && store.Leasable(&it, sess.ID) {
				claimed = append(claimed, it)
			}
		}
		// Leased before the transaction commits: a Claim that sees the
		// items sees their lease.
		s.lease(claimed, c.Claim)
		for agent, d := range c.Loads {
			if err := addLoad(tx, agent, d); err != nil {
				return err
			}
			if err := hold(tx, sess.ID, agent, d); err != nil {
				return err
			}
		}
		for _, t := range c.Timers {
			if err := setTimer(tx, sess.ID, t.Key, t.At); err != nil {
				return err
			}
		}
		for _, d := range c.Done {
			if err := s.consume(tx, d); err != nil {
				return err
			}
		}
		if c.Left != nil {
			var err error
			if more, err = hasEntries(tx, sess.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.lease(claimed, nil)
		return err
	}
	if c.Claim != nil {
		c.Claim.Items = claimed
	}
	if c.Left != nil {
		c.Left.More = more
	}
	if len(c.Done) > 0 {
		s.mu.Lock()
		for _, d := range c.Done {
			delete(s.inboxLeases, d)
		}
		s.mu.Unlock()
	}
	sess.Rev = rev
	s.maybeSweep(now)
	return nil
}

// Delete forgets the conversation id: its session, timers and inbox
// entries.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := s.live(ctx); err != nil {
		return err
	}
	return s.update(func(tx *bbolt.Tx) error { return s.deleteConversation(tx, id, true) })
}

// deleteConversation deletes conversation id's session and timers, and
// with inbox its inbox entries too (Delete). A conversation idle past the
// TTL keeps them: a customer writing again after the TTL has a message
// accepted moments ago (entries go when consumed, or once older than the
// TTL themselves).
func (s *Store) deleteConversation(tx *bbolt.Tx, id string, inbox bool) error {
	sb := tx.Bucket(bSessions)
	if old := sb.Get([]byte(id)); len(old) >= 8 {
		if err := tx.Bucket(bTouched).Delete(append(old[:8:8], id...)); err != nil {
			return err
		}
		if err := sb.Delete([]byte(id)); err != nil {
			return err
		}
	}
	// Timers: conv \0 key.
	prefix := append([]byte(id), 0)
	if err := release(tx, prefix); err != nil {
		return err
	}
	tk := tx.Bucket(bTimerKeys)
	var keys [][]byte
	c := tk.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		keys = append(keys, append(append([]byte(nil), v...), k...))
	}
	for _, atk := range keys {
		if err := tx.Bucket(bTimers).Delete(atk); err != nil {
			return err
		}
		if err := tk.Delete(atk[8:]); err != nil {
			return err
		}
	}
	if !inbox {
		return nil
	}
	var seqs [][]byte
	ib := tx.Bucket(bInbox)
	ic := ib.Cursor()
	for k, v := ic.First(); k != nil; k, v = ic.Next() {
		var e flows.InboxEntry
		if json.Unmarshal(v, &e) == nil && e.Inbound.ConversationID == id {
			seqs = append(seqs, append([]byte(nil), k...))
			if err := tx.Bucket(bInboxIDs).Delete([]byte(e.ID)); err != nil {
				return err
			}
		}
	}
	for _, k := range seqs {
		if err := ib.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// sweepEvery bounds how often saves look for expired data.
const sweepEvery = time.Minute

func (s *Store) maybeSweep(now time.Time) {
	s.sweepMu.Lock()
	due := now.Sub(s.lastSweep) >= min(sweepEvery, max(s.ttl/64, time.Second))
	if due {
		s.lastSweep = now
	}
	s.sweepMu.Unlock()
	if due {
		_, _ = s.sweep(now)
	}
}

// Sweep deletes what expired: conversations untouched for the TTL (with
// their timers), inbox entries older than the TTL, dedupe
// keys past their window, delivered items past their retention and dead
// ones older than the TTL. Saves and Due (the host's poll) sweep now and
// then; hosts may call it on a timer. It returns the conversations deleted.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	if err := s.live(ctx); err != nil {
		return 0, err
	}
	return s.sweep(s.now())
}

func (s *Store) sweep(now time.Time) (int, error) {
	n := 0
	err := s.update(func(tx *bbolt.Tx) error {
		n = 0
		if s.ttl > 0 {
			cutoff := at8(now.Add(-s.ttl))
			var ids []string
			c := tx.Bucket(bTouched).Cursor()
			for k, _ := c.First(); k != nil && bytes.Compare(k[:8], cutoff) <= 0; k, _ = c.Next() {
				ids = append(ids, string(k[8:]))
			}
			for _, id := range ids {
				if err := s.deleteConversation(tx, id, false); err != nil {
					return err
				}
			}
			n = len(ids)
			if err := s.dropOldEntries(tx, now); err != nil {
				return err
			}
		}
		if err := expire(tx, bDedupeExp, bDedupe, now); err != nil {
			return err
		}
		if err := expire(tx, bInboxSeenX, bInboxSeen, now); err != nil {
			return err
		}
		if err := expireSent(tx, now); err != nil {
			return err
		}
		return s.dropOldItems(tx, now)
	})
	// An ended lease says no more than none: forget them, or the leases of
	// entries dropped or deleted unclaimed would be kept for ever.
	s.mu.Lock()
	for id, until := range s.inboxLeases {
		if !until.After(now) {
			delete(s.inboxLeases, id)
		}
	}
	s.mu.Unlock()
	return n, err
}

// expire deletes the keys of data whose until(8)+key index entries in
// index are past now.
func expire(tx *bbolt.Tx, index, data []byte, now time.Time) error {
	ib, db := tx.Bucket(index), tx.Bucket(data)
	var gone [][]byte
	c := ib.Cursor()
	limit := at8(now)
	for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) <= 0; k, _ = c.Next() {
		gone = append(gone, append([]byte(nil), k...))
	}
	for _, k := range gone {
		if until := db.Get(k[8:]); until != nil && bytes.Equal(until, k[:8]) {
			if err := db.Delete(k[8:]); err != nil {
				return err
			}
		}
		if err := ib.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Sessions returns how many conversations the store holds (expired ones
// not yet swept included).
func (s *Store) Sessions(ctx context.Context) (int, error) {
	if err := s.live(ctx); err != nil {
		return 0, err
	}
	n := 0
	err := s.view(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bSessions).Stats().KeyN
		return nil
	})
	return n, err
}
