// Package analytics is Baton's event stream: the analytics events every
// host writes (one JSON object per event, schema flows.EventSchema,
// described in docs/analytics.md), derived in one place from what a turn
// did, and the sinks that keep them.
//
// A Recorder is given to the engine (engine.WithObserver(rec.Observe)):
// after each saved turn it derives the events from the sessions before and
// after the turn, the input and the effects (Derive), and writes them to
// its flows.EventSink. Hosts add what only they see: helpdesk deliveries
// (Recorder.Delivered), SLA alerts (Recorder.Emit).
//
// Sinks: a JSONL file rotated by size or by day (FileSink, the default),
// a Valkey stream written with XADD and MAXLEN so several instances share
// one stream (ValkeyStream), and an HTTP webhook that posts batches
// (WebhookSink). Network sinks buffer a bounded number of events, send in
// the background, retry with backoff, and count what they had to drop:
// a slow analytics endpoint never holds a turn up.
//
// Scan reads events back, one at a time, from any number of files (or a
// reader); package analytics/kpi computes the KPIs from them.
//
// analytics imports only flows (and valkey-go for the stream sink).
package analytics
