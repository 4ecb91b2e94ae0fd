package valkey

import (
	"reflect"
	"sync"

	"github.com/batonbot/baton/flows"
)

// transcripts remembers, per conversation, the transcript the store last
// loaded or saved at a revision, so Save pushes only the new messages. A
// save whose session the store did not see at its revision rewrites the
// list (correct, only slower).
type transcripts struct {
	mu sync.Mutex
	m  map[string]knownTranscript
}

type knownTranscript struct {
	rev  int64
	msgs []flows.Message // a private copy
}

// maxKnownTranscripts bounds the memory the cache takes.
const maxKnownTranscripts = 4096

func (t *transcripts) remember(id string, rev int64, msgs []flows.Message) {
	cp := make([]flows.Message, len(msgs)) // the caller may change its slice later
	copy(cp, msgs)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = make(map[string]knownTranscript)
	}
	if _, ok := t.m[id]; !ok && len(t.m) >= maxKnownTranscripts {
		for k := range t.m { // evict an arbitrary entry
			delete(t.m, k)
			break
		}
	}
	t.m[id] = knownTranscript{rev: rev, msgs: cp}
}

func (t *transcripts) forget(id string) {
	t.mu.Lock()
	delete(t.m, id)
	t.mu.Unlock()
}

// delta returns how many of the stored list's last messages msgs starts
// with (keep, -1 when the list must be rewritten) and the messages to push
// after them. Whatever keep it finds, the list's last len(msgs) messages
// afterwards are msgs: keep only says how much need not be sent again.
func (t *transcripts) delta(id string, rev int64, msgs []flows.Message) (keep int, fresh []flows.Message) {
	if rev == 0 {
		return -1, msgs // a new session: nothing stored worth keeping
	}
	t.mu.Lock()
	k, ok := t.m[id]
	t.mu.Unlock()
	if !ok || k.rev != rev {
		return -1, msgs
	}
	old := k.msgs
	for m := min(len(old), len(msgs)); m > 0; m-- {
		if sameMessages(msgs[:m], old[len(old)-m:]) {
			return m, msgs[m:]
		}
	}
	return 0, msgs
}

func sameMessages(a, b []flows.Message) bool {
	for i := range a {
		if !sameMessage(&a[i], &b[i]) {
			return false
		}
	}
	return true
}

// sameMessage compares every field of flows.Message (a test fails when
// Message gains one this does not know).
func sameMessage(a, b *flows.Message) bool {
	if !a.At.Equal(b.At) || a.From != b.From || a.Text != b.Text || a.Choice != b.Choice || a.Agent != b.Agent {
		return false
	}
	// Media is rare: compare it whole.
	return (a.Media == nil && b.Media == nil) || (a.Media != nil && b.Media != nil && reflect.DeepEqual(*a.Media, *b.Media))
}
