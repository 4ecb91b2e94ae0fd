package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// DefaultVersionGrace is how long a message is left for a process running
// the flow version its conversation's state is in (WithVersionGrace).
const DefaultVersionGrace = 2 * time.Minute

// maxDigests bounds the flow versions a host remembers having run, and
// having warned about: past it the oldest is forgotten.
const maxDigests = 64

// digestSet is a small set of flow digests, the oldest forgotten past
// maxDigests.
type digestSet struct {
	mu    sync.Mutex
	order []string
}

// add adds d and reports whether it was new.
func (s *digestSet) add(d string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.order {
		if x == d {
			return false
		}
	}
	if len(s.order) >= maxDigests {
		s.order = append(s.order[:0], s.order[1:]...)
	}
	s.order = append(s.order, d)
	return true
}

// has reports whether d is in the set.
func (s *digestSet) has(d string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.order {
		if x == d {
			return true
		}
	}
	return false
}

// flowDigest names the version of f: a hash of the contents of its files
// (its size and its first dsl.MaxFileSize+1 bytes each, in order), not
// of their paths, so that processes that load the same files from
// different release directories agree and any edit changes it. It is ""
// for a flow with no files or one that cannot be read: such a flow's
// conversations are never left for another process.
func flowDigest(f *flows.Flow) string {
	if len(f.Files) == 0 {
		return ""
	}
	h := sha256.New()
	for _, p := range f.Files {
		if err := sumFile(h, p); err != nil {
			return ""
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// holds reports whether the message of entry e, whose conversation waits
// in a state this host's flow lacks and was last saved by the flow
// version digest, is left for a process running that version: a version
// this host never ran, and the grace since the message came is not over.
// A version it ran is gone for good (a hot reload): the conversation
// moves at once, as it always did.
func (h *Host) holds(e flows.InboxEntry, digest string) bool {
	return digest != "" && !h.digests.has(digest) && h.now().Before(e.AcceptedAt.Add(h.grace))
}

// leave gives the message of e back to the inbox for a process running
// the flow version digest: it is claimed again after a deferral that
// grows with the message's age (half of it, at least the poll interval,
// at most the lease), never past the grace, after which the process that
// takes it moves the conversation as a reload does. The conversation's
// later messages wait behind it. A store whose inbox cannot defer keeps
// it for the rest of the lease.
func (h *Host) leave(ctx context.Context, a *Account, e flows.InboxEntry, digest string) {
	h.metrics.deferred(a.Channel)
	until := h.deferredUntil(e.AcceptedAt, h.now())
	if h.warned.add(digest) {
		h.log.Warn("a conversation waits in a state this flow lacks, last handled by a flow version this process never ran (a rolling deploy?): "+
			"its messages are left for a process running that version, then moved to on_reload (else start) after the grace",
			"flow", a.Flow().Name, "version", digest, "conversation", e.Inbound.ConversationID, "grace", h.grace.String())
	}
	h.log.Debug("a message left for a process running the flow version of its conversation", "conversation", e.Inbound.ConversationID,
		"message", e.ID, "version", digest, "until", until)
	d, ok := h.store.Inbox().(flows.InboxDeferrer)
	if !ok {
		return
	}
	if err := d.Defer(context.WithoutCancel(ctx), e, until); err != nil {
		h.log.Error("leaving a message for another process failed; it is claimed again when its lease ends",
			"conversation", e.Inbound.ConversationID, "message", e.ID, "error", err)
	}
}

// deferredUntil is when a message accepted at accepted and left at now is
// claimed again: after half its age (at least the poll interval, at most
// the lease), and no later than the end of the grace.
func (h *Host) deferredUntil(accepted, now time.Time) time.Time {
	until := now.Add(min(max(h.poll, now.Sub(accepted)/2), h.lease))
	if end := accepted.Add(h.grace); end.Before(until) {
		return end
	}
	return until
}
