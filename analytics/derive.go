package analytics

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// DeriveOptions say what Derive puts in events besides the schema's
// fixed fields.
type DeriveOptions struct {
	// Text includes message and comment texts (off: only their sizes).
	Text bool
	// Salt is mixed into the contact pseudonym, so two deployments'
	// pseudonyms differ.
	Salt string
	// Expire is how long a conversation the bot holds may stay idle: a
	// customer message after that ends it as expired and starts a new one
	// (default 24h; negative: never). Flows with no-reply timeouts end
	// theirs before.
	Expire time.Duration
	// Now is when the turn was observed (after its save); the bot's
	// replies are stamped with it, so a reply's time minus the customer's
	// message's is the bot's response time, queueing and HTTP calls
	// included. Zero: the input's time.
	Now time.Time
}

// DefaultExpire is DeriveOptions.Expire's default.
const DefaultExpire = 24 * time.Hour

// Derive returns the analytics events of one saved turn, in the order
// they happened. It is deterministic: the same turn gives the same events
// and ids (conversation:turn:n), so a consumer can drop duplicates.
func Derive(t flows.TurnRecord, o DeriveOptions) []flows.Event {
	// Most effects are an event; the input and a start may add two.
	return derive(make([]flows.Event, 0, len(t.Effects)+2), t, o) // nil without After
}

// derive is Derive writing into buf (of length 0, reused: a Recorder's),
// nil when the turn has no event.
func derive(buf []flows.Event, t flows.TurnRecord, o DeriveOptions) []flows.Event {
	if t.After == nil {
		return nil
	}
	b, a := t.Before, t.After
	if b == nil {
		b = &flows.Session{}
	}
	d := deriver{t: t, o: o, state: b.State, out: buf[:0]}
	d.base = flows.Event{
		V:            flows.EventSchema,
		Conversation: a.ID,
		Contact:      Pseudonym(a.Contact.ID, o.Salt),
		Flow:         a.Flow,
		Channel:      a.Channel,
		Lang:         a.Lang,
		At:           t.Input.At,
	}
	if t.Flow != nil {
		d.base.Flow = t.Flow.Name
		d.base.FlowVersion = t.Flow.Version
	}
	if d.base.At.IsZero() {
		d.base.At = a.UpdatedAt
	}
	d.run()
	if len(d.out) == 0 {
		return nil
	}
	return d.out
}

type deriver struct {
	t     flows.TurnRecord
	o     DeriveOptions
	base  flows.Event
	state string
	out   []flows.Event
	// handoff is set once this turn requested a handoff.
	handoff bool
	// restarted: this turn started a new conversation, so the session
	// before it (its handoff, its outcome) was the previous one's.
	restarted bool
}

func (d *deriver) add(typ flows.EventType, fill func(*flows.Event)) {
	// Filled in place: an event handed to fill by its address would be
	// moved to the heap, each time.
	d.out = append(d.out, d.base)
	ev := &d.out[len(d.out)-1]
	ev.Type = typ
	ev.State = d.state
	// conversation:turn:n, appended in a buffer on the stack: one
	// allocation, the string, where concatenating cost one more for
	// each number of three digits or more.
	var buf [96]byte
	id := append(append(buf[:0], d.base.Conversation...), ':')
	id = append(strconv.AppendInt(id, int64(d.t.After.Turns), 10), ':')
	ev.ID = string(strconv.AppendInt(id, int64(len(d.out)), 10))
	if fill != nil {
		fill(ev) // sets fields; never adds an event
	}
}

func (d *deriver) run() {
	b, a, in := d.t.Before, d.t.After, d.t.Input
	if b == nil {
		b = &flows.Session{}
	}
	restart := -1
	for i, ef := range d.t.Effects {
		if lc, ok := ef.(flows.LifecycleChange); ok && lc.From == flows.LifecycleClosed && lc.To == flows.LifecycleBot {
			restart = i
			break
		}
	}
	expire := d.o.Expire
	if expire == 0 {
		expire = DefaultExpire
	}
	if in.Kind == flows.InputMessage && restart < 0 && expire > 0 && b.Turns > 0 && b.State != "" && b.Lifecycle == flows.LifecycleBot &&
		!b.UpdatedAt.IsZero() && in.At.Sub(b.UpdatedAt) >= expire {
		// The customer is back after the conversation expired: it ends,
		// and this message starts a new one.
		outcome := flows.OutcomeExpired
		if b.Outcome != "" {
			outcome = flows.OutcomeHandedOff
		}
		d.add(flows.EvConversationEnded, func(ev *flows.Event) {
			ev.At, ev.Outcome, ev.Reason = b.UpdatedAt.Add(expire), outcome, "expired"
		})
		restart = len(d.t.Effects)
	}
	if in.Kind == flows.InputMessage && ((b.Turns == 0 && b.State == "") || restart >= 0) {
		d.restarted = restart >= 0
		d.state = ""
		d.add(flows.EvConversationStarted, func(ev *flows.Event) {
			if !d.o.Text {
				return
			}
			if len(a.InitVars) > 0 {
				ev.Vars = a.InitVars
			}
			c := a.Contact
			country := ""
			if _, ok := c.Meta["country"]; !ok {
				country = flows.PhoneCountry(c.Phone)
			}
			if c.Name != "" || len(c.Meta) > 0 || country != "" {
				ev.User = &flows.EventUser{Name: c.Name, Meta: c.Meta, Country: country}
			}
		})
	}
	switch in.Kind {
	case flows.InputMessage:
		d.messageIn(b, a)
	case flows.InputTicket:
		d.ticket(b, a)
	case flows.InputHTTP:
		d.httpResult()
	}
	for i, ef := range d.t.Effects {
		if i == restart {
			continue
		}
		d.effect(b, a, ef)
	}
}

