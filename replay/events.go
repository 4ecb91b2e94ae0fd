package replay

import (
	"cmp"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/flows"
)

// ReadEvents reads the conversations of an analytics event stream (JSONL,
// as analytics.Scan reads it): per conversation id, the customer's
// messages and button taps, the agents' replies, the tickets solved or
// closed, the handoffs declined and the customer closing the chat, each
// at its time, the HTTP answers the flow got, and what was recorded of
// each step (states entered, replies, no-matches, handoffs, the end).
//
// Replaying needs the messages' texts: a stream written without them
// (`--events-text`, events.text) gives conversations whose Skip says so,
// as does a conversation that began before the stream does.
func ReadEvents(r io.Reader, name string) ([]*Conversation, error) {
	var out []*Conversation
	err := StreamEvents(r, name, 0, func(c *Conversation) { out = append(out, c) })
	slices.SortFunc(out, func(a, b *Conversation) int { return cmp.Compare(a.seq, b.seq) })
	return out, err
}

// StreamEvents reads the conversations of a stream as ReadEvents does, but
// hands each to emit as soon as it is over: when the stream's time is idle
// past its last event by more than idle (0: at the end of the stream), so
// memory follows the conversations under way, not the stream. The stream
// must be in time order, as hosts write it; a conversation that goes on
// after more than idle is cut in two (the second part replays as a new
// conversation, which it mostly is: the first one ended; when it expired
// instead, the engine went on from where it was, and the second part is
// skipped, saying so). The
// conversations come in the order they end; Conversation.seq orders them
// as they began.
func StreamEvents(r io.Reader, name string, idle time.Duration, emit func(*Conversation)) error {
	s := NewStream(idle, emit)
	err := s.Read(r, name)
	s.Close()
	return err
}

// Stream reads the files of one event stream in turn (a host's daily or
// size-rotated files, in order) as StreamEvents reads one: a conversation
// that goes on from one file to the next stays one conversation.
type Stream struct {
	idle time.Duration
	emit func(*Conversation)
	open map[string]*eventConv
	n    int
	last time.Time // the latest event time read, but events left out

	// LeaveOut, when set, is asked about each event (with its file and
	// line): true leaves it out of the stream's clock and its
	// conversation, which is skipped (an event dated years ahead, a
	// mistyped time, would make every conversation idle at once and fire
	// its conversation's timeouts).
	LeaveOut func(ev *flows.Event, name string, line int) bool
}

// SkipLeftOut is the reason given for a conversation an event of which
// Stream.LeaveOut left out.
const SkipLeftOut = "one of its events is dated after the time of the replay (a mistyped \"at\"?): correct its time to replay it"

// TestScope is the prefix `baton test --events` gives the ids in the
// events of its n-th conversation (from 1): every test conversation runs
// as test-1, and the scope keeps them apart in one events file.
func TestScope(n int) string { return "t" + strconv.Itoa(n) + "." }

// ChatScope is the prefix `baton chat --events` gives the ids in its
// events when the file has events already, at offset bytes: every chat's
// conversation is sandbox-1, and the scope keeps each chat's apart.
func ChatScope(offset int64) string { return "chat@" + strconv.FormatInt(offset, 10) + "." }

// scoped matches a conversation id TestScope or ChatScope scoped.
var scoped = regexp.MustCompile(`^(?:t[1-9][0-9]*\.(test-[0-9]+)|chat@[0-9]+\.(sandbox-[0-9]+))$`)

// testSession is the id a conversation of the events ran under: a test
// run's or a chat's scoped id without its scope (what depends on the id,
// a sampled survey, then goes as it went), else "" (its own id).
func testSession(id string) string {
	if m := scoped.FindStringSubmatch(id); m != nil {
		return m[1] + m[2]
	}
	return ""
}

// NewStream returns a stream that hands each conversation to emit when it
// is over (see StreamEvents); Close hands the rest.
func NewStream(idle time.Duration, emit func(*Conversation)) *Stream {
	return &Stream{idle: idle, emit: emit, open: map[string]*eventConv{}}
}

