// Package nlueval measures NLU on labelled messages, for `baton nlu eval`:
// it reads the data files (JSON Lines of labelled messages), writes the
// text report of an nlu.Report (precision, recall and F1 of wants_human
// and frustrated, intent accuracy, macro-F1 and the confusion matrix,
// sentiment, speed, the mistakes), and runs an Escalation: each message
// sent through a flow after a greeting, in a fresh conversation at a time
// its calendar is open, to see whether it is handed off exactly when the
// customer needs a person (recall and precision of the escalations, recall
// per reason, false alarms).
//
// The metrics themselves are package nlu's (Evaluate, CrossValidate,
// EvaluateAnalyzer). nlueval is a wiring package: an Escalation drives the
// flow through sandbox, which runs the engine's turns.
package nlueval
