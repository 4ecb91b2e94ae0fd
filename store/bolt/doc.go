// Package bolt is Baton's embedded durable store: one file on disk, written
// with go.etcd.io/bbolt, one bucket per kind (sessions, outbox, timers,
// inbox, dedupe keys, loads). A session's save and everything its turn
// commits (outbox items, agents' loads, timers, consumed inbox entries) is
// one bbolt transaction, fsynced before Save returns.
//
// One process owns the file at a time: bbolt's file lock refuses a second
// one, and Open says which process holds it. Open also refuses a file that
// is not a Baton store and a store written by a newer Baton, rather than
// overwrite them. ImportJSON carries over the JSON file store of earlier
// versions (`baton store migrate`).
//
// Sessions are kept in the store package's binary codec; outbox items and
// inbox entries as JSON. Outbox and inbox leases are kept in memory: after
// a restart every pending item is claimable again once due (connectors are
// idempotent on the handoff id). A helpdesk attempt the handoff worker
// wrote ahead is due only when its lease would have ended, since the
// helpdesk may have taken the call that was cut.
package bolt
