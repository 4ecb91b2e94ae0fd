// Package engine runs flows. One turn is a deterministic function of (flow,
// session, input, signals, clock) returning the new session and the effects
// (replies, state changes, HTTP calls to make, timers, handoffs, events); the
// engine does no I/O of its own, so the sandbox, the tests and production run
// the same code.
//
// The package also holds the in-memory SessionStore and Outbox, Baton's
// default store.
package engine
