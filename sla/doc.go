// Package sla computes a handoff's service-level due times and watches
// them.
//
// A Table holds each team's targets: the first response and the
// resolution per priority, and whether the clock runs only while the team
// is open (then the time outside its business hours does not count).
// Stamp sets a handoff's FirstResponseDue and ResolutionDue when routing
// has decided its team and priority.
//
// A Watcher raises alerts while a handoff waits: at each threshold (by
// default 80 % and 100 % of the first-response target) through its
// flows.Alerter (Slack, Microsoft Teams, a webhook; see Notifier), once
// per threshold per handoff, and reports each as an sla_alert event. Its
// due times live in the store, as timers written with the session
// (Watcher.Commit, an engine commit hook), and a marker per alert in the
// store's Deduper: a restart, or another instance, neither loses nor
// repeats an alert. The host hands it the timers whose key IsKey says are
// its own (Watcher.Fire).
//
// sla imports only flows.
package sla
