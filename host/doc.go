// Package host runs flows for real: it is the live side of Baton that
// `baton serve` and `baton chat --live` share.
//
// It wires the engine to a store, the helpdesk connectors and the
// channels: inbound messages a channel accepted into the store's inbox
// are taken one at a time per conversation through engine.Handle, whose
// save writes the session with its outbox items (handoff opens, appends
// and closes, and the replies to send), its timers and the agents' loads,
// and acknowledges the inbox entry, all at once. Workers then deliver the
// outbox: replies through the conversation's flows.Channel (a turn's by
// the worker that ran it, to which its save leased them), handoffs
// through the connectors. Timers due in the store fire as timer inputs, so
// a restart loses none. HTTP actions are carried out for real (with
// timeouts, a response-size cap and ${NAME} secrets from the
// environment), and the bridge's handlers bring agents' replies and ticket
// changes back into the conversation.
//
// The guarantee starts at the inbox: once Inbox.Accept returned (before a
// webhook answers 200) a message is handled even if the process dies, and
// a turn's effects are written with the inbox acknowledgement in one save.
// A turn waiting for an HTTP result saves a watchdog timer with it
// (engine.HTTPWatchdogKey), so a process that dies during the call leaves
// no conversation waiting for ever. docs/serve.md states what each store
// guarantees.
//
// Each saved turn records the flow version that ran it (a hash of the
// flow's files). With a shared store, several processes may run two
// versions during a rolling deploy: a message whose conversation waits in
// a state this process's flow lacks, last handled by a version it never
// ran, is deferred in the inbox for a process running that version, for
// up to WithVersionGrace, before it moves the conversation as a reload
// does (rolling.go). On a store that keeps them (flows.FlowVersions, the
// Valkey store's) each process announces the versions it serves, and a
// version no process announces is not waited for.
//
// host is a wiring package: it imports engine, handoff, nlu, the channel
// and store packages; none of them imports it.
package host
