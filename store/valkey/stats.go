package valkey

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
)

// PendingStats returns the count of pending items of each kind that has
// some, and when the oldest was created (see flows.OutboxStats): one
// round trip reads each shard's counts, which the scripts keep as they
// save, settle and revive items, whatever the outbox holds. A shard whose
// counts are still being built (a store an earlier version wrote, see
// doc.go) is answered by reading its pending items, as List does.
func (s *Store) PendingStats(ctx context.Context) (_ map[flows.OutboxKind]flows.PendingStat, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	execs := make([]valkey.LuaExec, s.shards)
	for n := range s.shards {
		execs[n] = valkey.LuaExec{Keys: []string{s.shardKey(n, "pv"), s.shardKey(n, "pn"), s.shardKey(n, "po")}}
	}
	out := map[flows.OutboxKind]flows.PendingStat{}
	add := func(kind flows.OutboxKind, n int, oldest time.Time) {
		st, ok := out[kind]
		if !ok || oldest.Before(st.Oldest) {
			st.Oldest = oldest
		}
		st.Count += n
		out[kind] = st
	}
	var unbuilt []int
	epoch := s.statsEpoch()
	for n, r := range s.sc.stats.execMulti(ctx, s.c, execs) {
		vals, err := r.AsStrSlice()
		if err != nil {
			return nil, fmt.Errorf("valkey store: reading the pending outbox counts: %w", err)
		}
		if len(vals) == 0 || (vals[0] != "OK" && vals[0] != "UNBUILT") || (len(vals)-1)%3 != 0 {
			return nil, fmt.Errorf("valkey store: reading the pending outbox counts: %w", errNoReply)
		}
		if vals[0] == "UNBUILT" {
			unbuilt = append(unbuilt, n)
			continue
		}
		for j := 1; j+2 < len(vals); j += 3 {
			count, err := strconv.Atoi(vals[j+1])
			if err != nil || count <= 0 {
				continue
			}
			oldest, err := stampTime(vals[j+2])
			if err != nil {
				return nil, fmt.Errorf("valkey store: the pending %s items of shard %d: %w", vals[j], n, err)
			}
			add(flows.OutboxKind(vals[j]), count, oldest)
		}
	}
	if len(unbuilt) > 0 {
		s.markStatsUnbuilt(epoch) // the next Sweep builds them
		items, err := s.listShards(ctx, unbuilt, flows.OutboxPending, nil)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			add(it.Kind, 1, it.CreatedAt)
		}
	}
	return out, nil
}

// unbuiltStats returns the shards whose pending counts are not built,
// marking built those with no conversation with outbox items (a new
// store: nothing to count).
func (s *Store) unbuiltStats(ctx context.Context) ([]int, error) {
	execs := make([]valkey.LuaExec, s.shards)
	for n := range s.shards {
		execs[n] = valkey.LuaExec{Keys: []string{s.shardKey(n, "pv"), s.shardKey(n, "oa")}}
	}
	var out []int
	for n, r := range s.sc.markBuilt.execMulti(ctx, s.c, execs) {
		built, err := r.AsInt64()
		if err != nil {
			return nil, fmt.Errorf("valkey store: reading whether the pending outbox counts are built: %w", err)
		}
		if built != 1 {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		s.markStatsBuilt()
	}
	return out, nil
}

// statsEpoch returns how many times the counts were marked built.
func (s *Store) statsEpoch() uint64 {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return s.statsSeq
}

// markStatsBuilt records that every shard has its pending counts.
func (s *Store) markStatsBuilt() {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.statsSeq++
	s.statsBuilt.Store(true)
}

// markStatsUnbuilt records that a shard read since epoch had no counts,
// so that the next Sweep builds them, unless a build finished since: a
// PendingStats that read a shard while it was being built must not undo
// the build's mark (nothing would build the counts again, and the flag
// would say they are missing for good).
func (s *Store) markStatsUnbuilt(epoch uint64) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if s.statsSeq == epoch {
		s.statsBuilt.Store(false)
	}
}

// buildStats builds the pending counts of every shard that has none: a
// store an earlier version wrote, whose scripts did not keep them. It
// recomputes the state of each of the shard's conversations with outbox
// items, which counts their pending items (from their metas, or their
// blobs for the items written before) and publishes the counts, then marks
// the shard built. Scripts running meanwhile keep the counts of the
// conversations they change, so nothing is counted twice or missed, and
// several processes may build at once (each recount replaces the last).
// NewStore starts it when some shard needs it; Sweep runs it again if it
// did not finish.
func (s *Store) buildStats(ctx context.Context) error {
	if s.statsBuilt.Load() || !s.building.TryLock() {
		return nil
	}
	defer s.building.Unlock()
	unbuilt, err := s.unbuiltStats(ctx)
	if err != nil {
		return err
	}
	for _, n := range unbuilt {
		var cursor uint64
		for {
			e, err := s.c.Do(ctx, s.c.B().Zscan().Key(s.shardKey(n, "oa")).Cursor(cursor).Count(200).Build()).AsScanEntry()
			if err != nil {
				return fmt.Errorf("valkey store: building the pending outbox counts: %w", err)
			}
			convs := make([]string, 0, len(e.Elements)/2)
			for i := 0; i+1 < len(e.Elements); i += 2 {
				convs = append(convs, e.Elements[i])
			}
			if len(convs) > 0 {
				if err := s.refresh(ctx, convs); err != nil {
					return fmt.Errorf("valkey store: building the pending outbox counts: %w", err)
				}
			}
			if cursor = e.Cursor; cursor == 0 {
				break
			}
		}
		if err := s.c.Do(ctx, s.c.B().Set().Key(s.shardKey(n, "pv")).Value("1").Build()).Error(); err != nil {
			return fmt.Errorf("valkey store: building the pending outbox counts: %w", err)
		}
	}
	s.markStatsBuilt()
	return nil
}
