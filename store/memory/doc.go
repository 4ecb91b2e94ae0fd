// Package memory is Baton's in-memory store: sessions, the outbox, agents'
// loads, timers, dedupe keys and the inbox in the process's memory, lost
// when it exits. It is the default of the sandbox, of tests and of `baton
// load`, and the reference the other stores are checked against
// (store/storetest).
//
// A Store is safe for concurrent use and keeps its own copies: nothing a
// caller holds aliases what it stores. engine.Handle skips those copies
// through LoadShared and SaveOwned, which is why an in-memory turn costs
// no more than the turn itself; LoadShared also grants one caller per
// revision the right to append to the transcript's array in place. A
// conversation untouched for a minute is packed with the store codec
// (store.EncodeSession: about a quarter of its size in memory) until it is
// loaded again.
package memory
