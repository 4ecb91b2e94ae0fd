package convtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// convState is what the checks remember across the steps of a
// conversation.
type convState struct {
	lastMenu []string // titles of the last menu shown
	menuSeen bool
	ended    bool
}

// checkStep runs every check of st against what the step produced and
// returns one message per failing check.
func checkStep(flow *flows.Flow, st *Step, res *sandbox.Step, s *flows.Session, vars map[string]any, cs *convState) []string {
	var fails []string
	fail := func(format string, args ...any) { fails = append(fails, fmt.Sprintf(format, args...)) }
	// keyed are the failures of the step's checks, printed after the
	// others in the order the test file writes the checks.
	var keyed []keyedFail
	// report reports a failure at pos, the entry of the check that is
	// wrong (a variable of vars:, a field of route:), or, when pos is
	// zero, at the check's key.
	report := func(pos flows.Pos, key, msg string) {
		if pos.IsZero() {
			keyed = append(keyed, keyedFail{st.checkPos[key], st.at(key, msg)})
			return
		}
		keyed = append(keyed, keyedFail{pos, pos.String() + ": " + msg})
	}
	// failAt reports a failure of the check with key key, at its position.
	failAt := func(key, format string, args ...any) { report(flows.Pos{}, key, fmt.Sprintf(format, args...)) }
	// failVar reports a failure of the variable name of vars:, at its entry.
	failVar := func(name, format string, args ...any) { report(st.varPos[name], "vars", fmt.Sprintf(format, args...)) }

	var replies []string
	var menu []string
	menuShown := false
	var handoffs []*flows.Handoff
	var requests []flows.HTTPRequest
	for _, ev := range res.Events {
		switch e := ev.Effect.(type) {
		case flows.Reply:
			replies = append(replies, e.Text)
			if len(e.Options) > 0 {
				menu, menuShown = optionTitles(e.Options), true
			}
		case flows.HandoffEffect:
			if e.Handoff != nil {
				handoffs = append(handoffs, e.Handoff)
			}
		case flows.HTTPRequest:
			requests = append(requests, e)
		case flows.EndEffect:
			cs.ended = true
		case flows.LifecycleChange:
			if e.From == flows.LifecycleClosed { // a new conversation began
				cs.ended = false
			}
		}
	}
	if menuShown {
		cs.lastMenu, cs.menuSeen = menu, true
	}
	if s.Lifecycle == flows.LifecycleClosed {
		cs.ended = true
	}

	for _, p := range res.Problems {
		fail("%s", p)
	}
	// An error the engine survived (an expression failing at run time, a
	// runaway loop, no transition that holds) is a bug in the flow: it fails
	// the step unless the step expects it with events: [{type: error}].
	if !expectsEvent(st.events, "error") {
		for _, ev := range res.Events {
			if e, ok := ev.Effect.(flows.ErrorEffect); ok && !ev.Host {
				where := ""
				if !e.Pos.IsZero() {
					where = " at " + e.Pos.String()
				}
				fail("the flow hit an error%s in state %q (expect it with events: [{type: error}] if it is intended):\n%s", where, e.State, e.Message)
			}
		}
	}
	if st.bot != nil {
		if msg := checkReplies(st.bot, replies); msg != "" {
			failAt("bot", "%s", msg)
		}
	}
	if st.optionsOK {
		got := cs.lastMenu
		switch {
		case !cs.menuSeen && len(st.options) > 0:
			failAt("options", "options: expected a menu %s, but no menu was shown", quoteList(st.options))
		case !slices.Equal(got, st.options):
			failAt("options", "options: the last menu shown differs\n%s", diffLines(strings.Join(st.options, "\n"), strings.Join(got, "\n")))
		}
	}
	if st.state != "" && st.state != s.State {
		failAt("state", "state: expected %q, the conversation is in %q%s", st.state, s.State, stateHint(flow, s, st.state))
	}
	if len(st.vars) > 0 {
		for _, name := range slices.Sorted(maps.Keys(st.vars)) {
			want := st.vars[name]
			got, ok := vars[name]
			if !ok && want != nil {
				// vars holds every variable of the running flow, set or
				// not: a name it lacks is a typo, not a value to come.
				hint := ""
				if s := flows.Suggest(name, slices.Sorted(maps.Keys(vars))); s != "" {
					hint = fmt.Sprintf("; did you mean %q?", s)
				}
				if n := len(s.Stack); n > 0 {
					// In a sub-flow vars are the sub-flow's: a caller's
					// variable is not there to check.
					caller := hint
					if _, ok := flow.Vars[name]; ok {
						caller = fmt.Sprintf(" (a test's vars: sees the running flow's own; %s is the calling flow's)", name)
					}
					failVar(name, "vars: %s: the sub-flow %q the conversation is in has no variable %q%s", name, s.Stack[n-1].Flow, name, caller)
					continue
				}
				failVar(name, "vars: %s: the flow has no variable %q%s", name, name, hint)
				continue
			}
			if !subset(want, normJSON(got)) {
				failVar(name, "vars: %s: expected %s, got %s", name, compactJSON(want), compactJSON(got))
			}
		}
	}
	if st.noMatch != nil && *st.noMatch != s.NoMatch {
		failAt("no_match", "no_match: expected %d consecutive no-matches, the count is %d", *st.noMatch, s.NoMatch)
	}
	if h := st.handoff; h != nil {
		for _, f := range checkHandoff(h, handoffs) {
			failAt("handoff", "%s", f)
		}
	}
	if len(st.http) > 0 {
		if msg := checkHTTP(st.http, requests); msg != "" {
			failAt("http", "%s", msg)
		}
	}
	checkHelpdesk(st, res, report)
	if len(st.events) > 0 {
		if msg := checkEvents(st.events, res); msg != "" {
			failAt("events", "%s", msg)
		}
	}
	if st.lifecycle != "" && st.lifecycle != string(s.Lifecycle) {
		failAt("lifecycle", "lifecycle: expected %s, it is %s", st.lifecycle, s.Lifecycle)
	}
	if st.ended != nil && *st.ended != cs.ended {
		if *st.ended {
			failAt("ended", "ended: expected the conversation to have ended; it is in state %q, lifecycle %s", s.State, s.Lifecycle)
		} else {
			failAt("ended", "ended: expected the conversation to go on, but it ended")
		}
	}
	slices.SortStableFunc(keyed, func(a, b keyedFail) int {
		if a.pos.Line != b.pos.Line {
			return a.pos.Line - b.pos.Line
		}
		return a.pos.Col - b.pos.Col
	})
	for _, k := range keyed {
		fails = append(fails, k.msg)
	}
	if len(fails) > 0 {
		fails = append(fails, listReplies(replies))
	}
	return fails
}

