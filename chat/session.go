package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/host"
	"github.com/batonbot/baton/sandbox"
)

// display shows a chat: textView for people, jsonView for machines.
type display interface {
	// event shows what the sandbox did (the sandbox's OnEvent).
	event(sandbox.Event)
	// input shows a line as it is read, before anything runs.
	input(line string)
	// step shows a step's input just before the sandbox runs it.
	step(st stepIn)
	// problem shows a problem with a line, the input or the recording.
	problem(msg string)
	// answer answers a command that is not a step: state, vars, reset, help.
	answer(cmd string, cs *session)
	// reloaded says how a reload of the flow went (--watch).
	reloaded(r reloadResult)
}

// session is a running chat: the sandbox, what it records and the
// inputs of the conversation, replayed when the flow is reloaded.
type session struct {
	path string // the flow file
	cfg  sandbox.Config
	sb   *sandbox.Sandbox
	rec  *sandbox.Recording
	view display
	// conv are the inputs of the conversation under way.
	conv []stepIn
	// recErr is set once writing the test file failed (reported once).
	recErr error
	// recorder gives the recorded conversations after the first their
	// events' recorder (Options.Recorder); nconv counts them.
	recorder func(n int) *analytics.Recorder
	nconv    int
	// realNow, when set, is the real clock the conversation's follows: a
	// chat recorded on the real clock moves its fixed clock by the whole
	// seconds that passed since synced, before each step (the step's
	// after: in the test file).
	realNow func() time.Time
	synced  time.Time
	// changes, with --watch, delivers the flow's files that changed
	// (host.WatchChanges).
	changes  <-chan host.Change
	watchErr <-chan error
	mu       sync.Mutex
	watched  []string // the flow's files, guarded by mu
}

// newSession starts the chat's sandbox on cfg, shown by view.
func newSession(path string, cfg sandbox.Config, view display) (*session, error) {
	sb, err := sandbox.New(cfg)
	if err != nil {
		return nil, err
	}
	sb.OnEvent = view.event
	return &session{path: path, cfg: cfg, sb: sb, view: view}, nil
}

