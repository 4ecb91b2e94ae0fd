// Package handofftest has fakes of the helpdesks Baton delivers to, for
// tests: Zendesk and Freshdesk servers that keep tickets, users and
// comments the way the services do and follow their documented wire
// format (auth, idempotency keys, search-index lag, status rules), a
// fake clock whose timers run the connectors' deadlines, and faults to
// inject: a write that takes effect and is then answered 500, a slow
// answer, a 404 from the search, a 429 with Retry-After.
//
// Tests count what the fake holds (tickets, comments, notes) rather than
// the requests it saw: a retry that finds what an earlier attempt did is
// correct, a second ticket is not.
package handofftest
