package flows

import "context"

// LoadTracker counts the open handoffs of each agent, for least-loaded and
// skills assignment. Session stores implement it next to the outbox, so
// the counts survive a restart and are shared by the processes sharing the
// store. The counts change in the save of the turn that causes them
// (Commit.Loads): engine.Handle adds 1 for the agent routing assigned a
// handoff and takes 1 off when the handoff's ticket is solved, closed or
// declined (HandoffRef.Assignee says whose it was), so a turn that fails
// to save counts nothing. A conversation that expires idle or is deleted
// takes what its saves counted off (no turn of it will). Add is for
// corrections.
type LoadTracker interface {
	// Loads returns the open handoffs of each of agents (missing: 0).
	Loads(ctx context.Context, agents []string) (map[string]int, error)
	// Add changes agent's count by delta; counts never go below zero.
	Add(ctx context.Context, agent string, delta int) error
}
