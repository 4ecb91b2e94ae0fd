package llm

import (
	"sync"
	"time"
)

// Budget bounds the model calls each conversation may make: a customer
// who floods the bot with messages (pasted lines, a script, a stuck
// keyboard) would otherwise cost one paid call per message. Each
// conversation gets a bucket of Calls calls that refills at Calls per
// Window; a call it has no token for is not sent, and the fallback
// answers at once with Signals.Fallback "conversation budget". Cached
// answers and analyses with no conversation id (the sandbox, evaluations)
// are free. Share one, with WithBudget, among the analysers of a process;
// the count is per process, so several processes behind one number each
// allow their own share. It is safe for concurrent use, and it tracks at
// most MaxBudgetConversations conversations: past that, a conversation it
// has no room for is not limited (the server's own rate limit and the
// Cooldown still are).
type Budget struct {
	calls  float64
	window time.Duration

	mu    sync.Mutex
	convs map[string]*bucket
	swept time.Time
}

// DefaultConversationCalls is the host's budget of model calls per
// conversation and hour when the config sets none
// (nlu.llm.calls_per_conversation_hour): far more than a conversation
// with a person typing needs, far fewer than a flood.
const DefaultConversationCalls = 60

// MaxBudgetConversations is how many conversations a Budget tracks at
// once: with 64 bytes or so each, a few megabytes at most.
const MaxBudgetConversations = 50_000

// bucket is one conversation's tokens as of at.
type bucket struct {
	tokens float64
	at     time.Time
}

// NewBudget returns a budget of calls model calls per conversation in
// each window (calls below 1 and a window below a second are raised to
// them).
func NewBudget(calls int, window time.Duration) *Budget {
	return &Budget{calls: float64(max(calls, 1)), window: max(window, time.Second), convs: map[string]*bucket{}}
}

// take spends one of conversation's calls at now, reporting whether it
// had one.
func (b *Budget) take(conversation string, now time.Time) bool {
	if b == nil || conversation == "" {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	k, ok := b.convs[conversation]
	if !ok {
		if len(b.convs) >= MaxBudgetConversations && !b.sweep(now) {
			return true
		}
		k = &bucket{tokens: b.calls, at: now}
		b.convs[conversation] = k
	}
	k.refill(b, now)
	if k.tokens < 1 {
		return false
	}
	k.tokens--
	return true
}

// refill adds the tokens earned since k.at, up to the bucket's size.
func (k *bucket) refill(b *Budget, now time.Time) {
	if d := now.Sub(k.at); d > 0 {
		k.tokens = min(b.calls, k.tokens+b.calls*float64(d)/float64(b.window))
		k.at = now
	}
}

// sweep forgets the conversations whose bucket is full again (they would
// start afresh anyway), at most once a second, and reports whether it
// made room.
func (b *Budget) sweep(now time.Time) bool {
	if now.Sub(b.swept) < time.Second {
		return false
	}
	b.swept = now
	for id, k := range b.convs {
		if k.refill(b, now); k.tokens >= b.calls {
			delete(b.convs, id)
		}
	}
	return len(b.convs) < MaxBudgetConversations
}

// reasonBudget is Signals.Fallback for a call the conversation's budget
// kept from sending.
const reasonBudget = "conversation budget"
