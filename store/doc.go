// Package store holds what Baton's stores share: the rules every store
// applies to a flows.Commit (FillItem, CheckCommit, the outbox's delivery
// groups) and the compact, versioned session codec the persistent stores
// write (EncodeSession, DecodeSession).
//
// The stores themselves are the packages below it, each implementing
// flows.Store:
//
//   - store/memory: in the process's memory, the default of the sandbox,
//     tests and `baton load`;
//   - store/bolt: one file on disk (go.etcd.io/bbolt), the embedded durable
//     default of `baton serve` and of `baton chat --live`;
//   - store/valkey: a Valkey or Redis server shared by several processes.
//
// store/storetest is the conformance suite they all pass.
//
// In a deployment config the store is chosen with
//
//	store:
//	  kind: memory | bolt | valkey
//	  path: baton.db               # bolt: the database file
//	  url: redis://localhost:6379  # valkey (or address:, addresses: [...] for a cluster)
//	  session_ttl: 720h            # idle conversations are deleted after it (default 30 days)
//
// (the config package reads them; the host opens the store with the
// constructors' options: memory.WithTTL, bolt.WithTTL, valkey.WithTTL...).
package store