// run runs cs on lines until the end of input, and with Options.Watch
// reloads the flow when its files change (host.WatchFiles, the watcher
// baton serve reloads with). It reports whether reading the input failed.
func (cs *session) run(ctx context.Context, lines *ctxLines, o Options) (failed bool) {
	if o.Watch {
		wctx, stop := context.WithCancel(ctx)
		defer stop()
		cs.setWatched()
		// Only the watcher's warnings: the chat says itself that it watches.
		log := slog.New(slog.NewTextHandler(o.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		cs.changes, cs.watchErr = host.WatchChanges(wctx, log, cs.watchedFiles)
	}
	return cs.loop(ctx, lines)
}

// setWatched takes the files of the chat's flow, to watch.
func (cs *session) setWatched() {
	files := cs.sb.Config().Flow.Files
	if len(files) == 0 {
		files = []string{cs.path}
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.watched = files
}

// watchedFiles maps each file of the flow to itself, for host.WatchFiles.
func (cs *session) watchedFiles() map[string]string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := map[string]string{}
	for _, f := range cs.watched {
		if abs, err := filepath.Abs(f); err == nil {
			out[abs] = abs
		}
	}
	return out
}

// now is the chat's clock: the sandbox's, and recorded on the real clock
// (realNow) the time that passed since its last step too, which moves the
// sandbox's with the next step.
func (cs *session) now() time.Time {
	if cs.realNow == nil {
		return cs.sb.Now()
	}
	return cs.sb.Now().Add(max(cs.realNow().Sub(cs.synced).Truncate(time.Second), 0))
}

// reset starts a new conversation. Recorded, it runs as 'baton test' will
// run it: in a sandbox of its own, from the time it starts (its id is the
// first, test-1, as every test conversation's), so what depends on the id
// or the start (a sampled survey) goes the same way there.
func (cs *session) reset() error {
	if cs.rec == nil || cs.cfg.Live {
		cs.sb.Reset()
		return nil
	}
	cfg := cs.cfg
	cfg.Now = cs.sb.Now()
	cs.nconv++
	if cs.recorder != nil {
		cfg.Recorder = cs.recorder(cs.nconv + 1)
	}
	sb, err := sandbox.New(cfg)
	if err != nil {
		return err
	}
	sb.OnEvent = cs.view.event
	cs.cfg, cs.sb = cfg, sb
	return nil
}

// loop reads lines until the end of input, ctx is done or /quit, and
// reloads the flow when the watcher says it changed. It reports whether
// reading the input failed.
func (cs *session) loop(ctx context.Context, lines *ctxLines) (failed bool) {
	for {
		select {
		case <-ctx.Done():
			return false
		case ch := <-cs.changes:
			cs.reload(ctx, ch.Files)
			ch.Done()
		case err := <-cs.watchErr:
			cs.view.problem(fmt.Sprintf("--watch: %v; the flow is not reloaded when saved", err))
		case l := <-lines.lines:
			if l.err != nil {
				if errors.Is(l.err, io.EOF) {
					return false
				}
				cs.view.problem("reading the input: " + l.err.Error())
				return true
			}
			line, fixed := validLine(l.line)
			if strings.TrimSpace(line) == "" {
				lines.next()
				continue
			}
			cs.view.input(line)
			if l.cut != "" {
				cs.view.problem(l.cut)
			}
			if fixed {
				cs.view.problem("the line was not valid UTF-8: its invalid bytes were replaced with \uFFFD")
			}
			in := parseLine(line)
			problem, quit := cs.step(ctx, in)
			switch {
			case problem != "":
				cs.view.problem(problem)
			case quit:
				return false
			case in.cmd == "state" || in.cmd == "vars" || in.cmd == "reset" || in.cmd == "help" || in.cmd == "handoff":
				cs.view.answer(in.cmd, cs)
			}
			lines.next() // once the line is answered: the terminal's prompt follows the answer
		}
	}
}

// validLine replaces the bytes of line that are not UTF-8 with U+FFFD, as
// a channel would never deliver them, and reports whether it had any.
func validLine(line string) (string, bool) {
	if utf8.ValidString(line) {
		return line, false
	}
	return strings.ToValidUTF8(line, "\uFFFD"), true
}

// step runs one parsed line. It returns a problem with the line (unknown
// command, bad argument, the recording failing) and whether the user asked
// to quit.
func (cs *session) step(ctx context.Context, in parsedLine) (problem string, quit bool) {
	// A button's id may have spaces: the whole of the line is one when
	// the menu has it.
	if msg := tooManyArgs(in); msg != "" && (in.cmd != "button" || cs.sb.CheckButton(in.arg) != nil) {
		return msg, false
	}
	var st stepIn
	switch in.cmd {
	case "":
		st = stepIn{kind: sandbox.StepUser, value: in.arg}
	case "button":
		if in.arg == "" {
			return "/button needs the id of a button or list row, e.g. /button order", false
		}
		if err := cs.sb.CheckButton(in.arg); err != nil {
			return "/button: " + err.Error(), false
		}
		st = stepIn{kind: sandbox.StepButton, value: in.arg}
	case "wait":
		d, err := time.ParseDuration(in.arg)
		if err != nil || d <= 0 {
			return fmt.Sprintf("/wait needs a duration like 10m, 90s or 24h, not %q", in.arg), false
		}
		if y := cs.now().Add(d).Year(); y > maxYear {
			return fmt.Sprintf("/wait %s would move the clock to the year %d: the sandbox's clock keeps to the years %d to %d", in.arg, y, minYear, maxYear), false
		}
		st = stepIn{kind: sandbox.StepWait, value: sandbox.FormatDuration(d)}
	case "agent":
		if in.arg == "" {
			return "/agent needs the agent's message, e.g. /agent Hi, I'm Marco", false
		}
		st = stepIn{kind: sandbox.StepAgent, value: in.arg}
	case "ticket":
		status := flows.TicketStatus(strings.ToLower(in.arg))
		if !status.Known() {
			return fmt.Sprintf("/ticket needs %s, not %q", flows.TicketStatuses, in.arg), false
		}
		st = stepIn{kind: sandbox.StepTicket, value: string(status)}
	case "close":
		st = stepIn{kind: sandbox.StepClose, value: "true"}
	case "reset":
		if err := cs.reset(); err != nil {
			return err.Error(), false
		}
		cs.conv = nil
		if cs.rec != nil {
			cs.rec.NewConversation()
		}
		return "", false
	case "/":
		return "a command follows / with no space, e.g. /help (start a message with // to send a text beginning with /)", false
	case "quit", "exit":
		return "", true
	case "state", "vars", "help", "handoff":
		return "", false
	default:
		msg := fmt.Sprintf("unknown command /%s", in.cmd)
		if s := flows.Suggest(in.cmd, commands); s != "" {
			msg += fmt.Sprintf("; did you mean /%s?", s)
		}
		return msg + " (/help lists them; start a message with // to send a text beginning with /)", false
	}
	if cs.realNow != nil {
		if d := cs.realNow().Sub(cs.synced).Truncate(time.Second); d > 0 {
			st.after, cs.synced = d, cs.synced.Add(d)
		}
	}
	cs.view.step(st)
	res := sandbox.RunAfter(ctx, cs.sb, st.after, st.kind, st.value)
	cs.conv = append(cs.conv, st)
	if cs.rec != nil {
		cs.rec.AddAfter(st.after, st.kind, st.value, res, cs.sb.Session())
		if err := cs.rec.Write(); err != nil && cs.recErr == nil {
			cs.recErr = err
			return fmt.Sprintf("writing the test file: %v; the chat goes on, but the recording is not saved", err), false
		}
	}
	return "", false
}

// The years the sandbox's clock keeps to, as baton sandbox's: past 9999
// no time can be written as JSON, and the session would be lost.
const minYear, maxYear = 1900, 9000

// stepIn is a step's input as a test file writes it: its kind
// (sandbox.StepUser...) and value, and the time that passed before it
// (after:, a chat recorded on the real clock).
type stepIn struct {
	kind, value string
	after       time.Duration
}

// reloadResult is how a reload of the flow went.
type reloadResult struct {
	path    string
	changed []string
	diags   dsl.Diagnostics // the new flow's (errors: it was not loaded)
	err     error           // the new flow loaded but cannot run
	// replayed counts the steps of the conversation run again on the new
	// flow; before and after are the states it was in and is now in.
	replayed      int
	before, after string
	problems      []string // what the replay ran into
}

// failed reports whether the old flow stays.
func (r reloadResult) failed() bool { return r.err != nil || r.diags.HasErrors() }

// reload loads the flow again and, when it loads, starts a new sandbox on
// it and replays the conversation's inputs there, silently, so the chat
// goes on where it was, on the new flow; the test file being recorded is
// recorded again from the new flow. When the flow has errors they are
// shown and the chat goes on with the flow it had.
func (cs *session) reload(ctx context.Context, changed []string) {
	r := reloadResult{path: cs.path, changed: changed, before: cs.sb.Session().State}
	f, diags := dsl.LoadFile(cs.path)
	r.diags = diags
	if diags.HasErrors() || f == nil {
		// Watch where the errors are too: a file the flow now includes
		// is not among the last good version's files.
		cs.mu.Lock()
		for _, p := range diags.Files() {
			if !slices.Contains(cs.watched, p) {
				cs.watched = append(slices.Clip(cs.watched), p) // never into the flow's Files
			}
		}
		cs.mu.Unlock()
		cs.view.reloaded(r)
		return
	}
	cfg := cs.cfg
	cfg.Flow = f
	if cfg.Lang != "" && !slices.Contains(f.Languages, cfg.Lang) {
		r.err = fmt.Errorf("it does not speak %s, the chat's language (--lang); its languages: %s", cfg.Lang, strings.Join(f.Languages, ", "))
		cs.view.reloaded(r)
		return
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Vars)) {
		if _, ok := f.Vars[name]; !ok {
			r.err = fmt.Errorf("--var %s: %w", name, sandbox.UnknownVarError(f, name))
		} else if err := sandbox.VarTypeError(f, name, cfg.Vars[name]); err != nil {
			r.err = fmt.Errorf("--var %s: %w", name, err)
		}
		if r.err != nil {
			cs.view.reloaded(r)
			return
		}
	}
	if cfg.Analyzer != nil {
		a, err := sandbox.NewAnalyzer(f)
		if err != nil {
			r.err = err
			cs.view.reloaded(r)
			return
		}
		cfg.Analyzer = a
	}
	sb, err := sandbox.New(cfg)
	if err != nil {
		r.err = err
		cs.view.reloaded(r)
		return
	}
	if cs.rec != nil {
		if err := cs.rec.Rerecord(ctx, sb.Config()); err != nil {
			r.problems = append(r.problems, "recording again: "+err.Error())
		}
	}
	// The replay writes no analytics events (--events): they were written
	// when the conversation ran.
	rctx := sandbox.Unrecorded(ctx)
	for _, st := range cs.conv {
		res := sandbox.RunAfter(rctx, sb, st.after, st.kind, st.value)
		r.problems = append(r.problems, res.Problems...)
		if cs.rec != nil {
			cs.rec.AddAfter(st.after, st.kind, st.value, res, sb.Session())
		}
	}
	if cs.rec != nil && cs.rec.Steps() > 0 {
		if err := cs.rec.Write(); err != nil && cs.recErr == nil {
			cs.recErr = err
			r.problems = append(r.problems, "writing the test file: "+err.Error())
		}
	}
	r.replayed, r.after = len(cs.conv), sb.Session().State
	sb.OnEvent = cs.view.event
	cs.cfg, cs.sb = cfg, sb
	cs.setWatched()
	cs.view.reloaded(r)
}
