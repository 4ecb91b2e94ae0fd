package valkey

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
)

// Claim leases up to max outbox items due at now (see flows.Outbox):
// one round trip reads the shards' indexes, a second runs the claim
// script of each conversation found, on its node.
func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.OutboxItem, error) {
	return s.claim(ctx, now, lease, max, nil)
}

// OutboxOf returns the outbox whose Claim and List see only kinds (every
// kind when none is given). Replies and handoff items have indexes of
// their own, so a reply worker never polls handoff items and back.
func (s *Store) OutboxOf(kinds ...flows.OutboxKind) flows.Outbox {
	return &kindOutbox{s: s, kinds: slices.Clone(kinds)}
}

type kindOutbox struct {
	s     *Store
	kinds []flows.OutboxKind
}

func (k *kindOutbox) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.OutboxItem, error) {
	return k.s.claim(ctx, now, lease, max, k.kinds)
}

func (k *kindOutbox) Settle(ctx context.Context, item flows.OutboxItem) error {
	return k.s.Settle(ctx, item)
}

func (k *kindOutbox) List(ctx context.Context, status flows.OutboxStatus) ([]flows.OutboxItem, error) {
	return k.s.list(ctx, status, k.kinds)
}

// classes returns the index classes kinds fall in ("r" replies, "h"
// handoff items) and the kinds filter for the claim script.
func classes(kinds []flows.OutboxKind) (string, string) {
	if len(kinds) == 0 {
		return "rh", ""
	}
	var r, h bool
	var b strings.Builder
	b.WriteByte('|')
	for _, k := range kinds {
		if k == flows.OutboxReply {
			r = true
		} else {
			h = true
		}
		b.WriteString(string(k))
		b.WriteByte('|')
	}
	cl := ""
	if r {
		cl += "r"
	}
	if h {
		cl += "h"
	}
	return cl, b.String()
}

func (s *Store) claim(ctx context.Context, now time.Time, lease time.Duration, max int, kinds []flows.OutboxKind) (_ []flows.OutboxItem, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	cl, kf := classes(kinds)
	var idx []string
	if strings.Contains(cl, "r") {
		idx = append(idx, "or")
	}
	if strings.Contains(cl, "h") {
		idx = append(idx, "oh")
	}
	// Ask more conversations than max: others may claim some meanwhile.
	convs, err := s.dueConversations(ctx, idx, now, 4*max+4)
	if err != nil {
		return nil, fmt.Errorf("valkey store: claiming outbox items: %w", err)
	}
	if len(convs) == 0 {
		return nil, nil
	}
	until := ms(now.Add(lease))
	var out []claimed
	var firstErr error
	// Claim from the soonest conversations, a batch at a time, until max
	// items are leased: other workers may have taken some meanwhile.
	for len(convs) > 0 && len(out) < max {
		batch := convs[:min(len(convs), max-len(out))]
		convs = convs[len(batch):]
		got, err := s.claimFrom(ctx, batch, now, until, max, cl, kf)
		out = append(out, got...)
		firstErr = cmp(firstErr, err)
	}
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	slices.SortStableFunc(out, func(a, b claimed) int {
		if c := a.it.CreatedAt.Compare(b.it.CreatedAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.it.ConversationID, b.it.ConversationID); c != 0 {
			return c
		}
		return int(a.seq - b.seq)
	})
	if len(out) > max {
		// Several conversations gave more than asked: give the extra
		// back (rare; each conversation has few claimable items).
		for _, c := range out[max:] {
			_ = s.release(ctx, c.it)
		}
		out = out[:max]
	}
	items := make([]flows.OutboxItem, len(out))
	for i, c := range out {
		items[i] = c.it
	}
	return items, nil
}

