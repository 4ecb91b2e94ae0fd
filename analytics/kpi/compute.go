package kpi

import (
	"slices"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// Computer sums events up into KPIs. Add events in the order they were
// written; Result may be called at any time (it finalizes nothing). A
// Computer is not safe for concurrent use.
type Computer struct {
	o Options

	events  int64
	unknown map[string]int // events of types this version does not read, by type
	future  int            // events left out, dated after Options.Now
	// notAfter is Options.Now plus FutureSlack when it was last read: an
	// event dated after it makes the computer read the clock again.
	notAfter  time.Time
	horizon   time.Time // the latest event time seen
	lastSweep time.Time
	open      map[string]*conv
	// fcr are the ends of the resolved conversations whose
	// first-contact window is still open, by contact and topic
	// (fcrPending of them).
	fcr map[fcrKey][]time.Time
	// late are the handoffs counted as breached while still unanswered
	// (their conversation was settled): a first reply that comes later
	// is the same breach.
	late map[string]lateHandoff
	// settled are the teams of the conversations with a handoff counted
	// while idle (their ticket may still be open), by conversation id:
	// the survey asked after the ticket is solved is that team's.
	settled map[string]settledConv
	// deadIDs are the handoffs counted as failed (a dead letter), by id,
	// with when: an operator may retry one (baton handoff retry), and
	// then it is delivered, not failed; failed again, the same failure.
	deadIDs map[string]time.Time
	// seen are the ids of the events of the last repeatWindow (at
	// least) with their times: an event read again, the same id and
	// time (a webhook batch sent again and stored twice), counts once.
	seen     map[string]time.Time
	seenSwep time.Time // the horizon at forgetSeen
	repeated int
	// asks are the survey questions waiting for their answer, by
	// conversation and kind, with when they were asked: an answer counts
	// for the response rate of the period its question was asked in.
	asks map[surveyAsk]time.Time

	outcomes      map[string]int
	finished      int
	escalated     int
	byReason      map[string]int
	messagesIn    int
	noMatches     int
	turns         dist
	turnsHandoff  dist
	timeToHandoff dist
	botResponse   dist
	funnel        map[stateKey]*stateCount
	funnelOrder   []stateKey
	frt           map[teamKey]*slaDist
	resolution    map[teamKey]*slaDist
	frtAll        slaDist
	resAll        slaDist
	alerts        map[int]int
	requested     int
	delivered     int
	failed        int
	surveys       map[string]*survey
	byHour        [24]int
	byWeekday     [7]int
	series        map[int64]*bucket
	fcrRepeat     int
	fcrFirst      int
	fcrPending    int
	started       int
}

type stateKey struct{ flow, state string }

type stateCount struct {
	entered, left, dropped, ended, handedOff int
}

type teamKey struct{ team, priority string }

type surveyAsk struct{ conversation, kind string }

// lateHandoff is a handoff counted as an unanswered breach: its team and
// priority, and when.
type lateHandoff struct {
	key teamKey
	at  time.Time
}

// settledConv is a conversation counted while idle: the team it was
// handed to, and when it was counted.
type settledConv struct {
	team string
	at   time.Time
}

// slaDist is a distribution of waits with the share within the target.
type slaDist struct {
	d               dist
	withDue, onTime int
	// breachedOpen counts waits still going on past their due time.
	breachedOpen int
}

// bucket is one hour of the period.
type bucket struct {
	start                               time.Time
	conversations, contained, escalated int
	counted                             int
	csatResponses, csatSatisfied        int
	npsResponses, promoters, detractors int
}

// conv is an open conversation: what its end needs to know.
type conv struct {
	in                 bool // it passes the filters and started in the period
	pass               bool // it passes the filters
	start              time.Time
	last               time.Time
	lastBot, lastUser  time.Time
	pendingIn          time.Time
	flow, state        string
	contact            string
	intent, choice     string // the first intent and menu choice: the topic
	userMsgs           int
	handoff            bool
	escalated          bool // a handoff went to Options.Team (any team without it): handoffAt, turnsBeforeHandoff
	handoffAt          time.Time
	turnsBeforeHandoff int
	team, priority     string
	// waiting is the open handoff: its FRT and resolution due times.
	handoffID          string
	firstDue, resolDue time.Time
	answered           bool
}

// New returns a Computer for the options.
func New(o Options) *Computer {
	return &Computer{
		o:          o.withDefaults(),
		open:       map[string]*conv{},
		unknown:    map[string]int{},
		fcr:        map[fcrKey][]time.Time{},
		late:       map[string]lateHandoff{},
		settled:    map[string]settledConv{},
		deadIDs:    map[string]time.Time{},
		seen:       map[string]time.Time{},
		asks:       map[surveyAsk]time.Time{},
		outcomes:   map[string]int{},
		byReason:   map[string]int{},
		funnel:     map[stateKey]*stateCount{},
		frt:        map[teamKey]*slaDist{},
		resolution: map[teamKey]*slaDist{},
		alerts:     map[int]int{},
		surveys:    map[string]*survey{},
		series:     map[int64]*bucket{},
	}
}

func (c *Computer) inPeriod(t time.Time) bool {
	return (c.o.From.IsZero() || !t.Before(c.o.From)) && (c.o.To.IsZero() || t.Before(c.o.To))
}

func (c *Computer) passes(flow, channel, lang string) bool {
	return (c.o.Flow == "" || c.o.Flow == flow) && (c.o.Channel == "" || c.o.Channel == channel) && (c.o.Lang == "" || c.o.Lang == lang)
}

func (c *Computer) teamOK(team string) bool { return c.o.Team == "" || c.o.Team == team }

// after reports whether cv passes the filters and started after the
// period: it is not counted, but it tells whether a customer of the
// period came back (first contact resolution).
func (c *Computer) after(cv *conv) bool {
	return cv.pass && !c.o.To.IsZero() && !cv.start.Before(c.o.To)
}

func (c *Computer) local(t time.Time) time.Time {
	if c.o.Location != nil {
		return t.In(c.o.Location)
	}
	return t
}

// knownTypes are the event types this version reads; the others (a
// newer version's, which the schema lets a reader ignore) are skipped and
// counted by name, at most maxUnknownTypes names (then as "others").
var knownTypes = map[flows.EventType]bool{
	flows.EvConversationStarted: true, flows.EvConversationEnded: true, flows.EvStateEntered: true,
	flows.EvMessageIn: true, flows.EvMessageOut: true, flows.EvNoMatch: true, flows.EvTriggerFired: true,
	flows.EvHandoffRequested: true, flows.EvHandoffDelivered: true, flows.EvHandoffFailed: true,
	flows.EvFirstAgentReply: true, flows.EvTicketSolved: true, flows.EvTicketClosed: true, flows.EvBotResumed: true,
	flows.EvSurveyAsked: true, flows.EvSurveyAnswered: true, flows.EvSurveySkipped: true, flows.EvSurveyComment: true,
	flows.EvSLAAlert: true, flows.EvHTTPRequest: true, flows.EvHTTPResult: true,
}

const maxUnknownTypes = 20

// Add takes one event. ev is not kept.
func (c *Computer) Add(ev *flows.Event) {
	if ev.At.After(c.notAfter) {
		if c.notAfter = c.o.Now().Add(FutureSlack); ev.At.After(c.notAfter) {
			c.future++
			if c.o.OnFuture != nil {
				c.o.OnFuture(ev)
			}
			return
		}
	}
	if ev.ID != "" {
		if at, ok := c.seen[ev.ID]; ok && at.Equal(ev.At) {
			c.repeated++
			return
		}
		c.remember(ev)
	}
	c.events++
	if !knownTypes[ev.Type] {
		name := string(ev.Type)
		if _, ok := c.unknown[name]; !ok && len(c.unknown) >= maxUnknownTypes {
			name = "others"
		}
		c.unknown[name]++
		return
	}
	if ev.At.After(c.horizon) {
		c.horizon = ev.At
	}
	if c.horizon.Sub(c.lastSweep) >= time.Hour {
		c.sweep()
	}
	cv := c.open[ev.Conversation]
	if cv != nil && ev.At.Sub(cv.last) >= c.o.Expire {
		// Idle past Expire: the sweep counts it, settled at its expiry,
		// whenever the sweep runs; counted here the same way, so that its
		// later events find it counted whether or not other traffic made
		// the sweep run first.
		c.finish(ev.Conversation, cv, "", cv.last.Add(c.o.Expire))
		cv = nil
	}
	if ev.Type == flows.EvConversationStarted {
		if cv != nil {
			// Started again before its expiry with no end before it: it
			// ended (the engine starts a conversation again only then),
			// its end lost (events are written at most once).
			c.finish(ev.Conversation, cv, c.endLost(cv, ev.At), cv.last)
		}
		c.startConv(ev)
		return
	}
	if cv == nil {
		c.orphan(ev)
		return
	}
	cv.last = ev.At
	if !cv.in {
		if ev.Type == flows.EvConversationEnded {
			if c.after(cv) {
				c.fcrCheck(cv, ev.At, false)
			}
			delete(c.open, ev.Conversation)
		} else if cv.pass {
			c.outside(ev, cv)
		}
		return
	}
	c.convEvent(ev, cv)
}

func (c *Computer) startConv(ev *flows.Event) *conv {
	delete(c.settled, ev.Conversation)
	cv := &conv{start: ev.At, last: ev.At, flow: ev.Flow, contact: ev.Contact}
	cv.pass = c.passes(ev.Flow, ev.Channel, ev.Lang)
	cv.in = cv.pass && c.inPeriod(ev.At)
	c.open[ev.Conversation] = cv
	if !cv.in {
		return cv
	}
	c.started++
	l := c.local(ev.At)
	c.byHour[l.Hour()]++
	c.byWeekday[(int(l.Weekday())+6)%7]++ // Monday first
	c.bucket(ev.At).conversations++
	return cv
}

// orphan handles an event of a conversation whose start is not in the
// data (or was finished already): only event-level KPIs count it.
func (c *Computer) orphan(ev *flows.Event) {
	if ev.Type == flows.EvConversationEnded {
		delete(c.settled, ev.Conversation)
	}
	if !c.inPeriod(ev.At) || !c.passes(ev.Flow, ev.Channel, ev.Lang) {
		return
	}
	switch ev.Type {
	case flows.EvHandoffDelivered, flows.EvHandoffFailed, flows.EvSLAAlert,
		flows.EvFirstAgentReply, flows.EvTicketSolved, flows.EvTicketClosed,
		flows.EvSurveyAnswered, flows.EvSurveyAsked, flows.EvSurveySkipped, flows.EvSurveyComment:
		c.handoffEvent(ev, nil)
		c.surveyEvent(ev, c.settled[ev.Conversation].team)
	}
}

// outside handles an event of a conversation that passes the filters
// but started outside the period: like an orphan's, its events that
// happen in the period count, its handoffs' teams known.
func (c *Computer) outside(ev *flows.Event, cv *conv) {
	switch ev.Type {
	case flows.EvMessageIn: // its topic, for first contact resolution
		if ev.To != "agent" {
			if cv.intent == "" {
				cv.intent = ev.Intent
			}
			if cv.choice == "" {
				cv.choice = ev.Choice
			}
		}
	case flows.EvHandoffRequested:
		cv.handoff, cv.team, cv.priority = true, ev.Team, ev.Priority
		cv.handoffID, cv.firstDue, cv.resolDue, cv.answered = ev.Handoff, ev.FirstResponseDue, ev.ResolutionDue, false
	case flows.EvFirstAgentReply:
		if ev.Handoff == cv.handoffID {
			cv.answered = true
		}
		c.handoffEvent(ev, cv)
	case flows.EvTicketSolved, flows.EvTicketClosed:
		if ev.Handoff == cv.handoffID {
			c.unansweredBreach(cv, ev.At) // as convEvent's
			cv.answered, cv.handoffID = true, ""
		}
		c.handoffEvent(ev, cv)
	case flows.EvHandoffDelivered, flows.EvHandoffFailed, flows.EvSLAAlert:
		c.handoffEvent(ev, cv)
	case flows.EvSurveyAnswered, flows.EvSurveyAsked, flows.EvSurveySkipped, flows.EvSurveyComment:
		team := ""
		if cv.handoff {
			team = cv.team
		}
		c.surveyEvent(ev, team)
	}
}

func (c *Computer) convEvent(ev *flows.Event, cv *conv) {
	switch ev.Type {
	case flows.EvMessageIn:
		if ev.To == "agent" {
			return
		}
		c.messagesIn++
		cv.userMsgs++
		cv.lastUser = ev.At
		if cv.pendingIn.IsZero() {
			cv.pendingIn = ev.At
		}
		if cv.intent == "" {
			cv.intent = ev.Intent
		}
		if cv.choice == "" {
			cv.choice = ev.Choice
		}
	case flows.EvMessageOut:
		if ev.From == "agent" {
			return
		}
		cv.lastBot = ev.At
		if !cv.pendingIn.IsZero() {
			c.botResponse.add(float64(ev.At.Sub(cv.pendingIn).Milliseconds()))
			cv.pendingIn = time.Time{}
		}
	case flows.EvNoMatch:
		c.noMatches++
	case flows.EvStateEntered:
		if cv.state != "" {
			c.state(cv.flow, cv.state).left++
		}
		cv.state = ev.State
		c.state(cv.flow, cv.state).entered++
	case flows.EvHandoffRequested:
		cv.handoff = true
		if !cv.escalated && c.teamOK(ev.Team) {
			cv.escalated = true
			cv.handoffAt = ev.At
			cv.turnsBeforeHandoff = cv.userMsgs
		}
		cv.team, cv.priority = ev.Team, ev.Priority
		cv.handoffID, cv.firstDue, cv.resolDue, cv.answered = ev.Handoff, ev.FirstResponseDue, ev.ResolutionDue, false
		c.state(cv.flow, ev.State).handedOff++ // the funnel is not split by team
		if c.teamOK(ev.Team) {
			c.requested++
			c.byReason[ev.Reason]++
		}
	case flows.EvFirstAgentReply:
		if ev.Handoff == cv.handoffID {
			cv.answered = true
		}
		c.handoffEvent(ev, cv)
	case flows.EvTicketSolved, flows.EvTicketClosed:
		if ev.Handoff == cv.handoffID {
			// Solved or closed with no first reply, after the reply was
			// due: it was never answered in time, a breach no first reply
			// will report.
			c.unansweredBreach(cv, ev.At)
			cv.answered, cv.handoffID = true, ""
		}
		c.handoffEvent(ev, cv)
	case flows.EvHandoffDelivered, flows.EvHandoffFailed, flows.EvSLAAlert:
		c.handoffEvent(ev, cv)
	case flows.EvBotResumed:
		// A message the handoff answered waits for the bot no more: its
		// next reply answers the return, not that message.
		cv.pendingIn = time.Time{}
	case flows.EvSurveyAsked, flows.EvSurveyAnswered, flows.EvSurveySkipped, flows.EvSurveyComment:
		team := ""
		if cv.handoff {
			team = cv.team
		}
		c.surveyEvent(ev, team)
	case flows.EvConversationEnded:
		c.finish(ev.Conversation, cv, ev.Outcome, ev.At)
	}
}

// handoffEvent counts the team-level handoff events.
func (c *Computer) handoffEvent(ev *flows.Event, cv *conv) {
	team, prio := ev.Team, ev.Priority
	if team == "" && cv != nil {
		team, prio = cv.team, cv.priority
	}
	if !c.teamOK(team) || !c.inPeriod(ev.At) {
		return
	}
	k := teamKey{team, prio}
	switch ev.Type {
	case flows.EvHandoffDelivered:
		if _, ok := c.deadIDs[ev.Handoff]; ok {
			// Retried after it failed: it reached the helpdesk.
			delete(c.deadIDs, ev.Handoff)
			c.failed--
		}
		c.delivered++
	case flows.EvHandoffFailed:
		if ev.Handoff == "" {
			c.failed++
			break
		}
		if _, ok := c.deadIDs[ev.Handoff]; !ok {
			c.failed++
		}
		c.deadIDs[ev.Handoff] = ev.At
	case flows.EvSLAAlert:
		if ev.Target == "" || ev.Target == "first_response" {
			c.alerts[ev.Threshold]++
		}
	case flows.EvFirstAgentReply:
		if l, ok := c.late[ev.Handoff]; ok && ev.Handoff != "" {
			// Already counted as a breach, unanswered: now it is answered.
			delete(c.late, ev.Handoff)
			c.sla(c.frt, l.key).breachedOpen--
			c.frtAll.breachedOpen--
		}
		c.sla(c.frt, k).observe(ev.WaitMS, ev.At, ev.FirstResponseDue)
		c.frtAll.observe(ev.WaitMS, ev.At, ev.FirstResponseDue)
	case flows.EvTicketSolved, flows.EvTicketClosed:
		delete(c.late, ev.Handoff) // no first reply will come
		c.sla(c.resolution, k).observe(ev.WaitMS, ev.At, ev.ResolutionDue)
		c.resAll.observe(ev.WaitMS, ev.At, ev.ResolutionDue)
	}
}

func (s *slaDist) observe(waitMS int64, at, due time.Time) {
	s.d.add(float64(waitMS) / 1000)
	if !due.IsZero() {
		s.withDue++
		if !at.After(due) {
			s.onTime++
		}
	}
}

func (c *Computer) state(flow, state string) *stateCount {
	k := stateKey{flow, state}
	s := c.funnel[k]
	if s == nil {
		s = &stateCount{}
		c.funnel[k] = s
		c.funnelOrder = append(c.funnelOrder, k)
	}
	return s
}

func (c *Computer) sla(m map[teamKey]*slaDist, k teamKey) *slaDist {
	s := m[k]
	if s == nil {
		s = &slaDist{}
		m[k] = s
	}
	return s
}

func (c *Computer) bucket(t time.Time) *bucket {
	l := c.local(t)
	start := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), 0, 0, 0, l.Location())
	h := start.Unix()
	b := c.series[h]
	if b == nil {
		b = &bucket{start: start}
		c.series[h] = b
	}
	return b
}

