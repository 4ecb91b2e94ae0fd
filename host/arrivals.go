package host

import "hash/maphash"

// waitingBuckets is how many buckets of conversations Host.waiting
// keeps: conversations sharing one only cost each other a needless claim.
const waitingBuckets = 256

// waitingBucket is conversation's bucket in Host.waiting.
func (h *Host) waitingBucket(conversation string) int {
	return int(maphash.String(h.waitingSeed, conversation) % waitingBuckets)
}

// arrived counts a message of conversation accepted into the inbox.
func (h *Host) arrived(conversation string) {
	h.waiting[h.waitingBucket(conversation)].Add(1)
}

// handled counts a message of conversation whose inbox entry is
// acknowledged (its turn saved, or dropped). A bucket never goes below
// zero: an entry another process accepted takes nothing from the count
// of this one's.
func (h *Host) handled(conversation string) {
	b := &h.waiting[h.waitingBucket(conversation)]
	for {
		n := b.Load()
		if n <= 0 || b.CompareAndSwap(n, n-1) {
			return
		}
	}
}

// mayWait reports whether a message of conversation accepted here may
// still be in the inbox: the inbox hands out a conversation's messages
// one at a time, so the next one becomes claimable only when the turn
// before it is saved.
func (h *Host) mayWait(conversation string) bool {
	return h.waiting[h.waitingBucket(conversation)].Load() > 0
}
