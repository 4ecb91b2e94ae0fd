package flows

import "time"

// Lifecycle is who holds the conversation.
type Lifecycle string

const (
	LifecycleBot       Lifecycle = "bot"        // the flow answers
	LifecycleHandedOff Lifecycle = "handed_off" // a handoff was emitted; waiting for an agent
	LifecycleWithAgent Lifecycle = "with_agent" // an agent answered; the bot stays silent
	LifecycleClosed    Lifecycle = "closed"     // ended
)

// Session is one conversation's state between turns. It is small and
// serialisable (JSON); stores keep it as it is.
type Session struct {
	ID      string  `json:"id"`
	Flow    string  `json:"flow"`
	Contact Contact `json:"contact"`
	Channel string  `json:"channel,omitempty"`
	// FlowDigest names the version of the flow whose turn last saved the
	// session, as the engine was given it (engine.WithDigest: the host's
	// hash of the flow's files' contents, which changes with any edit,
	// unlike the flow's own version:); empty when it was given none.
	// During a rolling deploy it tells a process that lacks the
	// conversation's state whether another version has it.
	FlowDigest string `json:"flow_digest,omitempty"`
	// State is the current state; empty before the first turn.
	State string         `json:"state"`
	Vars  map[string]any `json:"vars,omitempty"`
	// InitVars are the variables the host gave the conversation when it
	// created the session, where they differ from the flow's defaults;
	// the engine records them on the first turn, and a conversation that
	// starts over after its end starts from them again.
	InitVars map[string]any `json:"init_vars,omitempty"`
	Lang     string         `json:"lang,omitempty"`
	// NoMatch counts consecutive misunderstood messages in State.
	NoMatch   int       `json:"no_match,omitempty"`
	Lifecycle Lifecycle `json:"lifecycle"`
	// Transcript keeps the last messages, both sides (bounded by the engine).
	Transcript []Message `json:"transcript,omitempty"`
	// Pending is set while the turn waits for an HTTP result.
	Pending *Pending `json:"pending,omitempty"`
	// Handoff is the open handoff, if any.
	Handoff *HandoffRef `json:"handoff,omitempty"`
	// Signals of the last analysed message.
	Signals *Signals `json:"signals,omitempty"`
	// Turns counts the turns taken; it also keys effect ids.
	Turns     int       `json:"turns"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Rev is the store's revision, for optimistic concurrency.
	Rev int64 `json:"rev,omitempty"`

	// LastUserAt is when the user last wrote; no-reply timeouts count from
	// it.
	LastUserAt time.Time `json:"last_user_at,omitzero"`
	// TimerKey is the key of the scheduled no-reply timeout (empty when
	// none); an InputTimer with another key is stale and ignored.
	TimerKey string `json:"timer_key,omitempty"`
	// TimerIndex is the index in Flow.Timeouts of the scheduled timeout.
	TimerIndex int `json:"timer_index,omitempty"`
	// Outcome is the status of the last handoff's ticket once it returned
	// to the bot ("solved", "closed"); the `outcome` builtin reads it.
	Outcome string `json:"outcome,omitempty"`
	// SurveyComment is set while a survey state waits for the answer to
	// its follow-up question (the score is in).
	SurveyComment bool `json:"survey_comment,omitempty"`
	// Stack holds the callers while a sub-flow runs (State.Call): State and
	// Vars are then the sub-flow's, and each frame keeps what its caller
	// had. Empty in the root flow.
	Stack []Frame `json:"stack,omitempty"`
}

// Frame is a caller waiting for a sub-flow to return.
type Frame struct {
	// Flow is the key (Flow.Subflows) of the flow the frame's sub-flow
	// runs; the frame below it (or the root) is the caller.
	Flow string `json:"flow"`
	// State is the calling state, whose Next runs on return; Vars are the
	// caller's variables.
	State string         `json:"state"`
	Vars  map[string]any `json:"vars,omitempty"`
}

// Contact is the person on the other side.
type Contact struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
	// Meta is what the channel or the business knows: vip, plan, country...
	Meta map[string]string `json:"meta,omitempty"`
}

// Role says who wrote a transcript message.
type Role string

const (
	RoleUser   Role = "user"
	RoleBot    Role = "bot"
	RoleAgent  Role = "agent"
	RoleSystem Role = "system"
)

// Message is one transcript entry.
type Message struct {
	At   time.Time `json:"at"`
	From Role      `json:"from"`
	Text string    `json:"text"`
	// Choice is the menu option a user message selected, as its label, so
	// an agent reading "2" sees "FAQ".
	Choice string `json:"choice,omitempty"`
	// Agent names the human author of an agent message.
	Agent string `json:"agent,omitempty"`
	// Media is what a user message carried besides text; Text then
	// describes it (see Media.Describe).
	Media *Media `json:"media,omitempty"`
	// Options are the titles of the menu options a bot message showed,
	// so a ticket says what the customer could choose from.
	Options []string `json:"options,omitempty"`
}

// Pending is a suspended turn waiting for an HTTP result.
type Pending struct {
	ID    string `json:"id"`
	State string `json:"state"`
	// Step is the index in the suspended action list to resume after.
	Step int `json:"step"`
	// Path locates the action list inside the state (e.g. "actions",
	// "menu.2", "next.0"); the engine defines it.
	Path string    `json:"path"`
	At   time.Time `json:"at"`
	// Trigger is what led to the suspended actions (the `trigger`
	// builtin), restored when the turn resumes.
	Trigger string `json:"trigger,omitempty"`
	// Timeout is 1 + the index in Flow.Timeouts of the no-reply timeout
	// whose firing led to the suspended actions (0: none), so the next
	// timeout is scheduled once they are done.
	Timeout int `json:"timeout,omitempty"`
	// Text is the customer's message that led to the call (the `text`
	// builtin), restored when the turn resumes; empty when none did.
	Text string `json:"text,omitempty"`
	// Direct says the message was a direct menu choice ("2", a button),
	// which holds no system entities, restored with Text.
	Direct bool `json:"direct,omitempty"`
	// User says the turn that made the call had a customer's message (a
	// message, not a timeout or an agent), restored with Text: the no-reply
	// timeouts count from that message, as without the call.
	User bool `json:"user,omitempty"`
	// Analysed says that message's signals were read before the call
	// (Session.Signals holds them); else the actions after the call that
	// read signals have it analysed then, as without the call.
	Analysed bool `json:"analysed,omitempty"`
	// NoMatch is the highest no-match count the turn reached before the
	// call, so a handoff after it reports the misses behind it (a ladder
	// step that went to another state reset the session's count).
	NoMatch int `json:"no_match,omitempty"`
	// Used are the indexes of that message's system entities a question
	// took before the call, and Whole says an ask took the whole message:
	// what answered one question does not answer the next after the call.
	Used  []int `json:"used,omitempty"`
	Whole bool  `json:"whole,omitempty"`
	// Answer is the `answer` builtin before the call (the answer to the
	// question the message answered), restored when the turn resumes.
	Answer string `json:"answer,omitempty"`
	// Media is what that message carried besides text (the `media`
	// builtin), restored when the turn resumes.
	Media *Media `json:"media,omitempty"`
	// Rejected are the indexes of the slots of State's collect whose value
	// in that message a validate: refused, so the actions after the call
	// say that slot's invalid text, as without the call.
	Rejected []int `json:"rejected,omitempty"`
	// NoSignals says that message, analysed before the call, has no
	// signals (no text to analyse, or the analyser failed): the actions
	// after the call see the unknown intent, not Session.Signals of an
	// earlier message.
	NoSignals bool `json:"no_signals,omitempty"`
	// MessageAt is when that message came in, when it is not At (a call
	// made after an earlier call's result): its entities are read against
	// that clock. Zero means At.
	MessageAt time.Time `json:"message_at,omitzero"`
}

// HandoffRef links a session to its open handoff.
type HandoffRef struct {
	ID     string    `json:"id"`
	Ticket TicketRef `json:"ticket,omitzero"`
	Return string    `json:"return,omitempty"`
	// Assignee is the agent routing assigned (Handoff.Assignee), whose
	// open-handoff count (LoadTracker) goes down when the ticket is
	// solved, closed or declined; empty when none was.
	Assignee string `json:"assignee,omitempty"`
	// Team, Priority and At are the handoff's routed team and priority
	// and when it was requested; FirstResponseDue and ResolutionDue its
	// SLA due times (zero: none); Reason the handoff's reason (empty in
	// sessions saved before it was kept). Analytics and the SLA watcher
	// read them.
	Reason           string    `json:"reason,omitempty"`
	Team             string    `json:"team,omitempty"`
	Priority         Priority  `json:"priority,omitempty"`
	At               time.Time `json:"at,omitzero"`
	FirstResponseDue time.Time `json:"first_response_due,omitzero"`
	ResolutionDue    time.Time `json:"resolution_due,omitzero"`
}
