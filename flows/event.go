package flows

import (
	"context"
	"time"
)

// EventSchema is the version of the analytics event schema (Event.V). It
// changes only when a field changes meaning or goes away; new event types
// and new optional fields keep it. docs/analytics.md describes version 1.
const EventSchema = 1

// EventType names an analytics event.
type EventType string

// The analytics event types. docs/analytics.md lists the fields of each.
const (
	EvConversationStarted EventType = "conversation_started"
	EvConversationEnded   EventType = "conversation_ended"
	EvStateEntered        EventType = "state_entered"
	EvMessageIn           EventType = "message_in"
	EvMessageOut          EventType = "message_out"
	EvNoMatch             EventType = "no_match"
	EvTriggerFired        EventType = "trigger_fired"
	EvHandoffRequested    EventType = "handoff_requested"
	EvHandoffDelivered    EventType = "handoff_delivered"
	EvHandoffFailed       EventType = "handoff_failed"
	EvFirstAgentReply     EventType = "first_agent_reply"
	EvTicketSolved        EventType = "ticket_solved"
	EvTicketClosed        EventType = "ticket_closed"
	EvBotResumed          EventType = "bot_resumed"
	EvSurveyAsked         EventType = "survey_asked"
	EvSurveyAnswered      EventType = "survey_answered"
	EvSurveySkipped       EventType = "survey_skipped"
	EvSurveyComment       EventType = "survey_comment"
	EvSLAAlert            EventType = "sla_alert"
	EvHTTPRequest         EventType = "http_request"
	EvHTTPResult          EventType = "http_result"
)

// Conversation outcomes (conversation_ended's outcome).
const (
	OutcomeContained = "contained"  // the bot finished it, nobody was handed it
	OutcomeHandedOff = "handed_off" // a handoff was requested during it
	OutcomeAbandoned = "abandoned"  // the customer stopped answering the bot (a no-reply timeout ended it)
	OutcomeExpired   = "expired"    // it sat idle with the bot past its expiry (the customer came back later)
)

