// Package engine runs flows. One turn is a deterministic function of (flow,
// session, input, signals, clock) returning the new session and the effects
// (replies, state changes, HTTP calls to make, timers, handoffs, events); the
// engine does no I/O of its own, so the sandbox, the tests and production run
// the same code.
//
// Handle runs a turn against a flows.SessionStore: it loads the session,
// runs the turn and saves the new session with everything the turn causes
// (its flows.Commit: outbox items, timers, agents' loads, the inbox entries
// it consumed) in one atomic write. The stores live in store/.
package engine