// claimFrom runs the claim script of each of convs, at once.
func (s *Store) claimFrom(ctx context.Context, convs []string, now time.Time, until string, max int, cl, kf string) ([]claimed, error) {
	execs := make([]valkey.LuaExec, len(convs))
	for i, c := range convs {
		execs[i] = valkey.LuaExec{Keys: s.convKeys(c), Args: []string{c, ms(now), msDur(s.ttl), until, strconv.Itoa(max), cl, kf}}
	}
	var out []claimed
	var firstErr error
	var pub pubBatch
	defer func() { _ = s.flush(ctx, &pub) }()
	for i, r := range s.sc.claim.execMulti(ctx, s.c, execs) {
		reply, err := r.AsStrSlice()
		if err != nil {
			firstErr = cmp(firstErr, fmt.Errorf("valkey store: claiming the outbox items of %q: %w", convs[i], err))
			continue
		}
		_, rest, err := s.take(convs[i], reply, 1, &pub)
		if err != nil {
			firstErr = cmp(firstErr, err)
			continue
		}
		for j := 0; j+4 < len(rest); j += 5 {
			var it flows.OutboxItem
			if err := decodeItem([]byte(rest[j+1]), &it); err != nil {
				firstErr = cmp(firstErr, fmt.Errorf("valkey store: outbox item %q: %w", rest[j], err))
				continue
			}
			applyMeta(&it, rest[j+4])
			if rest[j+2] != "" && it.Kind != flows.OutboxOpen {
				var t flows.TicketRef
				if err := decodeTicket(rest[j+2], &t); err == nil {
					it.Ticket = t
				}
			}
			seq, _ := strconv.ParseInt(rest[j+3], 10, 64)
			out = append(out, claimed{it, seq})
		}
	}
	return out, firstErr
}

// claimed is a claimed item and its place in its conversation's outbox.
type claimed struct {
	it  flows.OutboxItem
	seq int64
}

// release gives back the lease of a claimed item untouched.
func (s *Store) release(ctx context.Context, it flows.OutboxItem) error {
	return s.settle(ctx, it, "")
}

