package flows

import (
	"encoding/json"
	"time"
)

// Effect is something a turn asks the world to do or reports about itself.
// Effects are also the analytics events: every one has a Type, and hosts
// (the sandbox, `baton chat --json`, metrics) consume them as they are.
type Effect interface {
	Type() string
}

// Reply is a message for the user.
type Reply struct {
	Text string `json:"text"`
	// Options of a menu, in order; Style says how to render them.
	Options []ReplyOption `json:"options,omitempty"`
	Style   MenuStyle     `json:"style,omitempty"`
	// From is "bot" or "agent".
	From string `json:"from,omitempty"`
	// Agent names the human author of an agent reply.
	Agent string `json:"agent,omitempty"`
}

// ReplyOption is one rendered menu option.
type ReplyOption struct {
	ID     string `json:"id"`
	Number int    `json:"number"`
	Title  string `json:"title"`
	// Description is an optional second line (a WhatsApp list row's).
	Description string `json:"description,omitempty"`
}

// StateChange reports a move between states.
type StateChange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// TriggerFired reports that a global trigger or state route matched.
type TriggerFired struct {
	Name  string `json:"name"`
	State string `json:"state"`
	// By says what matched: keyword, pattern, intent, when.
	By string `json:"by,omitempty"`
	// Match is the keyword or text that matched, when there is one.
	Match string `json:"match,omitempty"`
}

// NoMatch reports a message the state did not understand.
type NoMatch struct {
	State string `json:"state"`
	// Count is the consecutive count, 1 for the first miss.
	Count int    `json:"count"`
	Text  string `json:"text,omitempty"`
	// Invalid is true when an Ask's validation rejected the answer.
	Invalid bool `json:"invalid,omitempty"`
}

// VarSet reports a variable assignment (captures included).
type VarSet struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// HTTPRequest asks the host to make an HTTP call and feed back an InputHTTP
// with the same ID. In sandbox mode the host answers with Canned instead
// (and errors if it is nil: nothing leaves the machine).
type HTTPRequest struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	Timeout time.Duration     `json:"timeout"`
	// Canned is the flow's sandbox response for this request, if any.
	Canned *HTTPResult `json:"canned,omitempty"`
}

// MaxHTTPChain bounds the HTTP calls one input may lead to. Each call's
// result is fed back as a turn of its own, which may ask for the next; a
// host (serve, the sandbox, replays, load runs) stops a flow that is still
// asking after this many and reports where.
const MaxHTTPChain = 100

// FirstHTTPRequest returns the first HTTP request among a turn's effects:
// the call the host makes before feeding its result back.
func FirstHTTPRequest(effs []Effect) (HTTPRequest, bool) {
	for _, e := range effs {
		if r, ok := e.(HTTPRequest); ok {
			return r, true
		}
	}
	return HTTPRequest{}, false
}

// Schedule asks the host to feed back InputTimer{Timer: Key} at At,
// replacing any earlier schedule with the same key.
type Schedule struct {
	Key string    `json:"key"`
	At  time.Time `json:"at"`
}

// Cancel asks the host to drop the schedule with Key.
type Cancel struct {
	Key string `json:"key"`
}

// LifecycleChange reports a move of the conversation's lifecycle.
type LifecycleChange struct {
	From Lifecycle `json:"from"`
	To   Lifecycle `json:"to"`
}

// HandoffEffect hands the conversation to people; the host writes it to the
// outbox with the session (see SessionStore.Save).
type HandoffEffect struct {
	*Handoff
}

// Append asks the host to add a customer message to the open ticket.
type Append struct {
	HandoffID string  `json:"handoff_id"`
	Message   Message `json:"message"`
}

// HandoffClose asks the host to close the handoff's ticket from Baton's
// side: the conversation ended or went back to the bot while the ticket
// was open. The host writes it to the outbox after the handoff's open and
// appends; connectors leave a ticket an agent already solved as it is.
type HandoffClose struct {
	HandoffID string `json:"handoff_id"`
	// Reason says why: customer_closed, ticket_solved, ticket_closed,
	// returned_to_bot.
	Reason string `json:"reason"`
}