// keyedFail is a failure of a step's check, at the check's key.
type keyedFail struct {
	pos flows.Pos
	msg string
}

func optionTitles(opts []flows.ReplyOption) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Title
	}
	return out
}

// checkReplies matches the expected replies, in order, as a subsequence of
// the replies; no expectations means no reply at all.
func checkReplies(b *botCheck, replies []string) string {
	if len(b.want) == 0 {
		if len(replies) == 0 {
			return ""
		}
		return fmt.Sprintf("bot: expected no reply, got %s", flows.Plural(len(replies), "reply"))
	}
	i := 0
	for wi, w := range b.want {
		for i < len(replies) && !w.match(replies[i]) {
			i++
		}
		if i == len(replies) {
			msg := fmt.Sprintf("bot: expected reply %s", w)
			if wi > 0 {
				msg += fmt.Sprintf(" after the one matching %s", b.want[wi-1])
			}
			if len(replies) == 0 {
				return msg + ", but the bot did not reply"
			}
			msg += ", not found"
			// Diff against the reply most likely meant: the one at the
			// same position, else the last.
			cand := replies[min(wi, len(replies)-1)]
			if w.how == "exact" {
				return msg + "\n" + diffLines(w.s, cand)
			}
			return msg + "\n" + indent("- expected: "+w.String()+"\n+ got:      "+strconv.Quote(cand), "  ")
		}
		i++
	}
	return ""
}

func listReplies(replies []string) string {
	if len(replies) == 0 {
		return "replies in this step: none"
	}
	var b strings.Builder
	b.WriteString("replies in this step:")
	for i, r := range replies {
		fmt.Fprintf(&b, "\n  %d. %s", i+1, strconv.Quote(r))
	}
	return b.String()
}

func checkHandoff(h *handoffCheck, got []*flows.Handoff) []string {
	if h.none {
		if len(got) == 0 {
			return nil
		}
		return []string{fmt.Sprintf("handoff: expected none, got one to team %q, reason %q", got[0].Team, got[0].Reason)}
	}
	if len(got) == 0 {
		return []string{"handoff: expected a handoff in this step, there was none"}
	}
	g := got[len(got)-1]
	var fails []string
	field := func(name string, want *string, got string) {
		if want != nil && *want != got {
			fails = append(fails, fmt.Sprintf("handoff %s: expected %q, got %q", name, *want, got))
		}
	}
	field("reason", h.reason, g.Reason)
	field("team", h.team, g.Team)
	field("priority", h.priority, string(g.Priority))
	for _, t := range h.tags {
		found := false
		for _, gt := range g.Tags {
			found = found || gt == t
		}
		if !found {
			fails = append(fails, fmt.Sprintf("handoff tags: expected %q among %s", t, quoteList(g.Tags)))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(h.vars)) {
		if want := h.vars[name]; !subset(want, normJSON(g.Vars[name])) {
			fails = append(fails, fmt.Sprintf("handoff vars: %s: expected %s, got %s", name, compactJSON(want), compactJSON(g.Vars[name])))
		}
	}
	for _, want := range h.transcript {
		found := false
		var lines []string
		for _, m := range g.Transcript {
			found = found || strings.Contains(m.Text, want)
			lines = append(lines, fmt.Sprintf("%s: %s", m.From, m.Text))
		}
		if !found {
			fails = append(fails, fmt.Sprintf("handoff transcript: no message contains %q; the transcript:\n%s", want, indent(strings.Join(lines, "\n"), "  ")))
		}
	}
	return fails
}

func checkHTTP(want []httpCheck, got []flows.HTTPRequest) string {
	i := 0
	for _, w := range want {
		for i < len(got) && !w.match(got[i]) {
			i++
		}
		if i == len(got) {
			var lines []string
			for _, r := range got {
				line := r.Method + " " + r.URL
				if r.Body != "" {
					line += " " + r.Body
				}
				lines = append(lines, line)
			}
			asked := "none"
			if len(lines) > 0 {
				asked = "\n" + indent(strings.Join(lines, "\n"), "  ")
			}
			return fmt.Sprintf("http: expected a request %s, not asked for; requests in this step: %s", w, asked)
		}
		i++
	}
	return ""
}

func (w httpCheck) match(r flows.HTTPRequest) bool {
	if w.method != "" && !strings.EqualFold(w.method, r.Method) {
		return false
	}
	if w.url != "" && w.url != r.URL {
		return false
	}
	if w.hasBody {
		var body any
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			body = r.Body
		}
		return subset(w.body, body)
	}
	return true
}

