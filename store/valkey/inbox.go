package valkey

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
)

// Accept stores in durably, deduplicated on in.ID within the dedupe window
// (see flows.Inbox): one script on the conversation's node.
func (s *Store) Accept(ctx context.Context, in flows.Inbound) (_ bool, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return false, err
	}
	if in.ID == "" || in.ConversationID == "" {
		return false, errors.New("valkey store: an inbound message needs an ID and a ConversationID")
	}
	if s.untagged(in.ConversationID) {
		return false, errUntagged(in.ConversationID)
	}
	now := s.now()
	e := flows.InboxEntry{ID: in.ID, Inbound: in, AcceptedAt: now}
	blob, err := encodeEntry(&e)
	if err != nil {
		return false, fmt.Errorf("valkey store: encoding inbound message %q: %w", in.ID, err)
	}
	conv := in.ConversationID
	args := []string{conv, ms(now), msDur(s.ttl), in.ID, valkey.BinaryString(blob), ms(now.Add(in.DedupeWindow(s.dedupe)))}
	reply, err := s.sc.accept.exec(ctx, s.c, s.convKeys(conv), args).AsStrSlice()
	if err != nil {
		return false, fmt.Errorf("valkey store: accepting inbound message %q: %w", in.ID, err)
	}
	head, _, err := s.finished(ctx, conv, reply, 1)
	if head == nil {
		return false, err
	}
	// A failed publish does not lose the message: it is stored, and the
	// sweep publishes the conversation's state.
	return head[0] == "NEW", nil
}

// Claim leases up to max inbox entries, the oldest unconsumed one of each
// conversation whose oldest is not leased (see flows.Inbox).
func (s *Inbox) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.InboxEntry, error) {
	return s.s.claimInbox(ctx, now, lease, max)
}

// Inbox is the store's flows.Inbox (its Claim would clash with the
// outbox's on Store itself).
type Inbox struct{ s *Store }

// Accept is Store.Accept.
func (s *Inbox) Accept(ctx context.Context, in flows.Inbound) (bool, error) {
	return s.s.Accept(ctx, in)
}

// Defer moves the lease of e, still under the claim that returned it, to
// until and takes back that claim's attempt (see flows.InboxDeferrer):
// one script on the conversation's node.
func (s *Inbox) Defer(ctx context.Context, e flows.InboxEntry, until time.Time) (err error) {
	st := s.s
	defer st.underWay(&err)
	if err := st.live(ctx); err != nil {
		return err
	}
	conv := e.Inbound.ConversationID
	if conv == "" || st.untagged(conv) {
		return nil // no such entry can be stored
	}
	args := []string{conv, e.ID, strconv.Itoa(e.Attempts), ms(until)}
	reply, err := st.sc.inboxDefer.exec(ctx, st.c, st.convKeys(conv), args).AsStrSlice()
	if err != nil {
		return fmt.Errorf("valkey store: deferring inbox entry %q: %w", e.ID, err)
	}
	_, _, err = st.finished(ctx, conv, reply, 1)
	return err
}

var _ flows.InboxDeferrer = (*Inbox)(nil)

var _ flows.Inbox = (*Inbox)(nil)

// Inbox returns the store's inbox.
func (s *Store) Inbox() flows.Inbox { return &Inbox{s: s} }

func (s *Store) claimInbox(ctx context.Context, now time.Time, lease time.Duration, max int) (_ []flows.InboxEntry, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	// Ask more conversations than max: others may claim some meanwhile,
	// and the oldest entries are wanted.
	convs, err := s.dueConversations(ctx, []string{"ii"}, now, 2*max+2)
	if err != nil {
		return nil, fmt.Errorf("valkey store: claiming inbox entries: %w", err)
	}
	if len(convs) == 0 {
		return nil, nil
	}
	execs := make([]valkey.LuaExec, len(convs))
	until := ms(now.Add(lease))
	for i, c := range convs {
		execs[i] = valkey.LuaExec{Keys: s.convKeys(c), Args: []string{c, ms(now), until, msDur(s.ttl)}}
	}
	var out []claimedEntry
	var firstErr error
	var pub pubBatch
	defer func() { _ = s.flush(ctx, &pub) }()
	for i, r := range s.sc.inboxClaim.execMulti(ctx, s.c, execs) {
		reply, err := r.AsStrSlice()
		if err != nil {
			firstErr = cmp(firstErr, fmt.Errorf("valkey store: claiming the inbox of %q: %w", convs[i], err))
			continue
		}
		_, rest, err := s.take(convs[i], reply, 1, &pub)
		if err != nil {
			firstErr = cmp(firstErr, err)
			continue
		}
		if len(rest) < 4 {
			continue
		}
		var e flows.InboxEntry
		if err := decodeEntry([]byte(rest[1]), &e); err != nil {
			firstErr = cmp(firstErr, fmt.Errorf("valkey store: inbox entry %q: %w", rest[0], err))
			continue
		}
		e.Attempts, _ = strconv.Atoi(rest[2])
		out = append(out, claimedEntry{e, rest[3]})
	}
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	slices.SortStableFunc(out, func(a, b claimedEntry) int {
		if c := a.e.AcceptedAt.Compare(b.e.AcceptedAt); c != 0 {
			return c
		}
		return strings.Compare(a.e.Inbound.ConversationID, b.e.Inbound.ConversationID)
	})
	if len(out) > max {
		// Give back the leases of the newest: they were not asked for.
		extra := make([]valkey.LuaExec, 0, len(out)-max)
		for _, c := range out[max:] {
			conv := c.e.Inbound.ConversationID
			extra = append(extra, valkey.LuaExec{Keys: s.convKeys(conv), Args: []string{conv, c.e.ID, until, c.before}})
		}
		for i, r := range s.sc.inboxUnclaim.execMulti(ctx, s.c, extra) {
			if reply, err := r.AsStrSlice(); err == nil {
				_, _, _ = s.take(extra[i].Args[0], reply, 1, &pub)
			}
		}
		out = out[:max]
	}
	entries := make([]flows.InboxEntry, len(out))
	for i, c := range out {
		entries[i] = c.e
	}
	return entries, nil
}

// claimedEntry is a claimed inbox entry and its meta before the claim.
type claimedEntry struct {
	e      flows.InboxEntry
	before string
}
