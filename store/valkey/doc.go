// Package valkey is the flows.Store for several Baton processes sharing
// one Valkey (or Redis 7) server or cluster: `store: {kind: valkey, url:
// redis://host:6379}` in the deployment config, NewStore(ctx, url, opts...)
// in Go. It passes store/storetest on a single server and on a three-node
// cluster.
//
// # Keys
//
// Everything a conversation owns lives under keys hash-tagged with its id,
// baton:{conversation-id}:NAME, so a cluster keeps them on one node and a
// Lua script can change them together:
//
//	s     session: revision, blob (without the transcript), saved at
//	tr    transcript: a list, RPUSH of the new messages + LTRIM to the cap
//	o om oq ok pr ph od
//	      outbox items (blob, meta), their creation order, tickets of
//	      delivered opens, pending replies, pending handoff items, delivered
//	tm    timers: a sorted set by due time
//	in ie im seen
//	      inbox entries (order, blob, meta) and the message ids accepted
//	      within the dedupe window
//	l     the agent loads this conversation holds
//	w     the conversation's work state as last computed, its version
//	      (below) and when every key's expiry was last set
//
// Every conversation key expires after the idle TTL (default 30 days,
// WithTTL): a script sets the expiry of the keys it changed, and of all
// of them once a TTL/10, so no key of a live conversation runs out (the
// inbox's accepted ids stay for their dedupe window when it is longer). The
// store's clock decides too, so a session idle past the TTL loads as gone
// even before the server drops it, and a save over it starts afresh.
//
// # One script per turn
//
// Save is one EVALSHA: compare-and-set on the revision, the session blob,
// the new transcript messages, the outbox items (an id already stored is
// skipped), the agent-load changes, the timers and the inbox
// acknowledgements (an entry already consumed fails the save with
// flows.ErrConsumed and writes nothing). Redis 7.0 has no SET IFEQ; the
// script is the compare-and-set. A turn is two round trips on one server:
// Load (HMGET + LRANGE, pipelined with DoMulti) and Save.
//
// # The shared indexes, and why they never lose anything
//
// Workers must find due outbox items, due timers and claimable inbox
// entries across conversations. Those global indexes cannot share a slot
// with every conversation, so they are split into shards (16 by default,
// WithShards), baton:ix:{ixN}:NAME, each holding sorted sets of
// conversation ids by when something of theirs is due (replies, handoff
// items, timers, inbox heads), the conversations with outbox items, and
// the agent-load totals of its conversations.
//
// A conversation's script computes its work state (what is due when, and
// the loads it holds) and gives it a version that only grows (the
// server's clock in microseconds, or the previous version plus one). The
// state is then published to the conversation's shard by a script that
// applies it only when its version is newer than the one the shard holds,
// replacing the conversation's previous entries and load contributions. So
// publishing is idempotent, and a late, older state never overwrites a
// newer one.
//
// A script recomputes only the parts of the state it changed (the
// outbox, the timers, the inbox, the loads) and publishes only when the
// state changed. On a single server (no slots) the conversation's script
// publishes in the same atomic step, writing only the index entries that
// changed: nothing can fall between the write and the index.
// On a cluster the publish is a second script on the shard's node, run
// right after the first (a turn is then three round trips). A process that
// dies between the two leaves the conversation written and its shard
// behind: nothing is lost, because the conversation's keys are the truth
// and the shard only a pointer to them. Sweep (run in the background every
// 30 seconds, WithSweepEvery) scans every node for the conversations'
// version keys, compares each with what its shard holds, and publishes
// again what differs; it also takes back the load contributions of
// conversations that expired. TestClusterCrashBetweenWriteAndPublish
// crashes in that window and checks that the sweep delivers the outbox
// item, the timer and the load. Claims tolerate the other direction: an
// index entry that points at nothing due is corrected by the claim that
// finds it.
//
// WithCachedLoads reads the loads' totals through valkey-go's
// server-assisted client-side caching, so routing a handoff costs no
// round trip; a count may then lag a change by the moment the server's
// invalidation takes to arrive.
//
// Consequences on a cluster: an item, a timer or an inbox entry written
// just before a crash may wait up to one sweep interval before a worker
// sees it, and an agent's load may read one handoff short for as long.
// Agent loads are kept per conversation (a conversation's count never goes
// below zero, and a conversation cannot free more than it took); Loads
// sums them.
//
// # The outbox
//
// Items are claimed in order within their group (a conversation's
// replies, a handoff's items) by the conversation's claim script, which
// leases the head of each group in the conversation's hash: several
// workers and several processes share the outbox safely, each item leased
// to one of them at a time. Replies and handoff items have separate
// indexes, so OutboxOf(flows.OutboxReply) never polls helpdesk work. A
// claim reads the indexes of every shard in one round trip and runs the
// claim scripts of the soonest conversations in a second (pipelined per
// node with DoMulti). A save with a flows.ReplyClaim leases its new
// replies in its own script when the conversation has no reply pending,
// so the worker that sends them makes neither round trip. Delivered
// items are kept per conversation up to
// WithDeliveredRetention (default 100).
//
// # Pending counts
//
// PendingStats (the metrics' outbox depth and age) reads, per shard, a
// count of pending items per kind and each kind's oldest creation time:
// one round trip, O(log n) per kind and shard, whatever the outbox holds.
// Each item's creation time is kept beside its meta (the field id\x1fcr of
// the same hash, apart from the meta an earlier version reads); the
// scripts that save, claim, settle and revive items keep the
// conversation's counts per kind in its state and publish them with it,
// replacing its previous contribution to the shard's totals (ix pc, pn,
// po), as the loads are.
// A count changes by one as an item enters or leaves pending; a
// conversation's oldest is looked for again only when its oldest item of
// a kind leaves, among that conversation's pending items. On a cluster
// the counts follow the shard's other indexes: a process that dies
// between a write and its publish leaves them behind until the sweep, and
// the sweep takes back the counts of a conversation whose keys expired.
//
// A store an earlier version wrote has neither the creation times of its
// items nor counts in the shards. A shard with no conversation with
// outbox items is marked counted at once (ix pv); NewStore otherwise
// counts the others in the background, recomputing the state of each of
// their conversations with outbox items (reading the creation time from
// the blob of an item without one, or from the eighth field of its meta
// where a version between kept it, and filing it beside the meta), then
// marks each shard counted; Sweep finishes what did not. Until a shard is
// marked, PendingStats reads its pending items, as List does. Scripts that
// run meanwhile keep the counts of what they change, and several
// processes counting at once only do the work twice. A script also
// counts a conversation again when its counts do not add up to its
// pending sets (a process of the earlier version changed it, during a
// rolling upgrade).
//
// # Ordering across processes
//
// The inbox hands a conversation's entries out one at a time, in the
// order they were accepted, whichever process accepted them, and the next
// only once the turn that consumed the previous one saved (or its lease ran
// out). Two processes running a turn of the same conversation at once
// cannot both save: the compare-and-set fails the second, which reloads
// and runs again, and an inbox entry consumed by one turn fails another
// turn's save with flows.ErrConsumed. A conversation's replies are
// delivered in the order their turns saved them, one at a time.
//
// Settling a delivery and accepting a message are idempotent scripts the
// client sends again after a connection error, until the caller's
// deadline: a Valkey restart makes them wait rather than fail, so a reply
// sent while the server was down is still recorded as sent.
//
// cmd/baton's TestServeFault tests run the real binary: killed with
// SIGKILL under load and restarted on the same store, Valkey killed and
// restarted from its append-only file, and two processes on one server
// taking each customer's messages in turn. Every accepted message was
// answered once and in order, and every handoff opened one ticket, except
// the documented window of a kill: a reply the channel accepted just
// before the process died is sent again (at most one per conversation).
// Two processes were tested; the design has no limit of its own.
package valkey
