package flows

import "context"

// Analyzer turns a user message into Signals. The engine calls it at most
// once per turn, and only when the flow reads a signal and the message is
// not a direct menu choice (a digit or a button tap never pays for it).
// An error is not retried: the message is handled without signals, and
// the turn reports it (an ErrorEffect, in the host's log). An empty
// Intent reads as UnknownIntent, and Frustrated without a Frustration as
// a frustration of 1. Analyze is called from many conversations at once.
type Analyzer interface {
	Analyze(ctx context.Context, in AnalyzeInput) (Signals, error)
}

// AnalyzeInput is what an analyser sees.
type AnalyzeInput struct {
	Text string
	// Lang is the conversation's language, a hint.
	Lang string
	// ConversationID lets an analyser keep per-conversation context.
	ConversationID string
}

// Signals is what an analyser found in one message.
type Signals struct {
	// Intent is the top intent, "unknown" below the flow's threshold.
	Intent     string        `json:"intent"`
	Confidence float64       `json:"confidence"`
	Ranking    []IntentScore `json:"ranking,omitempty"`
	WantsHuman bool          `json:"wants_human"`
	// Frustrated is the analyser's verdict on anger or frustration.
	Frustrated bool `json:"frustrated"`
	// Frustration is how likely the customer is frustrated, in [0, 1].
	// The built-in analyser's verdict is Frustration >= 0.3; a flow can
	// escalate on another bar ("frustration >= 0.25" when missing an upset
	// customer costs more than a needless handoff, "frustration >= 0.6"
	// for fewer handoffs) or weigh it in a priority score. An analyser
	// with only a verdict reports 1 or 0.
	Frustration float64 `json:"frustration"`
	// Sentiment in [-1, 1].
	Sentiment float64 `json:"sentiment"`
	// Language detected (ISO 639-1), empty when unsure.
	Language string `json:"language,omitempty"`
	// Entities are extracted values by kind: "order", "email", "phone".
	Entities map[string][]string `json:"entities,omitempty"`
	// Source names the analyser that produced them ("builtin", "llm",
	// "builtin-fallback"...).
	Source string `json:"source,omitempty"`
	// Fallback, when set, says why the configured analyser's answer was
	// replaced by its fallback's ("timeout", "429 Too Many Requests"...);
	// the engine reports it as an NLUFallback effect.
	Fallback string `json:"fallback,omitempty"`
}

// IntentScore is one entry of an intent ranking.
type IntentScore struct {
	Intent string  `json:"intent"`
	Score  float64 `json:"score"`
}

// UnknownIntent is the intent reported below the confidence threshold.
const UnknownIntent = "unknown"
