// Package replay runs recorded conversations again on a flow and says
// where their outcomes differ: `baton replay`.
//
// A Conversation is what a customer did, with its times: the messages and
// button taps, the agents' replies and ticket changes, the HTTP answers
// the flow got, and what happened then (the states, replies, handoffs,
// no-matches and end, as far as they were recorded). ReadEvents takes
// them from an analytics event stream written with texts; convtest's
// File.Replay reads `chat --record` test files into the same shape.
//
// Run replays each conversation on the new flow and on the baseline (or
// takes what was recorded as the baseline): one deterministic turn after
// another, on the recorded clock, timeouts firing as they fall due, HTTP
// actions answered by the recorded results or the flow's sandbox:
// responses, never by a real call. Compare lists the differences that
// matter to a support team: contained or handed off, the team and the
// priority, the states reached (and those gone from the new flow), the
// replies, new no-matches, the end. A Report counts them, words a summary
// and checks thresholds; it prints as text, JSON or a self-contained HTML
// page.
//
// replay is a wiring package: it imports engine, analytics, nlu and
// entity.
package replay
