package chat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// chatJSON runs `baton chat --json`: lines from stdin, one JSON object per
// event on stdout. The schema is documented in README.md.
func chatJSON(ctx context.Context, o Options, start func(display) (*session, error)) (failed bool, err error) {
	enc := json.NewEncoder(o.Stdout)
	enc.SetEscapeHTML(false)
	v := &jsonView{w: o.Stdout, enc: enc}
	cs, err := start(v)
	if err != nil {
		return false, err
	}
	return cs.run(ctx, newCtxLines(ctx, scanLines(o.Stdin)), o), nil
}

// jsonView writes a chat as JSON Lines.
type jsonView struct {
	w   io.Writer
	enc *json.Encoder
	// lastHandoff is the last handoff event, written again by /handoff.
	lastHandoff []byte
}

func (v *jsonView) write(x any) { _ = v.enc.Encode(x) }

func (v *jsonView) event(ev sandbox.Event) {
	b, err := sandbox.EventJSON(ev)
	if err != nil {
		v.write(jsonEvent{Type: "error", Message: "encoding an event: " + err.Error()})
		return
	}
	if _, ok := ev.Effect.(flows.HandoffEffect); ok {
		v.lastHandoff = b
	}
	_, _ = v.w.Write(append(b, '\n'))
}

func (v *jsonView) input(string) {}

// step writes a "user" event for what the customer does (a message, a
// button, closing the chat) before the events it causes, so a stream's
// turns can be told apart.
func (v *jsonView) step(st stepIn) {
	switch st.kind {
	case sandbox.StepUser:
		v.write(userEvent{Type: "user", Text: st.value})
	case sandbox.StepButton:
		v.write(userEvent{Type: "user", Button: st.value})
	case sandbox.StepClose:
		v.write(userEvent{Type: "user", Close: true})
	}
}

// userEvent is what the customer did: Text, a Button's id, or Close.
type userEvent struct {
	Type   string `json:"type"`
	Text   string `json:"text,omitempty"`
	Button string `json:"button,omitempty"`
	Close  bool   `json:"close,omitempty"`
}

func (v *jsonView) problem(msg string) { v.write(jsonEvent{Type: "error", Message: msg}) }

func (v *jsonView) answer(cmd string, cs *session) {
	sb := cs.sb
	switch cmd {
	case "state":
		v.write(sessionJSON(sb.Session(), sb.Vars()))
	case "vars":
		v.write(struct {
			Type string         `json:"type"`
			Vars map[string]any `json:"vars"`
		}{"vars", sb.Vars()})
	case "reset":
		v.write(jsonEvent{Type: "reset", Conversation: sb.Session().ID})
	case "help":
		v.write(jsonEvent{Type: "help", Text: Help})
	case "handoff":
		if v.lastHandoff == nil {
			v.problem("no handoff yet in this chat")
			return
		}
		_, _ = v.w.Write(append(v.lastHandoff, '\n'))
	}
}

// reloaded writes a "reload" event: ok, the diagnostics (as validate
// prints them), and when it loaded, how many steps were replayed and the
// state the conversation is in.
func (v *jsonView) reloaded(r reloadResult) {
	ev := reloadEvent{Type: "reload", Flow: r.path, OK: !r.failed(), Changed: r.changed, Diagnostics: []string{}, Problems: r.problems}
	for _, d := range r.diags {
		ev.Diagnostics = append(ev.Diagnostics, d.String())
	}
	if r.err != nil {
		ev.Diagnostics = append(ev.Diagnostics, r.err.Error())
	}
	if ev.OK {
		ev.Replayed, ev.State = &r.replayed, &r.after
	}
	v.write(ev)
}

type reloadEvent struct {
	Type        string   `json:"type"`
	Flow        string   `json:"flow"`
	Changed     []string `json:"changed"`
	OK          bool     `json:"ok"`
	Diagnostics []string `json:"diagnostics"`
	Replayed    *int     `json:"replayed,omitempty"`
	State       *string  `json:"state,omitempty"`
	Problems    []string `json:"problems,omitempty"`
}

// sessionJSON is the answer to /state in --json mode.
func sessionJSON(s *flows.Session, vars map[string]any) any {
	return struct {
		Type         string          `json:"type"`
		Conversation string          `json:"conversation"`
		State        string          `json:"state"`
		Lifecycle    flows.Lifecycle `json:"lifecycle"`
		NoMatch      int             `json:"no_match"`
		Lang         string          `json:"lang"`
		Vars         map[string]any  `json:"vars"`
	}{"session", s.ID, s.State, s.Lifecycle, s.NoMatch, s.Lang, vars}
}

// jsonEvent is a one-field answer to a chat command in --json mode.
type jsonEvent struct {
	Type         string         `json:"type"`
	Message      string         `json:"message,omitempty"`
	Conversation string         `json:"conversation,omitempty"`
	Text         string         `json:"text,omitempty"`
	Vars         map[string]any `json:"vars,omitempty"`
}

// MaxLine bounds a line of chat input: the rest of a longer line is
// dropped (the engine keeps the first 4 KB of a message anyway), the chat
// says so and goes on.
const MaxLine = 64 << 10

// lineCutter reads lines for the chat, cutting those over max bytes (on a
// rune boundary) instead of failing on them.
type lineCutter struct {
	r   *bufio.Reader
	max int
	cut bool // the last line was cut
}

func (c *lineCutter) lastCut() string {
	if !c.cut {
		return ""
	}
	return fmt.Sprintf("the line was longer than %d KiB: only its first %d KiB were read, the rest is dropped", c.max>>10, c.max>>10)
}

// maxTermLine is the longest line the terminal's line editor takes, in
// characters (golang.org/x/term): it drops what is typed past it.
const maxTermLine = 4096

// termLines reads lines from the terminal's line editor, saying when one
// reached its limit.
type termLines struct {
	t   lineReader
	cut bool
	// ended is set when the last line read was ended with Enter and no
	// other is being read: the cursor is at the start of a line of its own.
	ended atomic.Bool
}

func (r *termLines) ReadLine() (string, error) {
	r.ended.Store(false)
	l, err := r.t.ReadLine()
	r.cut = utf8.RuneCountInString(l) >= maxTermLine
	r.ended.Store(err == nil)
	return l, err
}

func (r *termLines) lastCut() string {
	if !r.cut {
		return ""
	}
	return fmt.Sprintf("the line reached the terminal's limit of %d characters: what was typed past it was dropped (pipe a longer message in)", maxTermLine)
}

func scanLines(r io.Reader) *lineCutter {
	return &lineCutter{r: bufio.NewReaderSize(r, 64*1024), max: MaxLine}
}

func (c *lineCutter) ReadLine() (string, error) {
	var line []byte
	cut := false
	for {
		frag, err := c.r.ReadSlice('\n')
		frag = bytes.TrimSuffix(frag, []byte("\n"))
		if room := c.max - len(line); room < len(frag) {
			line = append(line, frag[:max(room, 0)]...)
			cut = true
		} else {
			line = append(line, frag...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) > 0:
			// the last line has no newline
		case err != nil:
			return "", err
		}
		break
	}
	c.cut = cut
	if cut {
		// Drop a rune cut in the middle.
		i := len(line) - 1
		for i > 0 && !utf8.RuneStart(line[i]) {
			i--
		}
		if i >= 0 && !utf8.FullRune(line[i:]) {
			line = line[:i]
		}
	}
	return strings.TrimSuffix(string(line), "\r"), nil
}
