package valkey

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
)

// Load returns the session id (its transcript read from its list), or an
// error wrapping flows.ErrNoSession. One round trip.
func (s *Store) Load(ctx context.Context, id string) (_ *flows.Session, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	res := s.c.DoMulti(ctx,
		s.c.B().Hmget().Key(s.convKey(id, "s")).Field("r", "b", "u").Build(),
		s.c.B().Lrange().Key(s.convKey(id, "tr")).Start(0).Stop(-1).Build())
	vals, err := res[0].ToArray()
	if err != nil {
		return nil, fmt.Errorf("valkey store: loading session %q: %w", id, err)
	}
	blob, err := vals[1].ToString()
	if valkey.IsValkeyNil(err) {
		return nil, store.NoSession(id)
	}
	if err != nil {
		return nil, fmt.Errorf("valkey store: loading session %q: %w", id, err)
	}
	if s.expired(vals[2]) {
		return nil, store.NoSession(id)
	}
	rev, err := vals[0].AsInt64()
	if err != nil {
		return nil, fmt.Errorf("valkey store: session %q has no revision: %w", id, err)
	}
	msgs, err := res[1].AsStrSlice()
	if err != nil {
		return nil, fmt.Errorf("valkey store: loading the transcript of %q: %w", id, err)
	}
	sess, err := decodeSession([]byte(blob))
	if err != nil {
		return nil, fmt.Errorf("valkey store: session %q: %w", id, err)
	}
	if len(msgs) > 0 {
		sess.Transcript = make([]flows.Message, len(msgs))
		for i, m := range msgs {
			if err := decodeMessage([]byte(m), &sess.Transcript[i]); err != nil {
				return nil, fmt.Errorf("valkey store: message %d of the transcript of %q: %w", i, id, err)
			}
		}
	}
	sess.ID = id
	sess.Rev = rev
	s.tr.remember(id, rev, sess.Transcript)
	return sess, nil
}

// expired reports whether a session saved at u (Unix ms) is past the TTL
// by the store's clock.
func (s *Store) expired(u valkey.ValkeyMessage) bool {
	if s.ttl <= 0 {
		return false
	}
	v, err := u.AsInt64()
	if err != nil {
		return false
	}
	return s.now().UnixMilli()-v >= s.ttl.Milliseconds()
}

