package valkey

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"
)

func (s *Store) sweepLoop(stop context.Context) {
	defer s.stopped.Done()
	t := time.NewTicker(s.sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-stop.Done():
			return
		case <-t.C:
			// A timeout without a deadline: with one, valkey-go may wait
			// for the server's answer until the deadline (a read timeout
			// on the connection) and not see Close cancel the context.
			ctx, cancel := context.WithCancel(stop)
			timeout := time.AfterFunc(s.sweepEvery, cancel)
			_, _ = s.Sweep(ctx)
			timeout.Stop()
			cancel()
		}
	}
}

// Sweep repairs the shared indexes after a lost step (see doc.go): every
// conversation whose state is newer than what its shard holds is
// published again, every agent-load contribution of a conversation that
// no longer has a state, or that is idle past the TTL, is taken back, and
// so are the pending-item counts of a conversation whose keys expired. It
// also finishes building the pending counts of shards an earlier version
// wrote (see PendingStats). It returns how many conversations it
// published. The store runs it in the background (WithSweepEvery); it is
// safe to run from several processes at once.
func (s *Store) Sweep(ctx context.Context) (_ int, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return 0, err
	}
	var convs []string
	pattern := globEscaper.Replace(s.prefix) + ":{*}:w"
	nodes := s.c.Nodes()
	if !s.cluster {
		nodes = nil // one server: its scripts publish as they write, nothing to catch up
	}
	for _, node := range nodes {
		var cursor uint64
		for {
			e, err := node.Do(ctx, node.B().Scan().Cursor(cursor).Match(pattern).Count(1000).Build()).AsScanEntry()
			if err != nil {
				return 0, fmt.Errorf("valkey store: sweeping: %w", err)
			}
			for _, k := range e.Elements {
				convs = append(convs, strings.TrimSuffix(strings.TrimPrefix(k, s.prefix+":{"), "}:w"))
			}
			cursor = e.Cursor
			if cursor == 0 {
				break
			}
		}
	}
	// Conversations holding loads without a state any more, or idle past
	// the TTL by the store's clock (before the server's own expiry), and
	// conversations counted pending whose keys expired.
	cmds := make(valkey.Commands, 0, 2*s.shards)
	for n := range s.shards {
		cmds = append(cmds, s.c.B().Hkeys().Key(s.shardKey(n, "lc")).Build(), s.c.B().Hkeys().Key(s.shardKey(n, "pc")).Build())
	}
	var holding, counted []string
	for i, r := range s.c.DoMulti(ctx, cmds...) {
		ks, err := r.AsStrSlice()
		if err != nil {
			return 0, fmt.Errorf("valkey store: sweeping: %w", err)
		}
		if i%2 == 0 {
			holding = append(holding, ks...)
		} else {
			counted = append(counted, ks...)
		}
	}
	convs = dedupe(append(append(convs, holding...), counted...))
	published := 0
	for len(convs) > 0 {
		batch := convs[:min(len(convs), 200)]
		convs = convs[len(batch):]
		stale, err := s.unpublished(ctx, batch)
		if err != nil {
			return published, err
		}
		if len(stale) == 0 {
			continue
		}
		if err := s.refresh(ctx, stale); err != nil {
			return published, err
		}
		published += len(stale)
	}
	if s.ttl > 0 {
		for len(holding) > 0 {
			batch := holding[:min(len(holding), 200)]
			holding = holding[len(batch):]
			if err := s.expire(ctx, batch); err != nil {
				return published, err
			}
		}
	}
	return published, s.buildStats(ctx)
}

// globEscaper escapes what SCAN's MATCH reads as a pattern in a prefix.
var globEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`)

// unpublished returns the conversations of convs whose state version is
// not the one their shard holds (on a cluster), or that hold loads
// without a state.
func (s *Store) unpublished(ctx context.Context, convs []string) ([]string, error) {
	cmds := make(valkey.Commands, 0, 2*len(convs))
	for _, c := range convs {
		cmds = append(cmds, s.c.B().Hget().Key(s.convKey(c, "w")).Field("v").Build(),
			s.c.B().Hget().Key(s.shardKey(s.shardOf(c), "v")).Field(c).Build())
	}
	res := s.c.DoMulti(ctx, cmds...)
	var out []string
	for i, c := range convs {
		mine, err1 := res[2*i].ToString()
		held, err2 := res[2*i+1].ToString()
		if err1 != nil && !valkey.IsValkeyNil(err1) {
			return nil, fmt.Errorf("valkey store: sweeping %q: %w", c, err1)
		}
		if err2 != nil && !valkey.IsValkeyNil(err2) {
			return nil, fmt.Errorf("valkey store: sweeping %q: %w", c, err2)
		}
		if mine == "" || s.cluster && mine != held {
			out = append(out, c)
		}
	}
	return out, nil
}

func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
