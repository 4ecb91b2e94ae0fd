// Package loadgen measures Baton under load, the two ways `baton load`
// runs: RunEngine drives the engine and one store in process (turns per
// second, the latency of a turn with its session saved, allocations), and
// Run drives a running `baton serve` through its web chat API the way many
// customers would: turns per second and the latency from a customer's
// message to the bot's first reply, as the customer sees it, over real
// HTTP against a real listening server. Both replay the conversations of
// test files (EngineScripts, ServeScripts).
//
// With Run, each simulated customer opens the conversation's event stream (GET
// /api/events, server-sent events), then posts the messages of a script
// (POST /api/messages) one after the other: after each, it waits for as
// many replies as that message gets. How many that is comes from a first,
// calibration pass that runs every script once, slowly, against the same
// server (so a flow that answers differently at night or without a
// helpdesk is measured as it behaves). Calibration waits for as many
// replies as the message's test states (its bot: check), up to the
// timeout, then counts more until the stream is quiet for twice the
// longest it has waited for a reply so far (at least Settle), so that a
// slow server's late replies are counted with the message they answer.
// When a message gets fewer replies than calibrated within the timeout
// (however far apart they come) or more, it is counted as a mismatch; a
// message that gets none within the timeout is an error.
//
// `baton load --serve URL TESTS...` runs it with the messages of
// conversation test files.
package loadgen
