package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/batonbot/baton/sandbox"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/term"

	"github.com/batonbot/baton/flows"
)

// chatText runs the human-readable chat: with line editing and history when
// stdin and stdout are a terminal, plain line reading otherwise.
func chatText(ctx context.Context, e *env, sb *sandbox.Sandbox, rec *sandbox.Recording, o chatOptions) int {
	in, inOK := e.stdin.(*os.File)
	out, outOK := e.stdout.(*os.File)
	if inOK && outOK && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out.Fd())) {
		old, err := term.MakeRaw(int(in.Fd()))
		if err == nil {
			defer func() { _ = term.Restore(int(in.Fd()), old) }()
			t := term.NewTerminal(struct {
				io.Reader
				io.Writer
			}{in, out}, "you> ")
			if w, h, err := term.GetSize(int(out.Fd())); err == nil && w > 0 && h > 0 {
				_ = t.SetSize(w, h)
			}
			v := &textView{w: t, color: true, esc: t.Escape}
			// Raw mode delivers Ctrl-C as a key: ReadLine returns io.EOF.
			code := chatLoop(ctx, e, sb, rec, o, v, t)
			fmt.Fprintln(t)
			return code
		}
	}
	v := &textView{w: e.stdout}
	return chatLoop(ctx, e, sb, rec, o, v, newCtxLines(ctx, scanLines(e.stdin)))
}

func chatLoop(ctx context.Context, e *env, sb *sandbox.Sandbox, rec *sandbox.Recording, o chatOptions, v *textView, lines lineReader) int {
	f := sb.Config().Flow
	v.dim(fmt.Sprintf("Sandbox: %s (%s). Language %s, channel %s, customer %s.", o.path, describeFlow(f), sb.Config().Lang, sb.Config().Channel, describeContact(sb.Config().Contact)))
	if sb.Config().Fixed {
		v.dim(fmt.Sprintf("The clock is fixed at %s; /wait moves it.", sb.Now().Format("Mon 2006-01-02 15:04 MST")))
	}
	v.dim("Write as the customer; /help lists the commands, /quit leaves.")
	sb.OnEvent = v.event
	for {
		line, err := lines.ReadLine()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				fmt.Fprintf(e.stderr, "baton chat: reading input: %v\n", err)
				return exitRuntime
			}
			return exitOK
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		in := parseChatLine(line)
		_, problem, quit := chatStep(ctx, sb, rec, in)
		switch {
		case problem != "":
			v.problem(problem)
		case quit:
			return exitOK
		case in.cmd == "state":
			s := sb.Session()
			v.info(fmt.Sprintf("state %s, lifecycle %s, no-match %d, language %s, clock %s", orDefault(s.State, "(not started)"), s.Lifecycle, s.NoMatch, s.Lang, sb.Now().Format("2006-01-02 15:04:05 MST")))
		case in.cmd == "vars":
			v.vars(sb.Vars())
		case in.cmd == "reset":
			v.info("new conversation " + sb.Session().ID + "; write as the customer")
		case in.cmd == "help":
			v.raw(chatHelp)
		}
	}
}

// textView renders events for people.
type textView struct {
	w     io.Writer
	color bool
	esc   *term.EscapeCodes
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
		v.info(fmt.Sprintf("state %s → %s", orDefault(e.From, "(start)"), e.To))
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
		v.info(fmt.Sprintf("HANDOFF to team %s, priority %s, reason %s; the payload the helpdesk would get:", orDefault(e.Team, "(none)"), e.Priority, e.Reason))
		b, err := json.MarshalIndent(e.Handoff, "    ", "  ")
		if err != nil {
			v.problem("encoding the handoff: " + err.Error())
			return
		}
		v.line("    " + string(b))
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
	return orDefault(c.Phone, c.ID)
}
