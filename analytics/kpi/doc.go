// Package kpi computes the support KPIs from analytics events, streaming:
// events go in one at a time (Add), in the order they were written, from a
// file, several rotated files or a stream, and Result sums them up. Memory
// does not grow with the number of events: it holds the conversations
// still open, the contacts seen within the first-contact-resolution window
// (7 days by default), per-state and per-team counters, hourly buckets of
// the period, and bounded-memory quantile sketches (beorn7/perks, the
// CKMS targeted-quantile stream Prometheus summaries use; exact below 128
// samples) for the percentiles.
//
// The definitions and formulas are in docs/analytics.md; Result's fields
// are named after them.
package kpi
