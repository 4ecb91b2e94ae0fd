// Package scaffold writes a new Baton project for a conversation designer
// (`baton init`): a flow, its conversation tests, a deployment config, the
// JSON Schemas editors complete them with, and a README saying what to run
// next. The flow speaks the languages asked for (Italian, English, Spanish),
// and the result passes `baton validate` and `baton test` as written.
package scaffold