func (w httpCheck) String() string {
	s := strings.TrimSpace(orDefault(w.method, "(any method)") + " " + w.url)
	if w.hasBody {
		s += " with body ⊇ " + compactJSON(w.body)
	}
	return s
}

// checkEvents matches the expected events, in order, as a subsequence of
// the step's events, each as a subset of the event's JSON fields.
func checkEvents(want []map[string]any, res *sandbox.Step) string {
	var got []any
	var lines []string
	for _, ev := range res.Events {
		b, err := sandbox.EventJSON(ev)
		if err != nil {
			continue
		}
		var m any
		_ = json.Unmarshal(b, &m)
		got = append(got, m)
		lines = append(lines, string(b))
	}
	i := 0
	for _, w := range want {
		for i < len(got) && !subset(normJSON(w), got[i]) {
			i++
		}
		if i == len(got) {
			return fmt.Sprintf("events: expected %s (in order after the previous ones), not found; the step's events:\n%s", compactJSON(w), indent(strings.Join(lines, "\n"), "  "))
		}
		i++
	}
	return ""
}

// normJSON turns a value into what encoding/json would decode it to, so
// that 3 and 3.0, or a YAML map and a JSON object, compare equal.
func normJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}

// subset reports whether want is contained in got: maps by their keys
// (recursively), lists element by element, anything else by equality.
func subset(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if !subset(wv, g[k]) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !subset(w[i], g[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(want, got)
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// diffLines shows expected and got texts line by line: "-" lines were
// expected, "+" lines came instead, " " lines are the same.
func diffLines(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	if len(a) == 1 && len(b) == 1 {
		return indent("- expected: "+strconv.Quote(want)+"\n+ got:      "+strconv.Quote(got), "  ")
	}
	// Longest common subsequence of lines.
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out = append(out, "  "+a[i])
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			// The expected line first, as the one-line diffs have it.
			out = append(out, "- "+a[i])
			i++
		default:
			out = append(out, "+ "+b[j])
			j++
		}
	}
	return indent("(- expected, + got)\n"+strings.Join(out, "\n"), "  ")
}

// expectsEvent reports whether an events: check names an event of type typ.
func expectsEvent(checks []map[string]any, typ string) bool {
	for _, c := range checks {
		if c["type"] == typ {
			return true
		}
	}
	return false
}

// stateHint is what a failed state: check adds after the state the
// conversation is in: the sub-flow it is in (events and the chat name its
// states "sub/state"), how a test names a sub-flow's state when the check
// wrote "sub/state", or that no flow of the test has the state expected
// (a typo), with the one meant.
func stateHint(flow *flows.Flow, s *flows.Session, want string) string {
	hint := ""
	if n := len(s.Stack); n > 0 {
		hint = fmt.Sprintf(" of the sub-flow %q", s.Stack[n-1].Flow)
	}
	if sub, name, ok := strings.Cut(want, "/"); ok {
		if f := flow.Subflows[sub]; f != nil && f.States[name] != nil {
			return hint + fmt.Sprintf(" (a test's state: names the running flow's own state: write it without %q)", sub+"/")
		}
	}
	names := slices.Collect(maps.Keys(flow.States))
	for _, f := range flow.Subflows {
		names = append(names, slices.Collect(maps.Keys(f.States))...)
	}
	if slices.Contains(names, want) {
		return hint
	}
	hint += fmt.Sprintf("; the flow has no state %q", want)
	slices.Sort(names)
	if m := flows.Suggest(want, slices.Compact(names)); m != "" {
		hint += fmt.Sprintf(": did you mean %q?", m)
	}
	return hint
}
