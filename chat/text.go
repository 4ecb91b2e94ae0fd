package chat

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"

	"golang.org/x/term"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/sandbox"
)

// chatText runs the human-readable chat: with line editing and history when
// stdin and stdout are a terminal, plain line reading otherwise (then each
// line read is echoed, so a piped conversation reads as one).
func chatText(ctx context.Context, o Options, start func(display) (*session, error)) (failed bool, err error) {
	in, inOK := o.Stdin.(*os.File)
	out, outOK := o.Stdout.(*os.File)
	if inOK && outOK && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out.Fd())) {
		old, err := term.MakeRaw(int(in.Fd()))
		if err == nil {
			defer func() { _ = term.Restore(int(in.Fd()), old) }()
			w, h, err := term.GetSize(int(out.Fd()))
			if err != nil {
				w, h = 0, 0
			}
			return chatTerminal(ctx, o, start, in, out, w, h)
		}
	}
	v := &textView{w: o.Stdout, echo: true, fullHandoff: o.HandoffJSON}
	return chatTextLoop(ctx, o, start, v, newCtxLines(ctx, scanLines(o.Stdin)))
}

// chatTerminal runs the text chat on a terminal in raw mode (in, out) of
// w columns and h rows (0: unknown), with line editing and history.
func chatTerminal(ctx context.Context, o Options, start func(display) (*session, error), in io.Reader, out io.Writer, w, h int) (failed bool, err error) {
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{in, out}, "you> ")
	if w > 0 && h > 0 {
		_ = t.SetSize(w, h)
	}
	v := &textView{w: t, color: true, esc: t.Escape, fullHandoff: o.HandoffJSON}
	// Raw mode delivers Ctrl-C as a key: ReadLine returns io.EOF.
	lines := &termLines{t: t}
	failed, err = chatTextLoop(ctx, o, start, v, newCtxLines(ctx, lines))
	// Leave the prompt line as it is and end it, straight on out: the
	// terminal would clear it, write the newline and draw the prompt (and
	// what was typed) again after it, where the shell's prompt follows.
	// After /quit the line editor ended its line and drew no prompt.
	if !lines.ended.Load() {
		_, _ = io.WriteString(out, "\r\n")
	}
	return failed, err
}

func chatTextLoop(ctx context.Context, o Options, start func(display) (*session, error), v *textView, lines *ctxLines) (failed bool, err error) {
	cs, err := start(v)
	if err != nil {
		return false, err
	}
	v.defaults = func() map[string]any { return cs.sb.Config().Flow.Vars }
	cfg := cs.sb.Config()
	v.dim(fmt.Sprintf("Sandbox: %s (%s). Language %s, channel %s, customer %s.", o.Path, cfg.Flow.Describe(), cfg.Lang, cfg.Channel, describeContact(cfg.Contact)))
	if o.Config.Fixed { // --now (a recorded chat's clock follows the real one)
		v.dim(fmt.Sprintf("The clock is fixed at %s; /wait moves it.", cs.sb.Now().Format("Mon 2006-01-02 15:04 MST")))
	}
	if o.Watch {
		v.dim("Watching the flow's files: a save reloads it and replays this conversation on it.")
	}
	v.dim("Write as the customer; /help lists the commands, /quit leaves.")
	return cs.run(ctx, lines, o), nil
}

// input echoes a line read from a pipe, as the terminal shows what is
// typed, so each turn starts with the customer's words.
func (v *textView) input(line string) {
	if v.echo {
		v.line("you> " + line)
	}
}

func (v *textView) step(stepIn) {}

