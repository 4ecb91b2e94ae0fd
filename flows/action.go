package flows

import "time"

// Action is one thing a state or rule does. The set is closed: Say, Set,
// HTTP, HandoffAction and End. The engine runs them in the order written.
type Action interface {
	// ActionPos is where the action was written.
	ActionPos() Pos
}

// Say sends a message.
type Say struct {
	Pos  Pos
	Text *Text
}

// Set assigns variables, in order. Assigning `lang` changes the
// conversation's language.
type Set struct {
	Pos    Pos
	Assign []Assign
}

// Assign is one variable assignment.
type Assign struct {
	Var   string
	Value *Expr
}

// HTTP calls an API. The engine does not do I/O: it stops the turn with an
// HTTPRequest effect and resumes with the InputHTTP the host feeds back. The
// result is saved in SaveAs as {status: int, ok: bool, body: any, error: string}.
type HTTP struct {
	Pos     Pos
	Method  string
	URL     *Template
	Headers map[string]*Template
	// Body is a JSON template: each string in it is a template.
	Body *Template
	// Timeout is the action's own timeout; 0 when it gives none: the
	// engine's default then (10s, or baton serve's server.http_timeout).
	Timeout time.Duration
	SaveAs  string
	// Sandbox holds canned responses used where nothing may leave the
	// machine (chat, test): the first whose When holds (or that has none).
	Sandbox []*CannedResponse
}

// CannedResponse is a fake HTTP response for sandbox and tests.
type CannedResponse struct {
	Pos    Pos
	When   *Expr
	Status int
	Body   any // decoded JSON
	// Delay simulates latency; past the HTTP action's timeout it is a
	// timeout.
	Delay time.Duration
}

// HandoffAction hands the conversation to a human: it sends Say, then emits a
// Handoff effect with the whole context, and the conversation's lifecycle
// moves to handed-off. Unset fields fall back to the engine's defaults
// (reason: what led here; priority: normal).
type HandoffAction struct {
	Pos      Pos
	Say      *Text
	Reason   *Template
	Team     *Template
	Priority *Template
	Tags     []*Template
	// Return names the state the bot resumes at when the ticket is solved
	// (e.g. a CSAT question); empty ends the conversation then.
	Return string
}

// End closes the conversation. In a sub-flow's states (Return set) it
// returns to the calling flow instead.
type End struct {
	Pos    Pos
	Reason string
	Return bool
}

func (a *Say) ActionPos() Pos           { return a.Pos }
func (a *Set) ActionPos() Pos           { return a.Pos }
func (a *HTTP) ActionPos() Pos          { return a.Pos }
func (a *HandoffAction) ActionPos() Pos { return a.Pos }
func (a *End) ActionPos() Pos           { return a.Pos }