// Read reads the next file of the stream, named name in errors and
// reports.
func (s *Stream) Read(r io.Reader, name string) error {
	return analytics.ScanLines(r, name, func(ev *flows.Event, line int) error {
		b := s.open[ev.Conversation]
		if s.LeaveOut != nil && s.LeaveOut(ev, name, line) {
			if b == nil {
				b = &eventConv{c: &Conversation{ID: ev.Conversation, Session: testSession(ev.Conversation), Source: name, Flow: ev.Flow, Channel: ev.Channel, Lang: ev.Lang, seq: nextSeq()},
					rec: &Run{}, reqs: map[string]int{}, last: s.last}
				s.open[ev.Conversation] = b
			}
			if b.c.Skip == "" {
				b.c.Skip = SkipLeftOut
			}
			return nil
		}
		if ev.At.After(s.last) {
			s.last = ev.At
		}
		if b == nil {
			b = &eventConv{c: &Conversation{ID: ev.Conversation, Session: testSession(ev.Conversation), Source: name, Flow: ev.Flow, Channel: ev.Channel, Lang: ev.Lang, seq: nextSeq()},
				rec: &Run{}, reqs: map[string]int{}}
			switch {
			case ev.Type == flows.EvConversationEnded && ev.Reason == "expired":
				// The customer came back to a conversation left with the
				// bot: the engine goes on from where it was, in a part
				// this stream handed on already (idle) or in an earlier file.
				b.c.Skip = "its customer came back after it expired (its first event is conversation_ended, expired): it goes on from its earlier part, replayed apart (more than " +
					strconv.Itoa(int(s.idle.Hours())) + "h without an event) or in an earlier file, and cannot be replayed without it"
			case ev.Type != flows.EvConversationStarted:
				b.c.Skip = "it began before the events do (its first event is " + string(ev.Type) + "): give the earlier events file first"
			}
			s.open[ev.Conversation] = b
		}
		b.add(ev)
		if s.n++; s.idle > 0 && s.n%4096 == 0 {
			// The stream's clock, not this event's time: an event dated
			// earlier (an expired conversation's end, written at its
			// expiry when its customer came back) must not hold it back.
			s.sweep(s.last)
		}
		return nil
	})
}

// Close hands the conversations still open to emit.
func (s *Stream) Close() { s.sweep(time.Time{}) }

// sweep hands the conversations idle at now (all of them when now is
// zero) to emit.
func (s *Stream) sweep(now time.Time) {
	for id, b := range s.open {
		if now.IsZero() || now.Sub(b.last) > s.idle {
			s.emit(b.finish())
			delete(s.open, id)
		}
	}
}

// Idle is how long StreamEvents waits before taking a conversation of fs
// as over: twice the longest no-reply timeout, at least 48 hours.
func Idle(fs ...*flows.Flow) time.Duration {
	d := 24 * time.Hour
	for _, f := range fs {
		if f == nil {
			continue
		}
		for _, t := range f.Timeouts {
			if t != nil && t.After > d {
				d = t.After
			}
		}
	}
	return 2 * d
}

// eventConv builds a Conversation from its events.
type eventConv struct {
	c    *Conversation
	rec  *Run
	reqs map[string]int // HTTP request id → index in c.Calls
	last time.Time
	// noText: a customer message without its text; noReplies: a bot reply
	// without its text.
	noText, noReplies bool
	started           bool
}

// step starts the recorded step of a new input.
func (b *eventConv) step(in Input) {
	b.c.Inputs = append(b.c.Inputs, in)
	b.rec.Steps = append(b.rec.Steps, Step{})
}

// cur is the recorded step events go to now (nil before the first input).
func (b *eventConv) cur() *Step {
	if len(b.rec.Steps) == 0 {
		return nil
	}
	return &b.rec.Steps[len(b.rec.Steps)-1]
}