func (v *textView) answer(cmd string, cs *session) {
	sb := cs.sb
	switch cmd {
	case "state":
		s := sb.Session()
		v.info(fmt.Sprintf("state %s, lifecycle %s, no-match %d, language %s, clock %s", cmp.Or(s.State, "(not started)"), s.Lifecycle, s.NoMatch, s.Lang, cs.now().Format("2006-01-02 15:04:05 MST")))
	case "vars":
		v.vars(sb.Vars())
	case "reset":
		v.info("new conversation " + sb.Session().ID + "; write as the customer")
	case "help":
		v.raw(Help)
	case "handoff":
		if v.lastHandoff == nil {
			v.info("no handoff yet in this chat")
			return
		}
		v.info("the payload of handoff " + v.lastHandoff.ID + " (what the helpdesk connectors get):")
		v.handoffJSON(v.lastHandoff)
	}
}

// reloaded shows a reload: the new flow's diagnostics, then where the
// conversation is.
func (v *textView) reloaded(r reloadResult) {
	var b strings.Builder
	r.diags.Print(&b)
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		if l != "" {
			v.problem(l)
		}
	}
	switch {
	case r.err != nil:
		v.problem(fmt.Sprintf("%s changed but cannot run: %v; the chat goes on with the flow as it was", r.path, r.err))
	case r.failed():
		errs, _ := r.diags.Count()
		v.problem(fmt.Sprintf("%s changed and has %s: the chat goes on with the flow as it was; save again once fixed", r.path, flows.Plural(errs, "error")))
	default:
		msg := fmt.Sprintf("reloaded %s", r.path)
		switch {
		case r.replayed == 0:
			msg += "; write as the customer"
		case r.before == r.after:
			msg += fmt.Sprintf(": the conversation's %s replayed on it, still in state %s", flows.Plural(r.replayed, "step"), cmp.Or(r.after, "(not started)"))
		default:
			msg += fmt.Sprintf(": the conversation's %s replayed on it, now in state %s (it was in %s)", flows.Plural(r.replayed, "step"), cmp.Or(r.after, "(not started)"), cmp.Or(r.before, "(not started)"))
		}
		v.info(msg)
		for _, p := range r.problems {
			v.problem("replaying: " + p)
		}
	}
}

// textView renders events for people.
type textView struct {
	w     io.Writer
	color bool
	esc   *term.EscapeCodes
	// echo shows each line read (input from a pipe).
	echo bool
	// fullHandoff shows each handoff's whole payload and helpdesk request
	// (--handoff-json); else a handoff is a few lines and /handoff shows
	// the last one whole.
	fullHandoff bool
	lastHandoff *flows.Handoff
	// defaults are the flow's variables as declared: a handoff's
	// variables still at their default were not collected.
	defaults func() map[string]any
}

func (v *textView) paint(code []byte, s string) string {
	if !v.color || v.esc == nil {
		return s
	}
	return string(code) + s + string(v.esc.Reset)
}

func (v *textView) line(s string) { fmt.Fprintln(v.w, s) }

func (v *textView) raw(s string) { fmt.Fprint(v.w, s) }

func (v *textView) dim(s string) {
	if v.esc != nil {
		s = v.paint(v.esc.Blue, s)
	}
	v.line(s)
}

func (v *textView) info(s string) { v.dim("  · " + s) }

func (v *textView) problem(s string) {
	if v.esc != nil {
		v.line(v.paint(v.esc.Red, "  ! "+s))
		return
	}
	v.line("  ! " + s)
}

func (v *textView) vars(vars map[string]any) {
	if len(vars) == 0 {
		v.info("no variables")
		return
	}
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v.info(n + " = " + compactJSON(vars[n]))
	}
}

