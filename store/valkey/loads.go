package valkey

import (
	"context"
	"fmt"
	"strconv"

	"github.com/valkey-io/valkey-go"
)

// Loads returns the open handoffs of each of agents (see
// flows.LoadTracker): the sum of the shards' totals, one round trip.
func (s *Store) Loads(ctx context.Context, agents []string) (_ map[string]int, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]int, len(agents))
	if len(agents) == 0 {
		return out, nil
	}
	var res []valkey.ValkeyResult
	if s.loadsCache > 0 {
		// Client-side caching: the server tells the client when a total
		// it read changes, so routing reads its counts from memory.
		cmds := make([]valkey.CacheableTTL, 0, s.shards+1)
		for n := range s.shards {
			cmds = append(cmds, valkey.CT(s.c.B().Hmget().Key(s.shardKey(n, "ld")).Field(agents...).Cache(), s.loadsCache))
		}
		cmds = append(cmds, valkey.CT(s.c.B().Hmget().Key(s.manualKey()).Field(agents...).Cache(), s.loadsCache))
		res = s.c.DoMultiCache(ctx, cmds...)
	} else {
		cmds := make(valkey.Commands, 0, s.shards+1)
		for n := range s.shards {
			cmds = append(cmds, s.c.B().Hmget().Key(s.shardKey(n, "ld")).Field(agents...).Build())
		}
		cmds = append(cmds, s.c.B().Hmget().Key(s.manualKey()).Field(agents...).Build())
		res = s.c.DoMulti(ctx, cmds...)
	}
	for _, r := range res {
		vals, err := r.ToArray()
		if err != nil {
			return nil, fmt.Errorf("valkey store: reading agents' loads: %w", err)
		}
		for i, v := range vals {
			if n, err := v.AsInt64(); err == nil && i < len(agents) {
				out[agents[i]] += int(n)
			}
		}
	}
	for _, a := range agents {
		out[a] = max(out[a], 0)
	}
	return out, nil
}

// Add changes agent's count outside any conversation's save; a count
// never goes below zero (see flows.LoadTracker). Loads a turn changes go
// through Commit.Loads, with the session.
func (s *Store) Add(ctx context.Context, agent string, delta int) (err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return err
	}
	if agent == "" {
		return fmt.Errorf("valkey store: counting the open handoffs of an agent needs the agent's id")
	}
	if err := s.sc.manualLoad.exec(ctx, s.c, []string{s.manualKey()}, []string{agent, strconv.Itoa(delta)}).Error(); err != nil {
		return fmt.Errorf("valkey store: changing the load of %q: %w", agent, err)
	}
	return nil
}

func (s *Store) manualKey() string { return s.prefix + ":loads" }
