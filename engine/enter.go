package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/batonbot/baton/flows"
)

// locKind names an action list inside a state or the flow.
type locKind uint8

const (
	locActions locKind = iota // the state's own actions, run on entry
	locNext                   // state.Next[i].Do
	locMenu                   // state.Menu.Options[i].Do
	locRoute                  // state.Routes[i].Do
	locTrigger                // flow.Triggers[i].Do
	locNoMatch                // the ladder's step i (the state's, else the flow's)
	locTimeout                // flow.Timeouts[i].Do
)

var locNames = [...]string{"actions", "next", "menu", "route", "trigger", "no_match", "timeout"}

// loc locates an action list, so a turn suspended by an HTTP call can
// resume where it stopped. It is stored in Pending.Path as "next.2",
// "menu.0", "no_match.2!invalid"...
type loc struct {
	kind    locKind
	idx     int
	invalid bool // a ladder step run for an answer the Ask rejected
}

func (l loc) String() string {
	s := locNames[l.kind]
	if l.kind != locActions {
		s += "." + strconv.Itoa(l.idx)
	}
	if l.invalid {
		s += "!invalid"
	}
	return s
}

func parseLoc(p string) (loc, bool) {
	var l loc
	if rest, ok := strings.CutSuffix(p, "!invalid"); ok {
		l.invalid = true
		p = rest
	}
	name, num, hasNum := strings.Cut(p, ".")
	for i, n := range locNames {
		if n == name {
			l.kind = locKind(i)
			if l.kind == locActions {
				return l, !hasNum
			}
			idx, err := strconv.Atoi(num)
			if err != nil || idx < 0 {
				return l, false
			}
			l.idx = idx
			return l, true
		}
	}
	return l, false
}

// ladder returns the no-match ladder in force in st.
func (t *turn) ladder(st *flows.State) *flows.Ladder {
	if st != nil && st.NoMatch != nil {
		return st.NoMatch
	}
	if t.f.NoMatch == nil && t.f != t.e.flow {
		return t.e.flow.NoMatch // a sub-flow without its own ladder uses the flow's
	}
	return t.f.NoMatch
}

// resolve returns the actions and jump at l; ok is false when l does not
// exist (a flow changed under a suspended turn).
func (t *turn) resolve(st *flows.State, l loc) (actions []flows.Action, next string, ok bool) {
	var do *flows.Do
	switch l.kind {
	case locActions:
		if st == nil {
			return nil, "", false
		}
		return st.Actions, "", true
	case locNext:
		if st != nil && l.idx < len(st.Next) && st.Next[l.idx] != nil {
			do = &st.Next[l.idx].Do
		}
	case locMenu:
		if st != nil && st.Menu != nil && l.idx < len(st.Menu.Options) && st.Menu.Options[l.idx] != nil {
			do = &st.Menu.Options[l.idx].Do
		}
	case locRoute:
		if st != nil && l.idx < len(st.Routes) && st.Routes[l.idx] != nil {
			do = &st.Routes[l.idx].Do
		}
	case locTrigger:
		if l.idx < len(t.f.Triggers) && t.f.Triggers[l.idx] != nil {
			do = &t.f.Triggers[l.idx].Do
		}
	case locNoMatch:
		if ld := t.ladder(st); ld != nil && l.idx < len(ld.Steps) {
			do = &ld.Steps[l.idx]
		}
	case locTimeout:
		if to := t.e.flow.Timeouts; l.idx < len(to) && to[l.idx] != nil {
			do = &to[l.idx].Do
		}
	}
	if do == nil {
		return nil, "", false
	}
	return do.Actions, do.Goto, true
}

// goTo enters state name and keeps moving until the flow waits for the
// user, suspends for an HTTP call or stops.
func (t *turn) goTo(name string) {
	for name != "" && !t.halted() {
		name = t.enter(name)
	}
}

// enter moves to state name and runs its actions; it returns the state to
// move to next, if any.
func (t *turn) enter(name string) string {
	from := t.stateLabel // where the customer was, even if a jump leaves a sub-flow
	st := t.f.States[name]
	if st == nil && len(t.s.Stack) > 0 && t.unwindTo(name) {
		st = t.f.States[name]
	}
	if st == nil {
		start := t.e.flow.Start
		t.unwind(0)
		if name != start && t.f.States[start] != nil {
			t.errorf("state %q does not exist in flow %q; starting over at %q (check the flow's goto and return targets)", name, t.f.Name, start)
			return start
		}
		t.errorf("flow %q has no start state %q: set `start:` to one of its states", t.f.Name, start)
		t.stopped = true
		return ""
	}
	t.steps++
	if t.steps > t.e.maxSteps {
		t.loopError(name)
		return ""
	}
	t.path = append(t.path, name)
	t.stateLabel = t.qual(name)
	t.emit(flows.StateChange{From: from, To: t.stateLabel})
	// A new state starts its own count; a ladder step that shows the same
	// state again keeps it, so the next miss runs the next step.
	if name != t.s.State || t.trigger != "no_match" {
		t.s.NoMatch = 0
	}
	t.s.State = name
	// What the customer already said may answer the state: an ask with an
	// entity, a collect whose slots it fills. Then the question is not
	// asked: the state's actions are skipped too.
	if t.prefill(st) {
		t.matched()
		return t.next(st)
	}
	return t.runPath(st, loc{kind: locActions}, 0)
}