func (v *textView) event(ev sandbox.Event) {
	switch e := ev.Effect.(type) {
	case flows.Reply:
		who := "bot"
		if e.From == "agent" {
			who = "agent"
			if e.Agent != "" && e.Agent != "agent" {
				who = "agent " + e.Agent
			}
		}
		prefix := who + ": "
		text := strings.ReplaceAll(e.Text, "\n", "\n"+strings.Repeat(" ", len(prefix)+2))
		if v.esc != nil {
			v.line("  " + v.paint(v.esc.Green, prefix) + text)
		} else {
			v.line("  " + prefix + text)
		}
		if len(e.Options) > 0 {
			for _, o := range e.Options {
				v.line(fmt.Sprintf("  %s%d. %s  [%s]", strings.Repeat(" ", len(prefix)), o.Number, o.Title, o.ID))
			}
			v.dim(fmt.Sprintf("  %s(menu shown as %s)", strings.Repeat(" ", len(prefix)), menuRendering(e.Style, len(e.Options))))
		}
	case flows.StateChange:
		v.info(fmt.Sprintf("state %s → %s", cmp.Or(e.From, "(start)"), e.To))
	case flows.TriggerFired:
		msg := fmt.Sprintf("trigger %q fired in %s", e.Name, e.State)
		if e.By != "" {
			msg += " by " + e.By
		}
		if e.Match != "" {
			msg += fmt.Sprintf(" (%q)", e.Match)
		}
		v.info(msg)
	case flows.NoMatch:
		what := "not understood"
		if e.Invalid {
			what = "answer rejected"
		}
		v.info(fmt.Sprintf("%s in %s (no-match %d in a row)", what, e.State, e.Count))
	case flows.VarSet:
		v.info(fmt.Sprintf("set %s = %s", e.Name, compactJSON(e.Value)))
	case flows.HTTPRequest:
		msg := fmt.Sprintf("http %s %s", e.Method, e.URL)
		if e.Body != "" {
			msg += " body " + e.Body
		}
		if r := ev.Response; r != nil {
			switch {
			case r.Source == "none":
				msg += " → no canned response"
			case r.Error != "":
				msg += fmt.Sprintf(" → failed: %s (%s)", r.Error, r.Source)
			default:
				msg += fmt.Sprintf(" → %d (%s)", r.Status, r.Source)
				if r.Body != nil {
					msg += " " + compactJSON(r.Body)
				}
			}
		}
		v.info(msg)
	case flows.Schedule:
		v.info(fmt.Sprintf("timer %s set for %s", e.Key, e.At.Format("2006-01-02 15:04:05")))
	case flows.Cancel:
	case flows.LifecycleChange:
		v.info(fmt.Sprintf("lifecycle %s → %s", e.From, e.To))
	case flows.HandoffEffect:
		if e.Handoff == nil {
			return
		}
		v.lastHandoff = e.Handoff
		if v.fullHandoff {
			v.info(fmt.Sprintf("HANDOFF to team %s, priority %s, reason %s; the payload the helpdesk would get:", cmp.Or(e.Team, "(none)"), e.Priority, e.Reason))
			v.handoffJSON(e.Handoff)
			return
		}
		v.handoffBrief(e.Handoff)
	case flows.Append:
		v.info(fmt.Sprintf("message added to the ticket of handoff %s", e.HandoffID))
	case flows.HandoffClose:
		v.info(fmt.Sprintf("the ticket of handoff %s is closed (%s)", e.HandoffID, e.Reason))
	case flows.Undelivered:
		v.info(fmt.Sprintf("the agent's reply was not delivered; a note goes to ticket %s", e.Ticket.ID))
	case flows.EndEffect:
		v.info("conversation ended" + parens(e.Reason))
	case flows.ErrorEffect:
		msg := "error: " + e.Message
		if !ev.Host && !e.Pos.IsZero() {
			msg += " (" + e.Pos.String() + ")"
		}
		v.problem(msg)
	case flows.NLUFallback:
		v.info(fmt.Sprintf("NLU fell back to %s: %s", e.Source, e.Reason))
	case flows.SurveyAsked:
		lo, hi := flows.SurveyKind(e.Kind).Range()
		v.info(fmt.Sprintf("survey %s asked (%s, %d to %d)", e.Survey, e.Kind, lo, hi))
	case flows.SurveyAnswered:
		v.info(fmt.Sprintf("survey %s answered: %d (%s)", e.Survey, e.Score, e.Kind))
	case flows.SurveyComment:
		v.info(fmt.Sprintf("survey %s comment: %q", e.Survey, e.Text))
	case flows.SurveySkipped:
		v.info(fmt.Sprintf("survey %s skipped (%s)", e.Survey, e.Kind))
	case sandbox.RouteEvent, sandbox.HelpdeskRequest, sandbox.HelpdeskDelivered, sandbox.HelpdeskFailed:
		v.helpdeskEvent(e)
	default:
		b, _ := flows.MarshalEffect(ev.Effect)
		v.info(string(b))
	}
}

