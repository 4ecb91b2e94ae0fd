package chat

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/sandbox"
)

// Options is a chat to run.
type Options struct {
	// Path is the flow's file: the banner names it and Watch reloads it.
	Path string
	// Config is the sandbox the chat talks to.
	Config sandbox.Config
	// JSON reads lines and writes one JSON object per event (README.md
	// documents them) instead of text for people.
	JSON bool
	// Watch reloads the flow when one of its files is saved and replays
	// the conversation on it.
	Watch bool
	// HandoffJSON shows each handoff's whole payload in the text chat.
	HandoffJSON bool
	// Record, when set, is the conversation test file written after every
	// step (see sandbox.Recording). Each conversation then runs as 'baton
	// test' will run it, in a sandbox of its own from the time it starts,
	// with the config's IDPrefix (set it to "test"), unless Live.
	Record string
	// Recorder, when set with Record, gives the n-th conversation (from 2:
	// the first has the config's) its analytics events' recorder; each
	// runs as test-1, so their ids must be scoped apart.
	Recorder func(n int) *analytics.Recorder
	// Now is the real clock (default time.Now): recorded on it (Record,
	// the Config's clock not Fixed), each step's test step says the time
	// that passed before it.
	Now func() time.Time
	// Started, when set, is called with the chat's sandbox once it runs
	// (chat --live attaches the live host to it).
	Started func(*sandbox.Sandbox)
	// Stdin is read line by line; on a terminal (with Stdout) it gets line
	// editing and history.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Result is how a chat ended.
type Result struct {
	// InputFailed is set when reading the input failed; the chat said why.
	InputFailed bool
	// Recording is the test file being written (nil without
	// Options.Record); RecordErr is why writing it stopped, if it did.
	Recording *sandbox.Recording
	RecordErr error
}

// Run chats with the flow until the input ends, ctx is done or the
// customer types /quit. It returns an error only when the chat could not
// start.
func Run(ctx context.Context, o Options) (Result, error) {
	var cs *session
	cfg := o.Config
	// Recorded on the real clock, the chat moves the conversation's clock
	// itself, by the whole seconds that passed before each step, and the
	// test file says so (after:): 'baton test' then runs each step at the
	// time it ran, its timeouts firing as they did.
	follow := o.Record != "" && !cfg.Fixed && !cfg.Live
	if follow {
		cfg.Fixed = true
	}
	start := func(v display) (*session, error) {
		var err error
		if cs, err = newSession(o.Path, cfg, v); err != nil {
			return nil, err
		}
		if follow {
			cs.realNow = o.Now
			if cs.realNow == nil {
				cs.realNow = time.Now
			}
			cs.synced = cs.sb.Now()
		}
		if o.Record != "" {
			cs.rec = sandbox.NewRecording(o.Record, o.Path, cs.sb)
			cs.recorder = o.Recorder
		}
		if o.Started != nil {
			o.Started(cs.sb)
		}
		return cs, nil
	}
	run := chatText
	if o.JSON {
		run = chatJSON
	}
	failed, err := run(ctx, o, start)
	if err != nil {
		return Result{}, err
	}
	return Result{InputFailed: failed, Recording: cs.rec, RecordErr: cs.recErr}, nil
}

// Help lists the commands a chat takes besides the customer's messages.
const Help = `  /wait DURATION      let time pass (10m, 24h): due timeouts fire
  /agent TEXT         the human agent answers (after a handoff)
  /ticket STATUS      the ticket becomes open, pending, solved, closed or declined
  /close              the customer closes the conversation (an open ticket is closed)
  /button ID          tap the button or list row with this id
  /handoff            show the last handoff's whole payload, as JSON
  /state              show the state, lifecycle and no-match count
  /vars               show the variables
  /reset              start a new conversation
  /quit               leave (Ctrl-D works too)
  /help               this list
  //TEXT              send a message that starts with "/"
`

// parsedLine is one line of the chat, parsed.
type parsedLine struct {
	cmd string // "" for a user message, else the command without "/" ("/" when none follows it)
	arg string
}

func parseLine(line string) parsedLine {
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "//") {
		return parsedLine{arg: line[1:]}
	}
	if !strings.HasPrefix(line, "/") {
		return parsedLine{arg: line}
	}
	cmd, arg, _ := strings.Cut(line[1:], " ")
	if cmd == "" {
		cmd = "/"
	}
	return parsedLine{cmd: strings.ToLower(cmd), arg: strings.TrimSpace(arg)}
}

var commands = []string{"wait", "agent", "ticket", "close", "button", "handoff", "state", "vars", "reset", "quit", "help"}

// takes is how many arguments each command takes (its Help line's words
// after the command); -1: a text, all of the rest of the line.
var takes = map[string]int{"wait": 1, "agent": -1, "ticket": 1, "close": 0, "button": 1, "handoff": 0,
	"state": 0, "vars": 0, "reset": 0, "quit": 0, "exit": 0, "help": 0}

// tooManyArgs says the usage of a command given more arguments than it
// takes, which it would otherwise drop or misread; "" when it is not.
func tooManyArgs(in parsedLine) string {
	n, ok := takes[in.cmd]
	if !ok || n < 0 || len(strings.Fields(in.arg)) <= n {
		return ""
	}
	what := "no argument"
	if n == 1 {
		what = "one argument"
	}
	return fmt.Sprintf("/%s takes %s, not %q; usage: %s", in.cmd, what, in.arg, usage(in.cmd))
}

// usage is a command's Help line without its description: "/wait DURATION".
func usage(cmd string) string {
	if cmd == "exit" {
		cmd = "quit"
	}
	for _, l := range strings.Split(Help, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "/"+cmd {
			synopsis, _, _ := strings.Cut(strings.TrimSpace(l), "  ")
			return synopsis
		}
	}
	return "/" + cmd
}

// lineReader reads lines until EOF or until ctx is done.
type lineReader interface {
	ReadLine() (string, error)
}

// ctxLines reads lines from r in a goroutine, so the chat can wait for a
// line, an interrupt and a reload at once. It reads one line at a time,
// the next only once asked (next): the terminal's line editor draws its
// prompt when it starts reading, so the prompt comes after the answer to
// the line before, and never after /quit.
type ctxLines struct {
	lines chan lineOrErr
	more  chan struct{}
}

type lineOrErr struct {
	line string
	err  error
	cut  string // when the line was cut (its rest dropped), what to say
}

// cutter is a lineReader that says when the line it read last was cut.
type cutter interface{ lastCut() string }

func newCtxLines(ctx context.Context, r lineReader) *ctxLines {
	c := &ctxLines{lines: make(chan lineOrErr), more: make(chan struct{}, 1)}
	c.more <- struct{}{} // the first line
	go func() {
		for {
			select {
			case <-c.more:
			case <-ctx.Done():
				return
			}
			l, err := r.ReadLine()
			cut := ""
			if c, ok := r.(cutter); ok {
				cut = c.lastCut()
			}
			select {
			case c.lines <- lineOrErr{l, err, cut}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

// next asks for the line after the one received last.
func (c *ctxLines) next() {
	select {
	case c.more <- struct{}{}:
	default: // asked already
	}
}
