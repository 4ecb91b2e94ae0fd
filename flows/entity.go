package flows

import "time"

// EntityExtractor finds system entities in a customer's message: numbers
// (also in words), dates (relative, absolute, ranges), times, durations,
// money, emails, phones and order ids, in the message's language. The
// engine calls it at most once per message, and only when the flow reads
// entities (an ask or collect with entity:, or the entities builtin).
type EntityExtractor interface {
	Extract(in EntityInput) []Entity
}

// EntityInput is what an extractor reads.
type EntityInput struct {
	Text string
	// Lang is the conversation's language (it, en, es...).
	Lang string
	// Now is the turn's clock in the flow's time zone: relative dates
	// ("domani", "next Friday") resolve against it, so a conversation
	// replays the same way.
	Now time.Time
}

// Entity kinds, the keys of the entities builtin and the values of
// ask.entity and collect slots' entity.
const (
	EntityNumber    = "number"     // "4", "12.5": digits or words ("quattro", "twelve")
	EntityDate      = "date"       // "2026-03-07"
	EntityDateRange = "date_range" // "2026-03-07/2026-03-08" (ISO 8601 interval)
	EntityTime      = "time"       // "20:00" (24-hour)
	EntityDuration  = "duration"   // "PT30M", "P3D" (ISO 8601)
	EntityMoney     = "money"      // "12.50 EUR"
	EntityEmail     = "email"      // "anna@example.com"
	EntityPhone     = "phone"      // "+393331234567"
	EntityOrder     = "order"      // "A12345"
)

// EntityKinds lists the kinds, in the order the docs present them.
var EntityKinds = []string{EntityNumber, EntityDate, EntityDateRange, EntityTime, EntityDuration, EntityMoney, EntityEmail, EntityPhone, EntityOrder}

// Entity is one value found in a message.
type Entity struct {
	Kind string `json:"kind"`
	// Value is normalised as the kind's comment says.
	Value string `json:"value"`
	// Text is what the customer wrote for it; Start and End are its byte
	// offsets in the message.
	Text       string `json:"text"`
	Start, End int    `json:"-"`
}
