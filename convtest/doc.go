// Package convtest is conversation tests: the test-file format, running
// them against a flow, checking expectations, coverage (docs/testing.md).
//
// A test file names a flow and lists conversations, each a setup (the
// language, the clock, the channel, the customer, variables, canned HTTP
// responses, a deployment config) and steps: an input (user, button,
// media, wait, agent, ticket, close) and checks of what followed (bot,
// options, state, vars, no_match, handoff, http, events, lifecycle,
// ended, route, requests). Parse reads one, reporting every mistake as
// path:line:col; Files finds the test files under directories.
//
// A Runner runs test files: every conversation against its flow in the
// sandbox, with a fixed clock and canned HTTP responses, so nothing leaves
// the machine. It writes ok or FAIL per conversation (each failure with
// the step, its input and a diff of what was expected against what
// happened), the coverage of each flow's states and transitions when
// asked, and "N passed, N failed"; its Result says how the run went.
// File.Replay gives a test file's conversations to package replay.
//
// convtest is a wiring package: it imports dsl, config (the deployment
// configs tests name), sandbox (which runs the engine's turns and the
// deployment config's handoff connectors), analytics and replay. `baton test`, `baton replay` and `baton load`
// use it.
package convtest