// Event is one analytics event: one JSON object, written as the thing
// happens. Every event carries the common fields (schema version, id,
// type, time, conversation, contact, flow and version, channel, language,
// state), empty ones too; the others are set by the types that use them
// and omitted otherwise. Message texts are left out unless the host is
// configured to include them (sizes always are).
type Event struct {
	V    int       `json:"v"`
	ID   string    `json:"id"`
	Type EventType `json:"type"`
	At   time.Time `json:"at"`
	// Conversation is the conversation (session) id.
	Conversation string `json:"conversation"`
	// Contact is a pseudonym of the customer (a hash of the channel's
	// contact id), the same in every conversation of that customer.
	Contact     string `json:"contact"`
	Flow        string `json:"flow"`
	FlowVersion string `json:"flow_version"`
	Channel     string `json:"channel"`
	Lang        string `json:"lang"`
	// State is the conversation's state when the event happened (the state
	// entered, for state_entered).
	State string `json:"state"`

	// conversation_ended
	Outcome string `json:"outcome,omitempty"`
	// Reason: why the conversation ended (conversation_ended), why the
	// bot escalated (handoff_requested, sla_alert), why the ticket took
	// no more messages (ticket_closed: GoneDeleted, GoneMerged,
	// GoneClosed).
	Reason string `json:"reason,omitempty"`
	// ticket_closed, when the ticket took no more messages: Refused is the
	// time of the first customer message not on it (the transcript's line
	// goes before it), MergedInto the ticket a merged one went into, when
	// the helpdesk named it. `baton replay` closes the ticket the same way.
	Refused    time.Time `json:"refused,omitzero"`
	MergedInto string    `json:"merged_into,omitempty"`

	// state_entered: the state left; message_out: bot or agent.
	From string `json:"from,omitempty"`
	// message_in: text, button or media; survey_*: csat, nps or ces.
	Kind string `json:"kind,omitempty"`
	// Size of a message or comment, in characters.
	Size int `json:"size,omitempty"`
	// Text of a message or comment, only when the host includes texts.
	Text string `json:"text,omitempty"`
	// To says who a customer message reached: bot or agent (message_in).
	To string `json:"to,omitempty"`
	// Intent is the analyser's intent for the message (message_in), when
	// it was analysed and understood.
	Intent string `json:"intent,omitempty"`
	// Choice is the id of the menu option a message chose (message_in).
	Choice string `json:"choice,omitempty"`
	// Media is the kind of media a message carried (message_in of kind
	// media: image, audio, video, document, sticker, location, contacts);
	// Filename a document's name, only when the host includes texts.
	Media    string `json:"media,omitempty"`
	Filename string `json:"filename,omitempty"`
	// Options counts a menu's options (message_out).
	Options int `json:"options,omitempty"`
	// Count is the consecutive no-match count (no_match).
	Count int `json:"count,omitempty"`
	// Invalid: an answer failed validation (no_match).
	Invalid bool `json:"invalid,omitempty"`
	// Trigger and By: the rule that fired and what matched (trigger_fired).
	Trigger string `json:"trigger,omitempty"`
	By      string `json:"by,omitempty"`

	// Handoff is the handoff id (handoff_*, first_agent_reply, ticket_*,
	// bot_resumed, sla_alert).
	Handoff  string   `json:"handoff,omitempty"`
	Team     string   `json:"team,omitempty"`
	Priority string   `json:"priority,omitempty"`
	Agent    string   `json:"agent,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	// InHours: the team was open when the handoff was requested.
	InHours *bool `json:"in_hours,omitempty"`
	// FirstResponseDue and ResolutionDue are the handoff's SLA due times.
	FirstResponseDue time.Time `json:"first_response_due,omitzero"`
	ResolutionDue    time.Time `json:"resolution_due,omitzero"`
	// Ticket and Connector identify the helpdesk ticket.
	Ticket    string `json:"ticket,omitempty"`
	Connector string `json:"connector,omitempty"`
	// Attempts of a delivery (handoff_delivered, handoff_failed).
	Attempts int    `json:"attempts,omitempty"`
	Error    string `json:"error,omitempty"`
	// WaitMS is how long the customer waited, in milliseconds, from the
	// handoff to now (first_agent_reply: the first response time;
	// ticket_*: the resolution time; sla_alert: the wait so far).
	WaitMS int64 `json:"wait_ms,omitempty"`

	// Survey names the survey (survey_*).
	Survey string `json:"survey,omitempty"`
	// Score is the survey answer (survey_answered).
	Score *int `json:"score,omitempty"`

	// sla_alert: the target (first_response or resolution), the share of
	// it that has passed, in percent, and its due time (Due).
	Target    string    `json:"target,omitempty"`
	Threshold int       `json:"threshold,omitempty"`
	Due       time.Time `json:"due,omitzero"`

	// http_request and http_result: the HTTP action's request id, its
	// method, and its URL when the host includes texts (URLs may carry
	// what the customer wrote); the answer's status, Error when the call
	// failed, Size of the body in bytes and the Body itself when the host
	// includes texts (up to MaxEventBody bytes). `baton replay` answers a
	// replayed call with them.
	Request string `json:"request,omitempty"`
	Method  string `json:"method,omitempty"`
	URL     string `json:"url,omitempty"`
	Status  int    `json:"status,omitempty"`
	Body    string `json:"body,omitempty"`

	// conversation_started, when the host includes texts: the variables
	// the host started the conversation with (those differing from the
	// flow's) and the customer's name and metadata (vip, plan...), so
	// `baton replay` starts it the same way.
	Vars map[string]any `json:"vars,omitempty"`
	User *EventUser     `json:"user,omitempty"`
}

// EventUser is what conversation_started records of the customer when the
// host includes texts: never the phone number or the channel's id.
// Country is the one the engine derived from the phone (PhoneCountry)
// when Meta has none, so that a replay's user.country is the same.
type EventUser struct {
	Name    string            `json:"name,omitempty"`
	Meta    map[string]string `json:"meta,omitempty"`
	Country string            `json:"country,omitempty"`
}

// MaxEventBody bounds the HTTP response body an http_result event
// carries; a longer one is left out (its size stays).
const MaxEventBody = 64 << 10

// EventSink receives analytics events. Implementations must be safe for
// concurrent use and must not hold a turn up: sinks that write over the
// network buffer (boundedly) and send in the background.
type EventSink interface {
	// Write records events, in order. It must not keep the slice after
	// it returns (hosts reuse it): a sink that keeps events copies them.
	Write(ctx context.Context, events ...Event) error
	// Close flushes what is buffered and releases the sink.
	Close() error
}

// TurnRecord is one saved turn as hosts observe it (engine.WithObserver):
// the session before and after, the input, the effects in order, and the
// flow that ran it. The sessions and effects are shared: read, never
// modify.
type TurnRecord struct {
	Flow    *Flow
	Before  *Session
	After   *Session
	Input   Input
	Effects []Effect
}