// runPath runs the actions at l from index from, then what follows them: for
// a state's own actions, waiting or its transitions; for a rule, its goto.
func (t *turn) runPath(st *flows.State, l loc, from int) string {
	actions, next, ok := t.resolve(st, l)
	if !ok {
		t.errorf("cannot find %s in state %q (the flow changed during the conversation?); starting over", l, stateName(st))
		if t.e.flow.States[t.e.flow.Start] != nil {
			return t.startOver()
		}
		return ""
	}
	if inv := t.invalidText(st); l.invalid && inv != nil {
		// Resumed after an HTTP call, the invalid text was said already if
		// a say came before the call.
		t.invalid, t.invalidSaid = inv, hasSay(actions[:min(from, len(actions))])
		defer func() { t.invalid = nil }()
	}
	mark := len(t.out)
	for i := from; i < len(actions); i++ {
		switch t.runAction(st, actions[i]) {
		case actSuspend:
			t.suspended = true
			t.s.Pending.State = stateName(st)
			t.s.Pending.Step = i + 1
			t.s.Pending.Path = l.String()
			t.s.Pending.Trigger = t.trigger
			t.s.Pending.Text = t.text
			t.s.Pending.Direct = t.direct
			t.s.Pending.User = t.userMsg
			t.s.Pending.Analysed = t.analysed || t.analysedBefore
			t.s.Pending.NoSignals = t.s.Pending.Analysed && t.userMsg && !t.ownSignals
			t.s.Pending.NoMatch = t.noMatchSeen
			t.s.Pending.Used, t.s.Pending.Whole = t.usedEntities(), t.entAllUsed
			t.s.Pending.Answer = t.answer
			t.s.Pending.Media = t.pendingMedia()
			t.s.Pending.Rejected = t.rejectedSlots(st)
			t.s.Pending.MessageAt = t.resumedAt
			if t.timerFired {
				t.s.Pending.Timeout = t.firedIndex + 1
			}
			return ""
		case actStop:
			t.stopped = true
			return ""
		case actReturn:
			return t.returnCall()
		}
	}
	if t.halted() {
		return ""
	}
	if l.kind == locActions {
		return t.afterEntry(st, mark)
	}
	if next != "" {
		return next
	}
	t.stay(st, mark)
	return ""
}

// hasSay reports whether actions hold a say.
func hasSay(actions []flows.Action) bool {
	for _, a := range actions {
		if _, ok := a.(*flows.Say); ok {
			return true
		}
	}
	return false
}

func stateName(st *flows.State) string {
	if st == nil {
		return ""
	}
	return st.Name
}

// afterEntry decides what follows a state's actions: end, wait or move on.
func (t *turn) afterEntry(st *flows.State, mark int) string {
	if st.End {
		reason := ""
		for _, a := range st.Actions {
			if e, ok := a.(*flows.End); ok {
				reason = e.Reason
			}
		}
		if len(t.s.Stack) > 0 {
			t.endReason = reason
			return t.returnCall()
		}
		t.end(reason)
		return ""
	}
	if st.Survey != nil {
		return t.askSurvey(st)
	}
	if st.WaitsForInput() {
		if st.Collect != nil {
			t.promptSlot(st.Collect)
		}
		if st.Menu != nil {
			t.attachMenu(st.Menu, mark, true)
		}
		return ""
	}
	if st.Call != nil {
		return t.call(st)
	}
	return t.next(st)
}

// next takes the first transition of st that holds.
func (t *turn) next(st *flows.State) string {
	for i, r := range st.Next {
		if r == nil {
			continue
		}
		if _, _, ok := t.checkRule(CheckNext, t.qual(st.Name), r); ok {
			return t.runPath(st, loc{kind: locNext, idx: i}, 0)
		}
	}
	if n := len(st.Next); n > 0 {
		// At the last rule: the catch-all goes after it.
		var at flows.Pos
		if r := st.Next[n-1]; r != nil {
			at = r.Pos
		}
		t.emit(flows.ErrorEffect{Message: fmt.Sprintf("no transition of state %q holds, so the conversation stays there; add a last rule without `when` as a fallback", st.Name), State: t.s.State, Pos: at})
	}
	return ""
}

// stay ends a rule that has no goto: the conversation stays in st. A menu
// is shown again on the rule's last reply.
func (t *turn) stay(st *flows.State, mark int) {
	if st != nil && st.Menu != nil && st.Name == t.s.State {
		t.attachMenu(st.Menu, mark, false)
	}
}

