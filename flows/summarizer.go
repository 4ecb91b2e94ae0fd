package flows

import "context"

// Summarizer writes the short text at the top of a handoff's ticket
// (Handoff.Summary) from the handoff: what the customer wants, what the bot
// already did or collected, why it escalated. nlu/llm's Analyzer is one;
// hosts set h.Summary with it before routing and saving the handoff, and
// leave it empty on an error, so the handoff package's extractive summary
// is used instead.
type Summarizer interface {
	// Summarize returns the summary of h in the conversation's language,
	// or an error saying why there is none.
	Summarize(ctx context.Context, h *Handoff) (string, error)
}
