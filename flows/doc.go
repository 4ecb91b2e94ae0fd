// Package flows is Baton's shared vocabulary: the compiled, immutable flow
// model (states, menus, rules, actions), the session a conversation carries
// from turn to turn, the inputs a turn takes and the effects it returns, and
// the small interfaces the rest of Baton implements: Store and its parts
// (SessionStore with its Commit, Outbox, LoadTracker, Timers, Deduper,
// Inbox, and SentLog: store/), Analyzer (nlu), Connector (handoff), and Channel,
// Receiver and MediaFetcher (channel).
//
// The dsl package builds a *Flow from YAML; the engine runs it. A Flow is never
// modified after it is built, so one value serves every conversation at once.
//
// flows imports no other Baton package.
package flows