// attachMenu puts the menu's options on the last reply emitted since mark,
// or on an empty reply when there is none and always is set.
func (t *turn) attachMenu(m *flows.Menu, mark int, always bool) {
	for i := len(t.out) - 1; i >= mark; i-- {
		if r, ok := t.out[i].(flows.Reply); ok && r.From == "bot" {
			r.Options, r.Style = t.options(m)
			t.out[i] = r
			t.recordOptions(r.Options)
			return
		}
	}
	if always {
		opts, style := t.options(m)
		t.emit(flows.Reply{From: "bot", Options: opts, Style: style})
		t.record(flows.RoleBot, optionsText(opts))
		t.recordOptions(opts)
	}
}

// recordOptions notes the options shown on this turn's last bot message
// in the transcript, for the ticket.
func (t *turn) recordOptions(opts []flows.ReplyOption) {
	for i := len(t.msgs) - 1; i >= 0; i-- {
		if t.msgs[i].From == flows.RoleBot {
			titles := make([]string, len(opts))
			for j, o := range opts {
				titles[j] = o.Title
			}
			t.msgs[i].Options = titles
			return
		}
	}
}

// options renders a menu's options in the conversation's language.
func (t *turn) options(m *flows.Menu) ([]flows.ReplyOption, flows.MenuStyle) {
	opts := make([]flows.ReplyOption, 0, len(m.Options))
	for i, o := range m.Options {
		if o == nil {
			continue
		}
		n := o.Number
		if n == 0 {
			n = i + 1
		}
		opts = append(opts, flows.ReplyOption{ID: o.ID, Number: n, Title: t.label(o)})
	}
	return opts, menuStyle(m.Style, len(opts))
}

func (t *turn) label(o *flows.Option) string {
	if l := o.Label.For(t.s.Lang, t.e.lang); l != "" {
		return l
	}
	return o.ID
}

// menuStyle resolves auto: buttons up to 3 options, a list up to 10, text
// beyond.
func menuStyle(s flows.MenuStyle, n int) flows.MenuStyle {
	if s != "" && s != flows.MenuAuto {
		return s
	}
	switch {
	case n <= flows.MaxButtons:
		return flows.MenuButtons
	case n <= flows.MaxListRows:
		return flows.MenuList
	}
	return flows.MenuText
}

func optionsText(opts []flows.ReplyOption) string {
	var b strings.Builder
	for i, o := range opts {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(o.Number))
		b.WriteString(". ")
		b.WriteString(o.Title)
	}
	return b.String()
}

// loopError cuts a runaway loop short and names the states in it.
func (t *turn) loopError(name string) {
	t.stopped = true
	cycle := []string{name}
	for i := len(t.path) - 1; i >= 0; i-- {
		cycle = append(cycle, t.path[i])
		if t.path[i] == name {
			break
		}
		if len(cycle) > 12 {
			cycle = append(cycle, "…")
			break
		}
	}
	for i, j := 0, len(cycle)-1; i < j; i, j = i+1, j-1 {
		cycle[i], cycle[j] = cycle[j], cycle[i]
	}
	held := ""
	if n := t.dropRepeats(); n > 0 {
		held = fmt.Sprintf("; the %d replies of its later passes were not sent", n)
	}
	var at flows.Pos
	if st := t.f.States[name]; st != nil {
		at = st.Pos
	}
	t.emit(flows.ErrorEffect{Message: fmt.Sprintf("runaway loop: more than %d state moves in one turn (%s); make a state in the loop wait for the user (menu, ask, routes) or end it%s", t.e.maxSteps, strings.Join(cycle, " → "), held), State: t.s.State, Pos: at})
}

// dropRepeats takes back the bot's replies from the first state the turn
// entered a second time on, and returns how many: a runaway loop sends
// its first pass, not a message per pass (up to 50 on WhatsApp). The
// other effects of the later passes stay (variables set, calls made).
func (t *turn) dropRepeats() int {
	seen := make(map[string]bool, len(t.path))
	again := -1 // the index in path of the first state entered again
	for j, name := range t.path {
		if seen[name] {
			again = j
			break
		}
		seen[name] = true
	}
	if again < 0 {
		return 0
	}
	// Each state entered emitted one StateChange: the again-th is where
	// the repeats begin.
	from, changes := len(t.out), 0
	for i, e := range t.out {
		if _, ok := e.(flows.StateChange); ok {
			if changes == again {
				from = i
				break
			}
			changes++
		}
	}
	n := 0
	out := t.out[:from]
	for _, e := range t.out[from:] {
		if r, ok := e.(flows.Reply); ok && r.From == "bot" {
			n++
			continue
		}
		out = append(out, e)
	}
	clear(t.out[len(out):])
	t.out = out
	// A bot reply and its transcript line are made together (reply,
	// attachMenu): the last n bot lines are the replies taken back.
	left := n
	msgs := t.msgs
	for i := len(msgs) - 1; i >= 0 && left > 0; i-- {
		if msgs[i].From == flows.RoleBot {
			msgs = append(msgs[:i], msgs[i+1:]...)
			left--
		}
	}
	clear(t.msgs[len(msgs):])
	t.msgs = msgs
	return n
}
