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
func (s *Store) Due(ctx context.Context, now time.Time, max int) ([]flows.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	convs, err := s.dueConversations(ctx, []string{"ti"}, now, max)
	if err != nil {
		return nil, fmt.Errorf("valkey store: reading due timers: %w", err)
	}
	if len(convs) == 0 {
		return nil, nil
	}
	cmds := make(valkey.Commands, 0, 2*len(convs))
	for _, c := range convs {
		cmds = append(cmds, s.c.B().Zrangebyscore().Key(s.convKey(c, "tm")).Min("-inf").Max(ms(now)).Withscores().Limit(0, int64(max)).Build(),
			s.c.B().Hget().Key(s.convKey(c, "s")).Field("u").Build())
	}
	var out []flows.Timer
	var stale []string
	res := s.c.DoMulti(ctx, cmds...)
	for i, c := range convs {
		zs, err := res[2*i].AsZScores()
		if err != nil {
			return nil, fmt.Errorf("valkey store: reading the timers of %q: %w", c, err)
		}
		if u, err := res[2*i+1].ToMessage(); err == nil && s.expired(u) {
			continue // an idle conversation's: gone with it
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
	slices.SortStableFunc(out, func(a, b flows.Timer) int { return a.At.Compare(b.At) })
	if len(out) > max {
		out = out[:max]
	}
	return out, nil
}

// refresh recomputes and publishes the state of convs.
func (s *Store) refresh(ctx context.Context, convs []string) error {
	execs := make([]valkey.LuaExec, len(convs))
	for i, c := range convs {
		execs[i] = valkey.LuaExec{Keys: s.convKeys(c), Args: []string{c}}
	}
	var firstErr error
	var pub pubBatch
	for i, r := range s.sc.refresh.execMulti(ctx, s.c, execs) {
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
