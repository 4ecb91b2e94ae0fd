package kpi

import (
	"time"

	"github.com/batonbot/baton/flows"
)

// Options select the events and tune the definitions.
type Options struct {
	// From and To bound the period: a conversation counts when it started
	// within [From, To), an event when it happened within it. Zero: open.
	From, To time.Time
	// Flow, Channel and Lang keep only conversations (and events) of that
	// flow, channel or language; empty: all.
	Flow, Channel, Lang string
	// Team keeps only the handoffs routed to that team (escalations, first
	// response, resolution, SLA) and the surveys of conversations handed
	// to it; the conversation KPIs (containment, funnel, volume) are not
	// split by team.
	Team string
	// AbandonAfter is N in "not abandoned within N minutes of the last bot
	// message" (default 30m): a conversation that never ended whose last
	// bot message went unanswered this long is abandoned.
	AbandonAfter time.Duration
	// Expire is how long an unfinished conversation stays open before it
	// is counted (default 24h): then it is abandoned (the bot spoke last),
	// handed off (it had a handoff) or expired.
	Expire time.Duration
	// FCRWindow is the first-contact-resolution window (default 7 days).
	FCRWindow time.Duration
	// Location is the time zone of volume by hour and weekday and of the
	// series buckets (default: each event's own offset).
	Location *time.Location
	// Now is the clock events are read by (default time.Now): an event
	// dated more than FutureSlack after it was not written when it says
	// (a mistyped year, a host's clock gone wrong) and is left out,
	// counted in Result.FutureEvents and told to OnFuture, since its time
	// would move the computer's clock there and settle every
	// conversation under way at once.
	Now func() time.Time
	// OnFuture, when set, is called with each event left out as dated
	// after Now (a reader warns of it, naming where it read it).
	OnFuture func(ev *flows.Event)
}

// FutureSlack is how far after Now an event may be dated (a host's
// clock a little ahead, an offset written wrong).
const FutureSlack = 24 * time.Hour

func (o Options) withDefaults() Options {
	if o.AbandonAfter <= 0 {
		o.AbandonAfter = 30 * time.Minute
	}
	if o.Expire <= 0 {
		o.Expire = 24 * time.Hour
	}
	if o.Expire < o.AbandonAfter {
		o.Expire = o.AbandonAfter
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FCRWindow <= 0 {
		o.FCRWindow = 7 * 24 * time.Hour
	}
	return o
}