func (d *deriver) messageIn(b, a *flows.Session) {
	in := d.t.Input
	text := in.Text
	kind := "text"
	switch {
	case in.Media != nil:
		kind = "media"
	case text == "" && in.Payload != "":
		kind, text = "button", in.Payload
		if flows.IsOptionToken(text) { // a long id sent as its token: the option the engine read
			if id := choiceID(d.t.Flow, b.State, a); id != "" {
				text = id
			}
		}
	}
	to := "bot"
	if b.Lifecycle == flows.LifecycleHandedOff || b.Lifecycle == flows.LifecycleWithAgent {
		to = "agent"
	}
	d.add(flows.EvMessageIn, func(ev *flows.Event) {
		ev.Kind, ev.Size, ev.To = kind, utf8.RuneCountInString(text), to
		if d.o.Text {
			ev.Text = text
		}
		if m := in.Media; m != nil {
			ev.Media = m.Kind
			if d.o.Text {
				ev.Filename = m.Filename
			}
		}
		if kind == "button" {
			ev.Choice = text
		} else if to == "bot" {
			ev.Choice = choiceID(d.t.Flow, b.State, a)
		}
		if to == "bot" && a.Signals != nil && a.Signals != b.Signals && a.Signals.Intent != "" && a.Signals.Intent != "unknown" {
			ev.Intent = a.Signals.Intent
		}
	})
}

// choiceID is the id of the menu option of state the turn's user message
// chose, from the label the engine wrote in the transcript.
func choiceID(f *flows.Flow, state string, a *flows.Session) string {
	if f == nil || len(a.Transcript) == 0 {
		return ""
	}
	st := f.States[state]
	if st == nil || st.Menu == nil {
		return ""
	}
	var label string
	for i := len(a.Transcript) - 1; i >= 0; i-- {
		if m := a.Transcript[i]; m.From == flows.RoleUser {
			label = m.Choice
			break
		}
	}
	if label == "" {
		return ""
	}
	for _, o := range st.Menu.Options {
		for _, l := range o.Label {
			if l == label {
				return o.ID
			}
		}
	}
	return ""
}

// httpResult reports the answer to an HTTP action.
func (d *deriver) httpResult() {
	r := d.t.Input.HTTP
	if r == nil {
		return
	}
	d.add(flows.EvHTTPResult, func(ev *flows.Event) {
		ev.Request, ev.Status, ev.Error, ev.Size = r.ID, r.Status, r.Err, len(r.Body)
		if d.o.Text && len(r.Body) <= flows.MaxEventBody {
			ev.Body = string(r.Body)
		}
	})
}

// ticket reports a ticket solved or closed that ended the wait.
func (d *deriver) ticket(b, a *flows.Session) {
	u := d.t.Input.Ticket
	if u == nil || b.Handoff == nil || (a.Handoff != nil && a.Handoff.ID == b.Handoff.ID) {
		return
	}
	var typ flows.EventType
	switch u.Status {
	case flows.TicketSolved:
		typ = flows.EvTicketSolved
	case flows.TicketClosed:
		typ = flows.EvTicketClosed
	default:
		return
	}
	ref := b.Handoff
	d.add(typ, func(ev *flows.Event) {
		d.handoffRef(ev, ref)
		ev.Ticket, ev.Connector, ev.Agent = u.Ticket.ID, u.Ticket.Connector, u.Agent
		if ev.Ticket == "" {
			ev.Ticket, ev.Connector = ref.Ticket.ID, ref.Ticket.Connector
		}
		ev.ResolutionDue = ref.ResolutionDue
		ev.WaitMS = waitMS(ref.At, ev.At)
		ev.Reason = u.Gone // deleted, or closed behind the bridge's back
		ev.Refused, ev.MergedInto = u.Refused, u.MergedInto

	})
}

func (d *deriver) handoffRef(ev *flows.Event, ref *flows.HandoffRef) {
	ev.Handoff, ev.Team, ev.Priority = ref.ID, ref.Team, string(ref.Priority)
}

