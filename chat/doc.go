// Package chat runs `baton chat`: a conversation with a flow typed line by
// line, in a terminal (with line editing) or from a pipe, shown as text for
// people or as JSON Lines for programs. Lines starting with "/" are
// commands (Help lists them): let time pass, answer as the agent, change
// the ticket, tap a button, show the state or the last handoff. The chat
// can record the conversation as a test file after every step, and with
// Watch reloads the flow when it is saved and replays the conversation on
// it.
//
// The sandbox (package sandbox) runs the conversation; this package reads
// the lines and shows what happened. `baton chat` parses its flags into
// Options and calls Run.
package chat
