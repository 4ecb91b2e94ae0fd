package valkey

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
)

// Due returns up to max timers due at now, earliest first (see
// flows.Timers): the shards' timer indexes name the conversations, whose
// own sorted sets hold the timers.
func (s *Store) Due(ctx context.Context, now time.Time, max int) (_ []flows.Timer, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	var out []flows.Timer
	seen := map[string]bool{}
	// The index may name conversations that expired by the store's clock
	// before their keys did: they are forgotten (and leave the index), and
	// the index read again for live ones, a bounded number of times (the
	// next call goes on).
	for range 8 {
		convs, err := s.dueConversations(ctx, []string{"ti"}, now, max+len(seen))
		if err != nil {
			return nil, fmt.Errorf("valkey store: reading due timers: %w", err)
		}
		convs = slices.DeleteFunc(convs, func(c string) bool { return seen[c] })
		if len(convs) == 0 {
			break
		}
		cmds := make(valkey.Commands, 0, 2*len(convs))
		for _, c := range convs {
			seen[c] = true
			cmds = append(cmds, s.c.B().Zrangebyscore().Key(s.convKey(c, "tm")).Min("-inf").Max(ms(now)).Withscores().Limit(0, int64(max)).Build(),
				s.c.B().Hget().Key(s.convKey(c, "s")).Field("u").Build())
		}
		var stale, expired []string
		res := s.c.DoMulti(ctx, cmds...)
		for i, c := range convs {
			zs, err := res[2*i].AsZScores()
			if err != nil {
				return nil, fmt.Errorf("valkey store: reading the timers of %q: %w", c, err)
			}
			if u, err := res[2*i+1].ToMessage(); err == nil && s.expired(u) {
				expired = append(expired, c) // an idle conversation's: gone with it
				continue
			}
			if len(zs) == 0 {
				stale = append(stale, convs[i])
			}
			for _, z := range zs {
				out = append(out, flows.Timer{Key: z.Member, ConversationID: convs[i], At: time.UnixMilli(int64(z.Score))})
			}
		}
		if len(stale) > 0 {
			// The index named conversations with nothing due (expired, or a
			// publish overtaken): correct their entries.
			_ = s.refresh(ctx, stale)
		}
		if len(expired) == 0 || len(out) >= max || s.expire(ctx, expired) != nil {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b flows.Timer) int { return a.At.Compare(b.At) })
	if len(out) > max {
		out = out[:max]
	}
	return out, nil
}

// refresh recomputes and publishes the state of convs.
func (s *Store) refresh(ctx context.Context, convs []string) error {
	return s.runEach(ctx, s.sc.refresh, convs, func(c string) []string { return []string{c} })
}

// expire forgets the conversations of convs idle past the TTL by the
// store's clock (their session and timers) and publishes their state.
func (s *Store) expire(ctx context.Context, convs []string) error {
	now, ttl := ms(s.now()), msDur(s.ttl)
	return s.runEach(ctx, s.sc.expire, convs, func(c string) []string { return []string{c, now, ttl} })
}

// runEach runs sc, a script that returns a conversation's state, on each
// of convs and publishes their states.
func (s *Store) runEach(ctx context.Context, sc *script, convs []string, args func(string) []string) error {
	execs := make([]valkey.LuaExec, len(convs))
	for i, c := range convs {
		execs[i] = valkey.LuaExec{Keys: s.convKeys(c), Args: args(c)}
	}
	var firstErr error
	var pub pubBatch
	for i, r := range sc.execMulti(ctx, s.c, execs) {
		reply, err := r.AsStrSlice()
		if err != nil {
			firstErr = cmp(firstErr, fmt.Errorf("valkey store: refreshing %q: %w", convs[i], err))
			continue
		}
		if _, _, err := s.take(convs[i], reply, 1, &pub); err != nil {
			firstErr = cmp(firstErr, err)
		}
	}
	return cmp(firstErr, s.flush(ctx, &pub))
}