func cmp(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// dueConversations returns up to max conversations due at now in the
// shards' indexes idx, soonest first (one round trip, every shard at
// once).
func (s *Store) dueConversations(ctx context.Context, idx []string, now time.Time, max int) ([]string, error) {
	cmds := make(valkey.Commands, 0, s.shards*len(idx))
	nowMS := ms(now)
	for n := range s.shards {
		for _, name := range idx {
			cmds = append(cmds, s.c.B().Zrangebyscore().Key(s.shardKey(n, name)).Min("-inf").Max(nowMS).Withscores().Limit(0, int64(max)).Build())
		}
	}
	best := make(map[string]float64)
	for _, r := range s.c.DoMulti(ctx, cmds...) {
		zs, err := r.AsZScores()
		if err != nil {
			return nil, err
		}
		for _, z := range zs {
			if old, ok := best[z.Member]; !ok || z.Score < old {
				best[z.Member] = z.Score
			}
		}
	}
	convs := make([]string, 0, len(best))
	for c := range best {
		convs = append(convs, c)
	}
	slices.SortFunc(convs, func(a, b string) int {
		if c := cmpFloat(best[a], best[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	if len(convs) > max {
		convs = convs[:max]
	}
	return convs, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Settle records the outcome of a claimed item and releases its lease (see
// flows.Outbox). A delivered open records the handoff's ticket for its
// appends; a dead open takes its handoff's pending items with it, and the
// open made pending again revives them.
func (s *Store) Settle(ctx context.Context, item flows.OutboxItem) (err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return err
	}
	if err := store.CheckSettle(item); err != nil {
		return err
	}
	return s.settle(ctx, item, string(item.Status))
}

func (s *Store) settle(ctx context.Context, item flows.OutboxItem, status string) error {
	conv := item.ConversationID
	if conv == "" {
		return fmt.Errorf("valkey store: outbox item %q has no conversation id; settle items returned by Claim", item.ID)
	}
	next := ""
	if !item.NextAt.IsZero() {
		next = ms(item.NextAt)
	}
	blob, err := encodeItem(&item)
	if err != nil {
		return fmt.Errorf("valkey store: encoding outbox item %q: %w", item.ID, err)
	}
	ticket := ""
	if item.Kind == flows.OutboxOpen && item.Ticket != (flows.TicketRef{}) {
		ticket = encodeTicket(item.Ticket)
	}
	args := []string{conv, ms(s.now()), msDur(s.ttl), item.ID, status, next, valkey.BinaryString(blob), ticket,
		strconv.Itoa(s.keepDelivered), strings.ReplaceAll(flows.DeadOpenError(&item), "\x1f", " "), strconv.FormatInt(item.LeaseID, 10)}
	reply, err := s.sc.settle.exec(ctx, s.c, s.convKeys(conv), args).AsStrSlice()
	if err != nil {
		return fmt.Errorf("valkey store: settling outbox item %q: %w", item.ID, err)
	}
	if len(reply) > 0 && reply[0] == "NOITEM" {
		return fmt.Errorf("valkey store: no outbox item %q in conversation %q to settle; settle items returned by Claim", item.ID, conv)
	}
	if len(reply) > 0 && reply[0] == "LEASELOST" {
		return fmt.Errorf("valkey store: settling outbox item %q: %w", item.ID, flows.ErrLeaseLost)
	}
	_, _, err = s.finished(ctx, conv, reply, 1)
	return err
}

// List returns the items with status (all when empty), oldest first. It
// reads every conversation that has outbox items: for operators, not for
// a hot path.
func (s *Store) List(ctx context.Context, status flows.OutboxStatus) ([]flows.OutboxItem, error) {
	return s.list(ctx, status, nil)
}

func (s *Store) list(ctx context.Context, status flows.OutboxStatus, kinds []flows.OutboxKind) (_ []flows.OutboxItem, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	shards := make([]int, s.shards)
	for n := range shards {
		shards[n] = n
	}
	return s.listShards(ctx, shards, status, kinds)
}

// listShards is list of the conversations of shards.
func (s *Store) listShards(ctx context.Context, shards []int, status flows.OutboxStatus, kinds []flows.OutboxKind) ([]flows.OutboxItem, error) {
	cmds := make(valkey.Commands, len(shards))
	for i, n := range shards {
		cmds[i] = s.c.B().Zrange().Key(s.shardKey(n, "oa")).Min("0").Max("-1").Build()
	}
	var convs []string
	for _, r := range s.c.DoMulti(ctx, cmds...) {
		ids, err := r.AsStrSlice()
		if err != nil {
			return nil, fmt.Errorf("valkey store: listing the outbox: %w", err)
		}
		convs = append(convs, ids...)
	}
	if len(convs) == 0 {
		return nil, nil
	}
	cmds = make(valkey.Commands, 0, 2*len(convs))
	for _, c := range convs {
		cmds = append(cmds, s.c.B().Hgetall().Key(s.convKey(c, "o")).Build(), s.c.B().Hgetall().Key(s.convKey(c, "om")).Build(),
			s.c.B().Zrange().Key(s.convKey(c, "oq")).Min("0").Max("-1").Build())
	}
	res := s.c.DoMulti(ctx, cmds...)
	var out []flows.OutboxItem
	for i := 0; i < len(res); i += 3 {
		conv := convs[i/3]
		blobs, err := res[i].AsStrMap()
		if err != nil {
			return nil, fmt.Errorf("valkey store: listing the outbox of %q: %w", conv, err)
		}
		metas, err := res[i+1].AsStrMap()
		if err != nil {
			return nil, fmt.Errorf("valkey store: listing the outbox of %q: %w", conv, err)
		}
		order, err := res[i+2].AsStrSlice()
		if err != nil {
			return nil, fmt.Errorf("valkey store: listing the outbox of %q: %w", conv, err)
		}
		for _, id := range order {
			b, ok := blobs[id]
			m, ok2 := metas[id]
			if !ok || !ok2 {
				continue
			}
			var it flows.OutboxItem
			if err := decodeItem([]byte(b), &it); err != nil {
				return nil, fmt.Errorf("valkey store: outbox item %q: %w", id, err)
			}
			applyMeta(&it, m)
			if status != "" && it.Status != status {
				continue
			}
			if len(kinds) > 0 && !slices.Contains(kinds, it.Kind) {
				continue
			}
			out = append(out, it)
		}
	}
	// Each conversation's items are in creation order already.
	slices.SortStableFunc(out, func(a, b flows.OutboxItem) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}
