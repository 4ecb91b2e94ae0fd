package replay

import (
	"context"
	"hash/maphash"
	"sync"

	"github.com/batonbot/baton/flows"
)

// memo remembers an analyser's answers by message and language, so a
// replay analyses each distinct message once. It is bounded: a shard that
// fills up is emptied.
type memo struct {
	a      flows.Analyzer
	seed   maphash.Seed
	shards [64]memoShard
}

type memoShard struct {
	mu sync.Mutex
	m  map[memoKey]flows.Signals
}

type memoKey struct{ text, lang string }

// memoShardSize bounds each shard (64 × 4,096 answers in all).
const memoShardSize = 4096

func newMemo(a flows.Analyzer) *memo { return &memo{a: a, seed: maphash.MakeSeed()} }

func (m *memo) Analyze(ctx context.Context, in flows.AnalyzeInput) (flows.Signals, error) {
	k := memoKey{in.Text, in.Lang}
	sh := &m.shards[maphash.String(m.seed, in.Text)%uint64(len(m.shards))]
	sh.mu.Lock()
	sig, ok := sh.m[k]
	sh.mu.Unlock()
	if ok {
		return *sig.Clone(), nil
	}
	sig, err := m.a.Analyze(ctx, in)
	if err != nil {
		return sig, err
	}
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= memoShardSize {
		sh.m = make(map[memoKey]flows.Signals, 64)
	}
	sh.m[k] = *sig.Clone()
	sh.mu.Unlock()
	return sig, nil
}
