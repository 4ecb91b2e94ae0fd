package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
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
func (h *Host) holds(ctx context.Context, accepted time.Time, digest string) bool {
	return digest != "" && !h.digests.has(digest) && h.now().Before(accepted.Add(h.grace)) && h.served(ctx, digest)
}

// heldFor is what a turn on a shared store needs to answer
// engine.HoldMissing: the message's arrival, and then the version the
// message was left for.
type heldFor struct {
	h        *Host
	ctx      context.Context
	accepted time.Time
	version  string
}

func (f *heldFor) holds(digest string) bool {
	if f.h.holds(f.ctx, f.accepted, digest) {
		f.version = digest
		return true
	}
	return false
}

// versionsTTL is how long a process's announcement of the flow versions
// it serves holds; it announces them again every versionsEvery, and at
// once after a reload.
const (
	versionsTTL   = 30 * time.Second
	versionsEvery = 10 * time.Second
)

// served reports whether a process announced digest as served (on a
// store that keeps announcements, flows.FlowVersions): one that stopped
// announcing it (they all run the new version, or its last process
// stopped) serves it no more, and the conversation moves at once instead
// of waiting for the grace. Without announcements, or when the store
// cannot answer, the grace alone decides.
func (h *Host) served(ctx context.Context, digest string) bool {
	if h.versions == nil {
		return true
	}
	ok, err := h.versions.VersionServed(ctx, digest, h.now())
	if err != nil {
		h.log.Warn("reading whether a process serves a flow version failed; its conversations' messages are left for it until the grace ends",
			"version", digest, "error", err)
		return true
	}
	return ok
}

// servedDigests are the flow versions this host serves now.
func (h *Host) servedDigests() []string {
	var out []string
	for _, a := range h.Accounts() {
		if d := a.eng.Load().Digest(); d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// announceVersions tells the other processes, every versionsEvery and
// at once when a reload signals on h.announce, which flow versions this
// host serves, until ctx is done.
func (h *Host) announceVersions(ctx context.Context) {
	t := time.NewTicker(versionsEvery)
	defer t.Stop()
	for {
		if err := h.versions.AnnounceVersions(ctx, h.servedDigests(), h.now().Add(versionsTTL)); err != nil && ctx.Err() == nil {
			h.log.Warn("announcing the flow versions this process serves failed; other processes may move its conversations during a rolling deploy",
				"error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.announce:
		}
	}
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