// Save writes s and c in one script: the compare-and-set on s.Rev, the
// session blob, the transcript's new messages, outbox items, load changes,
// timers and inbox acknowledgements (see flows.SessionStore). One round
// trip on a single server; on a cluster a second publishes the
// conversation's state to the shared indexes.
func (s *Store) Save(ctx context.Context, sess *flows.Session, c flows.Commit) (err error) {
	defer s.underWay(&err)
	if sess == nil || sess.ID == "" {
		return errors.New("valkey store: cannot save a session without an id")
	}
	if err := s.live(ctx); err != nil {
		return err
	}
	id := sess.ID
	if s.untagged(id) {
		return errUntagged(id)
	}
	if err := store.CheckCommit(id, c); err != nil {
		return err
	}
	blob, err := encodeSession(sess) // refuses variables nested too deep
	if err != nil {
		return err
	}
	now := s.now()
	keep, fresh := s.tr.delta(id, sess.Rev, sess.Transcript)

	claimUntil := "0"
	if c.Claim != nil {
		claimUntil = ms(c.Claim.Until)
	}
	args := make([]string, 0, 13+len(fresh)+3*len(c.Outbox)+2*len(c.Loads)+2*len(c.Timers)+len(c.Done))
	args = append(args, id, ms(now), msDur(s.ttl), strconv.FormatInt(sess.Rev, 10), valkey.BinaryString(blob),
		strconv.Itoa(keep), strconv.Itoa(len(sess.Transcript)), claimUntil, strconv.Itoa(len(fresh)))
	for i := range fresh {
		args = append(args, valkey.BinaryString(encodeMessage(&fresh[i])))
	}
	args = append(args, strconv.Itoa(len(c.Outbox)))
	for _, it := range c.Outbox {
		if it.ID == "" {
			return fmt.Errorf("valkey store: outbox item of kind %q for session %q has no id", it.Kind, id)
		}
		it = store.FillItem(it, id, now)
		b, err := encodeItem(&it)
		if err != nil {
			return fmt.Errorf("valkey store: encoding outbox item %q: %w", it.ID, err)
		}
		args = append(args, it.ID, itemMeta(it), valkey.BinaryString(b))
	}
	args = append(args, strconv.Itoa(len(c.Loads)))
	for agent, d := range c.Loads {
		args = append(args, agent, strconv.Itoa(d))
	}
	args = append(args, strconv.Itoa(len(c.Timers)))
	for _, t := range c.Timers {
		args = append(args, t.Key, ms(t.At))
	}
	args = append(args, strconv.Itoa(len(c.Done)))
	args = append(args, c.Done...)

	reply, err := s.sc.commit.exec(ctx, s.c, s.convKeys(id), args).AsStrSlice()
	if err != nil {
		return fmt.Errorf("valkey store: saving session %q: %w", id, err)
	}
	if len(reply) >= 2 {
		switch reply[0] {
		case "CONFLICT":
			return fmt.Errorf("session %q is at revision %s, the turn started from %d: %w", id, reply[1], sess.Rev, flows.ErrConflict)
		case "CONSUMED":
			return fmt.Errorf("valkey store: inbox entry %q of session %q: %w", reply[1], id, flows.ErrConsumed)
		}
	}
	// A failed publish (err below) is not a failed save: the write
	// happened, and the sweep publishes what a lost step left behind.
	head, leased, _ := s.finished(ctx, id, reply, 2)
	if head == nil || head[0] != "OK" {
		return fmt.Errorf("valkey store: saving session %q: %w", id, errNoReply)
	}
	rev, perr := strconv.ParseInt(head[1], 10, 64)
	if perr != nil {
		return fmt.Errorf("valkey store: saving session %q: %w", id, errNoReply)
	}
	if c.Claim != nil {
		c.Claim.Items = claimedItems(c.Outbox, leased, id, now)
	}
	if c.Left != nil {
		// The state after the save (finished checked its length): when
		// the inbox's head is due, "" without one.
		c.Left.More = reply[2+stateInboxDue] != ""
	}
	sess.Rev = rev
	s.tr.remember(id, rev, sess.Transcript)
	return nil
}

// Delete forgets the conversation id: its session, transcript, timers and
// inbox entries. Its outbox items stay until delivered and expire with
// the conversation's keys; the message ids its inbox accepted stay for
// their dedupe window, as in the other stores.
func (s *Store) Delete(ctx context.Context, id string) (err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return err
	}
	if s.untagged(id) {
		return nil // never saved
	}
	reply, err := s.sc.del.exec(ctx, s.c, s.convKeys(id), []string{id, msDur(s.ttl)}).AsStrSlice()
	if err != nil {
		return fmt.Errorf("valkey store: deleting session %q: %w", id, err)
	}
	s.tr.forget(id)
	_, _, err = s.finished(ctx, id, reply, 1)
	return err
}

// claimedItems returns the items of out the commit script leased (ids, in
// the order it wrote them), filled as stored.
func claimedItems(out []flows.OutboxItem, ids []string, conv string, now time.Time) []flows.OutboxItem {
	if len(ids) == 0 {
		return nil
	}
	items := make([]flows.OutboxItem, 0, len(ids))
	for _, it := range out {
		if len(items) < len(ids) && it.ID == ids[len(items)] {
			it = store.FillItem(it, conv, now)
			it.LeaseID = 1 // a new item's first claim (commitLua)
			items = append(items, it)
		}
	}
	return items
}
