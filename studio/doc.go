// Package studio is the web sandbox `baton sandbox FLOW` serves: a page on
// localhost where a conversation designer talks to a flow as a customer
// would, on the channel of their choice, and sees what the engine did.
//
// The page has the chat as the channel renders it (the channel's own
// sender builds the messages, against a transport that keeps them: reply
// buttons, lists and numbered text by WhatsApp's and Telegram's real
// limits), the flow graph with the current state and the path taken, the
// YAML of any state with its file:line:col, an inspector for every step
// (the NLU signals, the triggers, routes and transitions checked and why
// each did or did not hold, from engine.WithTrace; the variables,
// counters, lifecycle and effects), the handoffs with their routing and
// every request each helpdesk connector would send, and the controls: a
// clock that jumps forward and fires timeouts, the customer's profile,
// the agent's reply and solve, reset and "save as test", which writes the
// conversation as a `baton test` file that passes.
//
// A Studio keeps one conversation as the list of its steps (the inputs:
// messages, button taps, waits, agent replies, ticket changes) on a
// sandbox.Sandbox with a fixed clock, so every step is deterministic. When
// the flow file (or one it includes, or the deployment config) is saved,
// the flow is loaded again: a flow with errors leaves the last good one
// running and the page shows the diagnostics; a good one replays the
// steps on it, so the conversation carries on where it can. Changing the
// channel, the language or the profile replays them the same way.
//
// The page's assets are embedded (go:embed) and vendored at pinned
// versions (assets/vendor/README.md): the binary serves everything, with
// no CDN.
//
// studio is a wiring package: it imports sandbox, engine, dsl, the channel
// senders and the NLU.
package studio