// finish counts a conversation that ended (outcome from its
// conversation_ended event) or that is given up on (outcome "", inferred).
func (c *Computer) finish(id string, cv *conv, outcome string, at time.Time) {
	delete(c.open, id)
	if outcome == "" && cv.handoff && cv.pass {
		// Counted while idle: its events to come (the ticket solved, the
		// survey after it) are its team's.
		c.settled[id] = settledConv{cv.team, at}
	}
	// A handoff still waiting past its first-response due time is a
	// breach that no first reply will report (counted when it fell due
	// in the period: a conversation started before it may have one).
	if cv.pass && c.unansweredBreach(cv, at) {
		c.late[cv.handoffID] = lateHandoff{teamKey{cv.team, cv.priority}, at}
	}
	if !cv.in {
		if c.after(cv) {
			c.fcrCheck(cv, at, false)
		}
		return
	}
	if outcome == "" || outcome == flows.OutcomeExpired {
		// An end the host wrote because the conversation expired (the
		// customer came back after it sat idle) is the idle conversation
		// the sweep settles when other traffic comes first: the same
		// definitions give it the same outcome (abandoned when the bot
		// spoke last).
		outcome = c.infer(cv, at)
	}
	c.finished++
	c.outcomes[outcome]++
	if outcome == flows.OutcomeAbandoned || outcome == flows.OutcomeExpired {
		if cv.state != "" {
			c.state(cv.flow, cv.state).dropped++
		}
	} else if cv.state != "" {
		c.state(cv.flow, cv.state).ended++
	}
	c.turns.add(float64(cv.userMsgs))
	b := c.bucket(cv.start)
	b.counted++
	if cv.escalated {
		c.escalated++
		c.turnsHandoff.add(float64(cv.turnsBeforeHandoff))
		c.timeToHandoff.add(cv.handoffAt.Sub(cv.start).Seconds())
		b.escalated++
	}
	if outcome == flows.OutcomeContained {
		b.contained++
	}
	c.fcrCheck(cv, at, outcome == flows.OutcomeContained || outcome == flows.OutcomeHandedOff)
}