func waitMS(from, to time.Time) int64 {
	if from.IsZero() || to.Before(from) {
		return 0
	}
	return to.Sub(from).Milliseconds()
}

func (d *deriver) effect(b, a *flows.Session, ef flows.Effect) {
	switch e := ef.(type) {
	case flows.StateChange:
		d.state = e.To
		d.add(flows.EvStateEntered, func(ev *flows.Event) { ev.From = e.From })
	case flows.Reply:
		d.add(flows.EvMessageOut, func(ev *flows.Event) {
			ev.From, ev.Agent, ev.Size, ev.Options = e.From, e.Agent, utf8.RuneCountInString(e.Text), len(e.Options)
			if ev.From == "" {
				ev.From = "bot"
			}
			if ev.From == "bot" && d.o.Now.After(ev.At) {
				ev.At = d.o.Now
			}
			if d.o.Text {
				ev.Text = e.Text
			}
		})
	case flows.NoMatch:
		d.add(flows.EvNoMatch, func(ev *flows.Event) {
			ev.State, ev.Count, ev.Invalid = e.State, e.Count, e.Invalid
		})
	case flows.TriggerFired:
		d.add(flows.EvTriggerFired, func(ev *flows.Event) { ev.Trigger, ev.By = e.Name, e.By })
	case flows.HTTPRequest:
		d.add(flows.EvHTTPRequest, func(ev *flows.Event) {
			ev.Request, ev.Method = e.ID, e.Method
			if d.o.Text {
				ev.URL = e.URL
			}
		})
	case flows.HandoffEffect:
		if e.Handoff == nil {
			return
		}
		h := e.Handoff
		d.handoff = true
		d.add(flows.EvHandoffRequested, func(ev *flows.Event) {
			ev.Handoff, ev.Reason, ev.Team, ev.Priority, ev.Agent = h.ID, h.Reason, h.Team, string(h.Priority), h.Assignee
			ev.Tags = append([]string(nil), h.Tags...)
			in := h.InHours
			ev.InHours = &in
			ev.FirstResponseDue, ev.ResolutionDue = h.FirstResponseDue, h.ResolutionDue
		})
	case flows.LifecycleChange:
		d.lifecycle(b, a, e)
	case flows.EndEffect:
		outcome := flows.OutcomeContained
		switch {
		case d.handoff || (!d.restarted && (b.Handoff != nil || b.Outcome != "" || a.Outcome != "")):
			outcome = flows.OutcomeHandedOff
		case d.t.Input.Kind == flows.InputTimer:
			outcome = flows.OutcomeAbandoned
		}
		d.add(flows.EvConversationEnded, func(ev *flows.Event) { ev.Outcome, ev.Reason = outcome, e.Reason })
	case flows.SurveyAsked:
		d.add(flows.EvSurveyAsked, func(ev *flows.Event) { ev.Survey, ev.Kind = e.Survey, e.Kind })
	case flows.SurveyAnswered:
		score := e.Score
		d.add(flows.EvSurveyAnswered, func(ev *flows.Event) { ev.Survey, ev.Kind, ev.Score = e.Survey, e.Kind, &score })
	case flows.SurveySkipped:
		d.add(flows.EvSurveySkipped, func(ev *flows.Event) { ev.Survey, ev.Kind = e.Survey, e.Kind })
	case flows.SurveyComment:
		d.add(flows.EvSurveyComment, func(ev *flows.Event) {
			ev.Survey, ev.Kind, ev.Size = e.Survey, e.Kind, utf8.RuneCountInString(e.Text)
			if d.o.Text {
				ev.Text = e.Text
			}
		})
	}
}

func (d *deriver) lifecycle(b, a *flows.Session, e flows.LifecycleChange) {
	ref := b.Handoff
	if ref == nil {
		ref = a.Handoff
	}
	switch {
	case e.From == flows.LifecycleHandedOff && e.To == flows.LifecycleWithAgent && ref != nil:
		d.add(flows.EvFirstAgentReply, func(ev *flows.Event) {
			d.handoffRef(ev, ref)
			ev.Agent = d.t.Input.Agent
			ev.FirstResponseDue = ref.FirstResponseDue
			ev.WaitMS = waitMS(ref.At, ev.At)
		})
	case e.To == flows.LifecycleBot && (e.From == flows.LifecycleHandedOff || e.From == flows.LifecycleWithAgent) && ref != nil:
		ret := ref.Return
		d.add(flows.EvBotResumed, func(ev *flows.Event) {
			d.handoffRef(ev, ref)
			ev.State = ret
		})
	}
}

// Pseudonym is the contact field of events: a hash of the channel's
// contact id (and salt), the same for every conversation of one customer
// and not reversible to the phone number. Empty for an empty id.
func Pseudonym(id, salt string) string {
	if id == "" {
		return ""
	}
	h := sha256.Sum256([]byte(salt + "\x00" + id))
	return hex.EncodeToString(h[:8])
}
