// Package sandbox runs a flow for `baton chat` and `baton test`: the real
// engine on an in-memory store, HTTP actions answered from canned
// responses (a test file's, then the flow's sandbox: ones; nothing leaves
// the machine), timers on a clock that moves only when told (or with the
// real one), and every effect of every step recorded as an Event, so a
// test means what the chat showed.
//
// With a deployment config the sandbox routes each handoff by it and shows
// the routing decision (RouteEvent) and every request each helpdesk
// connector would send (HelpdeskRequest), with the connectors in dry-run
// mode.
//
// Live (StartLive) runs the same conversation on the live host instead:
// the turns go through package host, the wiring `baton serve` runs, with a
// store file, the real connectors and their delivery worker, real HTTP
// actions, the config's LLM and globally unique ids; each delivery shows
// as HelpdeskDelivered or HelpdeskFailed.
//
// sandbox is a wiring package: it imports engine, handoff, nlu, host and
// the stores; cmd/baton formats what it records.
package sandbox