// unansweredBreach counts cv's handoff as a first-response breach when
// it is unanswered at at, past its due time, and it fell due in the
// period (the breach happened then, as a late reply happens when it
// comes); it reports whether it did.
func (c *Computer) unansweredBreach(cv *conv, at time.Time) bool {
	if cv.handoffID == "" || cv.answered || cv.firstDue.IsZero() || !at.After(cv.firstDue) || !c.teamOK(cv.team) || !c.inPeriod(cv.firstDue) {
		return false
	}
	c.sla(c.frt, teamKey{cv.team, cv.priority}).breachedOpen++
	c.frtAll.breachedOpen++
	return true
}

// infer is the outcome of a conversation with no end: handed off when it
// had a handoff, abandoned when the customer left the bot's last message
// unanswered for AbandonAfter, else expired.
func (c *Computer) infer(cv *conv, now time.Time) string {
	switch {
	case cv.handoff:
		return flows.OutcomeHandedOff
	case !cv.lastBot.IsZero() && !cv.lastUser.After(cv.lastBot) && now.Sub(cv.lastBot) >= c.o.AbandonAfter:
		return flows.OutcomeAbandoned
	}
	return flows.OutcomeExpired
}

// endLost is the outcome of a conversation that ended, its end lost, as
// of now, when it started again: handed off when it had a handoff,
// abandoned when the customer left the bot's last message unanswered for
// AbandonAfter, else contained (it ended, with no handoff, not
// abandoned); not expired, which it did not.
func (c *Computer) endLost(cv *conv, now time.Time) string {
	if o := c.infer(cv, now); o != flows.OutcomeExpired {
		return o
	}
	return flows.OutcomeContained
}

// byStart returns the ids of the open conversations that keep picks, in
// the order they started (then by id): conversations counted together
// are counted in that order every time, so first contact resolution
// (which compares a conversation with the one counted before it) and
// the quantile sketches do not depend on a map's order.
func (c *Computer) byStart(keep func(*conv) bool) []string {
	var ids []string
	for id, cv := range c.open {
		if keep(cv) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		if n := c.open[a].start.Compare(c.open[b].start); n != 0 {
			return n
		}
		return strings.Compare(a, b)
	})
	return ids
}
