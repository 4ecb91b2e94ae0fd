package replay

import (
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/batonbot/baton/flows"
)

// Conversation is one recorded conversation to replay.
type Conversation struct {
	// ID is the conversation's id (the session's, in an event stream).
	ID string `json:"id"`
	// Source says where it was read: the events file where it began, or
	// the test's file and position.
	Source string `json:"source"`
	// Session is the id the conversation runs under (default ID): a test
	// file's run as test-1, as `baton test` runs them, so what depends on
	// the id (a sampled survey) goes the same way.
	Session string `json:"-"`
	// Flow is the name of the flow it ran (an event stream's flow), ""
	// when unknown: a conversation of another flow than the replay's is
	// skipped.
	Flow    string         `json:"flow,omitempty"`
	Channel string         `json:"channel,omitempty"`
	Lang    string         `json:"lang,omitempty"`
	Contact flows.Contact  `json:"-"`
	Vars    map[string]any `json:"-"`
	Inputs  []Input        `json:"inputs"`
	// End is the horizon: the timeouts due by then fire (the last
	// recorded event's time).
	End time.Time `json:"-"`
	// Calls are the HTTP answers recorded, in order.
	Calls []Call `json:"-"`
	// Recorded is what happened when it was recorded: one Step per input
	// with what was recorded of it.
	Recorded *Run `json:"-"`
	// Skip, when set, says why the conversation cannot be replayed.
	Skip string `json:"skip,omitempty"`
	// seq orders conversations as they were read (Replay reports them so):
	// from nextSeq, unique in the process.
	seq int64
}

// seqs numbers conversations as they are read, across streams and files.
var seqs atomic.Int64

func nextSeq() int64 { return seqs.Add(1) }

// Input kinds: a test file's step kinds.
const (
	InputUser   = "user"
	InputButton = "button"
	InputMedia  = "media"
	InputAgent  = "agent"
	InputTicket = "ticket"
	InputClose  = "close"
	// InputWait only moves the clock to At: timeouts due by then fire.
	InputWait = "wait"
)

// Input is one thing the customer (or the agent, or time) did.
type Input struct {
	At    time.Time    `json:"at"`
	Kind  string       `json:"kind"`
	Text  string       `json:"text,omitempty"` // user, agent, media caption
	ID    string       `json:"id,omitempty"`   // button
	Media *flows.Media `json:"media,omitempty"`
	// Status is a ticket's; on a closed one that took no more messages,
	// Gone says why, MergedInto where it went and Refused when the first
	// message not on it came (flows.TicketUpdate's).
	Status     flows.TicketStatus `json:"status,omitempty"`
	Gone       string             `json:"gone,omitempty"`
	MergedInto string             `json:"merged_into,omitempty"`
	Refused    time.Time          `json:"refused,omitzero"`
}

// String shows the input as a test file writes its step; a ticket
// closed because it was deleted or merged says so.
func (in Input) String() string {
	switch in.Kind {
	case InputButton:
		return "button: " + in.ID
	case InputTicket:
		s := "ticket: " + string(in.Status)
		// A ticket that took no more messages says why (a test file's
		// ticket: step cannot, the report can).
		switch in.Gone {
		case flows.GoneDeleted:
			s += " (deleted in the helpdesk)"
		case flows.GoneMerged:
			if in.MergedInto != "" {
				s += " (merged into ticket " + strconv.Quote(in.MergedInto) + ")"
			} else {
				s += " (merged into another ticket)"
			}
		case flows.GoneClosed:
			s += " (closed in the helpdesk, took no more messages)"
		}
		return s
	case InputWait:
		return "wait until " + in.At.Format("2006-01-02 15:04:05")
	case InputClose:
		return "close"
	case InputMedia:
		if in.Media != nil {
			return "media: " + in.Media.Kind
		}
	}
	return in.Kind + ": " + strconv.Quote(in.Text)
}

// Call is a recorded answer to an HTTP action.
type Call struct {
	Method string
	// URL is matched exactly, or URLRegex when set; an empty URL matches
	// any call with the method.
	URL      string
	URLRegex *regexp.Regexp
	Status   int
	Body     []byte
	Err      string
	// Reuse keeps the call for every matching request (a test file's
	// canned response); else each answers one request, in order.
	Reuse bool
	// none: the answer was not recorded (no http_result, or its body was
	// left out): the flow's sandbox: response answers instead.
	none bool
}

func (c *Call) matches(r flows.HTTPRequest) bool {
	if c.none || c.Method != "" && c.Method != r.Method {
		return false
	}
	switch {
	case c.URLRegex != nil:
		return c.URLRegex.MatchString(r.URL)
	case c.URL != "":
		return c.URL == r.URL
	}
	return true
}

// Run is what a conversation did on a flow (or what was recorded of it):
// one Step per input.
type Run struct {
	Steps []Step `json:"steps"`
	// Errors are the problems of a replay: an error the flow survived, an
	// HTTP call nothing recorded an answer for.
	Errors []string `json:"errors,omitempty"`
}

// settle sets each step's State (the last state entered so far) and what
// is known of it.
func (r *Run) settle(known Known) {
	state := ""
	for i := range r.Steps {
		st := &r.Steps[i]
		if len(st.States) > 0 {
			state = st.States[len(st.States)-1]
		}
		st.State, st.Known = state, known
	}
}

// Step is what one input led to: its turns and the timeouts that fired
// before the next input.
type Step struct {
	// States are the states entered, in order; State the one the
	// conversation was in after the step.
	States []string `json:"states,omitempty"`
	State  string   `json:"state,omitempty"`
	// Replies are what the customer got: the bot's and the agents'.
	Replies   []string `json:"replies,omitempty"`
	NoMatches int      `json:"no_matches,omitempty"`
	Handoff   *Handoff `json:"handoff,omitempty"`
	// End is the reason the conversation ended in the step.
	End string `json:"end,omitempty"`
	// Known says what was recorded of the step (a replay knows all).
	Known Known `json:"-"`
}

// Unknown stands for a Handoff field that was not recorded (a test file's
// handoff: check that leaves it out): it is not compared.
const Unknown = "\x00unknown"

// Handoff is what a handoff's outcome is compared on.
type Handoff struct {
	Team     string `json:"team"`
	Priority string `json:"priority"`
	Reason   string `json:"reason"`
}

// Known is a set of the Step fields recorded.
type Known uint8

const (
	KnowStates    Known = 1 << iota // States, all of them
	KnowState                       // State
	KnowReplies                     // Replies, all of them
	KnowNoMatches                   // NoMatches
	KnowHandoff                     // Handoff (nil: none)
	KnowEnd                         // End ("": none)
	// KnowSomeReplies: Replies are some of the replies, in order (a test
	// file's bot: list, which lets others come between).
	KnowSomeReplies

	KnowAll = KnowStates | KnowState | KnowReplies | KnowNoMatches | KnowHandoff | KnowEnd
)