// menuRendering says how a channel would render a menu of n options.
func menuRendering(style flows.MenuStyle, n int) string {
	switch style {
	case flows.MenuButtons:
		return "buttons"
	case flows.MenuList:
		return "a list"
	case flows.MenuText:
		return "numbered text"
	}
	switch {
	case n <= flows.MaxButtons:
		return "buttons (auto)"
	case n <= flows.MaxListRows:
		return "a list (auto)"
	}
	return "numbered text (auto)"
}

func parens(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// compactJSON shows a value as one-line JSON.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// describeContact names the sandbox's customer: "Lucía (+34600000000)".
func describeContact(c flows.Contact) string {
	switch {
	case c.Name != "" && c.Phone != "":
		return c.Name + " (" + c.Phone + ")"
	case c.Name != "":
		return c.Name
	}
	return cmp.Or(c.Phone, c.ID)
}

// handoffBrief shows a handoff as a person reads it: who gets it and how
// urgent, why in words, what the customer asked for, what the bot
// collected, the ticket it opens. /handoff (or --handoff-json) shows the
// whole payload.
func (v *textView) handoffBrief(h *flows.Handoff) {
	head := "HANDOFF to team " + cmp.Or(h.Team, "(none: the helpdesk's default)") + ", priority " + string(h.Priority)
	if !h.InHours {
		head += ", outside the team's hours"
	}
	v.info(head)
	row := func(label, text string) {
		v.line(fmt.Sprintf("      %-10s %s", label+":", text))
	}
	row("why", handoff.Reason(h))
	if q := handoff.Quotes(h, 2); len(q) > 0 {
		row("asked", strings.Join(q, " … "))
	}
	var collected []string
	var defaults map[string]any
	if v.defaults != nil {
		defaults = v.defaults()
	}
	for _, kv := range handoff.AgentVars(h.Vars) {
		if d, ok := defaults[kv.Name]; ok && reflect.DeepEqual(d, h.Vars[kv.Name]) {
			continue // the flow's own value, not collected
		}
		if (kv.Name == "reason" && kv.Value == h.Reason) || (kv.Name == "team" && kv.Value == h.Team) || (kv.Name == "priority" && kv.Value == string(h.Priority)) {
			continue // said above
		}
		collected = append(collected, kv.Name+" = "+kv.Value)
	}
	row("collected", cmp.Or(strings.Join(collected, ", "), "nothing"))
	ticket := "“" + handoff.Subject(h) + "”"
	if len(h.Tags) > 0 {
		ticket += ", tags " + strings.Join(h.Tags, " ")
	}
	row("ticket", ticket)
	if h.Summary != "" {
		row("summary", strings.ReplaceAll(h.Summary, "\n", " "))
	}
	if h.Return != "" {
		row("then", "back to state "+h.Return+" when the ticket is solved")
	}
	v.dim("      /handoff shows the whole payload (--handoff-json shows it, and each helpdesk request, every time)")
}

// handoffJSON shows a handoff's whole payload, as the helpdesk connectors
// get it.
func (v *textView) handoffJSON(h *flows.Handoff) {
	b, err := json.MarshalIndent(h, "    ", "  ")
	if err != nil {
		v.problem("encoding the handoff: " + err.Error())
		return
	}
	v.line("    " + string(b))
}