func (b *eventConv) add(ev *flows.Event) {
	if ev.At.After(b.last) {
		b.last = ev.At
	}
	switch ev.Type {
	case flows.EvConversationStarted:
		if !b.started {
			b.started = true
			b.c.Vars = ev.Vars
			b.c.Contact = flows.Contact{ID: ev.Contact}
			if u := ev.User; u != nil {
				b.c.Contact.Name, b.c.Contact.Meta = u.Name, u.Meta
				if _, ok := u.Meta["country"]; u.Country != "" && !ok {
					// The country the engine derived from the phone,
					// which the events never carry: user.country.
					b.c.Contact.Meta = maps.Clone(u.Meta)
					if b.c.Contact.Meta == nil {
						b.c.Contact.Meta = map[string]string{}
					}
					b.c.Contact.Meta["country"] = u.Country
				}
			}
		}
		return
	case flows.EvMessageIn:
		in := Input{At: ev.At, Kind: InputUser, Text: ev.Text}
		switch ev.Kind {
		case "button":
			in.Kind, in.ID, in.Text = InputButton, ev.Choice, ""
			if in.ID == "" {
				in.ID = ev.Text
			}
		case "media":
			// The media's kind (a picture in a stream written before the
			// events said which), its caption and a document's name.
			kind := ev.Media
			if kind == "" {
				kind = "image"
			}
			in.Kind, in.Media, in.Text = InputMedia, &flows.Media{Kind: kind, Caption: ev.Text, Filename: ev.Filename}, ""
		}
		if in.Kind == InputUser && ev.Text == "" && ev.Size > 0 {
			b.noText = true
		}
		b.step(in)
		return
	case flows.EvTicketSolved, flows.EvTicketClosed:
		st := flows.TicketSolved
		if ev.Type == flows.EvTicketClosed {
			st = flows.TicketClosed
		}
		in := Input{At: ev.At, Kind: InputTicket, Status: st}
		if st == flows.TicketClosed {
			// Why it took no more messages, as the host's update said.
			in.Gone, in.MergedInto, in.Refused = ev.Reason, ev.MergedInto, ev.Refused
		}
		b.step(in)
		return
	case flows.EvMessageOut:
		if ev.From == "agent" {
			text := ev.Text
			if text == "" {
				text = "(the agent's reply, recorded without its text)"
				b.noReplies = true
			}
			b.step(Input{At: ev.At, Kind: InputAgent, Text: text})
			b.cur().Replies = append(b.cur().Replies, ev.Text) // the customer got it
			return
		}
	case flows.EvConversationEnded:
		switch ev.Reason {
		case "customer_closed":
			b.step(Input{At: ev.At, Kind: InputClose})
		case "handoff_declined": // the deployment opened no ticket
			b.step(Input{At: ev.At, Kind: InputTicket, Status: flows.TicketDeclined})
		}
	case flows.EvHTTPRequest:
		b.reqs[ev.Request] = len(b.c.Calls)
		b.c.Calls = append(b.c.Calls, Call{Method: ev.Method, URL: ev.URL, none: true})
		return
	case flows.EvHTTPResult:
		k, ok := b.reqs[ev.Request]
		if !ok {
			return
		}
		c := &b.c.Calls[k]
		c.Status, c.Err, c.Body = ev.Status, ev.Error, []byte(ev.Body)
		// A body left out (no texts, or over MaxEventBody): the flow's
		// sandbox answers instead.
		c.none = ev.Body == "" && ev.Size > 0
		return
	}
	st := b.cur()
	if st == nil {
		return
	}
	switch ev.Type {
	case flows.EvStateEntered:
		st.States = append(st.States, ev.State)
	case flows.EvMessageOut:
		if ev.Text == "" && ev.Size > 0 {
			b.noReplies = true
		}
		st.Replies = append(st.Replies, ev.Text)
	case flows.EvNoMatch:
		st.NoMatches++
	case flows.EvHandoffRequested:
		if st.Handoff == nil {
			st.Handoff = &Handoff{Team: ev.Team, Priority: ev.Priority, Reason: ev.Reason}
		}
	case flows.EvConversationEnded:
		// An expired conversation did not end in the engine (the analytics
		// close it when the customer comes back a day later).
		switch ev.Reason {
		case "expired":
		case "": // end: true, as a replay names it
			st.End = "ended"
		default:
			st.End = ev.Reason
		}
	}
}

func (b *eventConv) finish() *Conversation {
	c := b.c
	c.End = b.last
	known := KnowStates | KnowState | KnowNoMatches | KnowHandoff | KnowEnd
	if !b.noReplies {
		known |= KnowReplies
	}
	b.rec.settle(known)
	c.Recorded = b.rec
	switch {
	case c.Skip != "":
	case b.noText:
		c.Skip = "its messages were recorded without their text: record events with texts (--events-text, or events.text: true in baton.yaml)"
	case len(c.Inputs) == 0:
		c.Skip = "no customer message"
	}
	return c
}