// Undelivered reports an agent's message that did not reach the customer
// (the conversation was no longer with an agent); the host writes a note
// saying so on the ticket, so the agent knows.
type Undelivered struct {
	Ticket TicketRef `json:"ticket"`
	// Message is the note for the ticket (a system message).
	Message Message `json:"message"`
}

// EndEffect reports that the conversation ended.
type EndEffect struct {
	Reason string `json:"reason,omitempty"`
}

// ErrorEffect reports a problem the turn survived (a runaway loop cut
// short, an expression that failed at run time, a stale HTTP result).
type ErrorEffect struct {
	Message string `json:"message"`
	// Cause, when set, is the part of Message that may quote what the
	// customer wrote (what an expression failed on), apart so that a log
	// can mask it: Message ends with ": " and Cause. It is not encoded,
	// Message carries it.
	Cause string `json:"-"`
	State string `json:"state,omitempty"`
	Pos   Pos    `json:"pos,omitzero"`
}

// Reloaded reports that the conversation's state is gone from its flow
// (the flow was reloaded without it): the conversation moved to the
// flow's on_reload state, else its start.
type Reloaded struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Version is the flow's version now.
	Version string `json:"version,omitempty"`
}

// NLUFallback reports that the analyser fell back (see Signals.Fallback).
type NLUFallback struct {
	Reason string `json:"reason"`
	Source string `json:"source"`
}

// SurveyAsked reports that a survey step asked its question.
type SurveyAsked struct {
	Survey string `json:"survey"`
	// Kind is csat, nps or ces.
	Kind string `json:"kind"`
}

// SurveyAnswered reports a survey score: csat 1-5, nps 0-10, ces 1-7.
type SurveyAnswered struct {
	Survey string `json:"survey"`
	Kind   string `json:"kind"`
	Score  int    `json:"score"`
}

// SurveySkipped reports that the customer declined a survey they were
// asked (a skip word, or the survey's tries ran out).
type SurveySkipped struct {
	Survey string `json:"survey"`
	Kind   string `json:"kind"`
}

// SurveyComment is the answer to a survey's follow-up ("why?") question.
type SurveyComment struct {
	Survey string `json:"survey"`
	Kind   string `json:"kind"`
	Text   string `json:"text"`
}

func (SurveyAsked) Type() string     { return "survey_asked" }
func (SurveyAnswered) Type() string  { return "survey_answered" }
func (SurveySkipped) Type() string   { return "survey_skipped" }
func (SurveyComment) Type() string   { return "survey_comment" }
func (NLUFallback) Type() string     { return "nlu_fallback" }
func (Reloaded) Type() string        { return "reloaded" }
func (Reply) Type() string           { return "reply" }
func (StateChange) Type() string     { return "state" }
func (TriggerFired) Type() string    { return "trigger" }
func (NoMatch) Type() string         { return "no_match" }
func (VarSet) Type() string          { return "var" }
func (HTTPRequest) Type() string     { return "http" }
func (Schedule) Type() string        { return "schedule" }
func (Cancel) Type() string          { return "cancel" }
func (LifecycleChange) Type() string { return "lifecycle" }
func (HandoffEffect) Type() string   { return "handoff" }
func (Append) Type() string          { return "append" }
func (HandoffClose) Type() string    { return "handoff_close" }
func (Undelivered) Type() string     { return "undelivered" }
func (EndEffect) Type() string       { return "end" }
func (ErrorEffect) Type() string     { return "error" }

// MarshalEffect encodes e as one JSON object with its fields and a "type".
func MarshalEffect(e Effect) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	typ, _ := json.Marshal(e.Type())
	if len(b) == 2 { // {}
		return append(append([]byte(`{"type":`), typ...), '}'), nil
	}
	out := make([]byte, 0, len(b)+len(typ)+9)
	out = append(out, `{"type":`...)
	out = append(out, typ...)
	out = append(out, ',')
	return append(out, b[1:]...), nil
}
