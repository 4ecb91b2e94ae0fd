package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/batonbot/baton/sandbox"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// chatJSON runs `baton chat --json`: lines from stdin, one JSON object per
// event on stdout. The schema is documented in README.md.
func chatJSON(ctx context.Context, e *env, sb *sandbox.Sandbox, rec *sandbox.Recording) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	write := func(v any) {
		_ = enc.Encode(v)
	}
	sb.OnEvent = func(ev sandbox.Event) {
		b, err := sandbox.EventJSON(ev)
		if err != nil {
			write(jsonEvent{Type: "error", Message: "encoding an event: " + err.Error()})
			return
		}
		_, _ = e.stdout.Write(append(b, '\n'))
	}
	lines := newCtxLines(ctx, scanLines(e.stdin))
	for {
		line, err := lines.ReadLine()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				write(jsonEvent{Type: "error", Message: "reading stdin: " + err.Error()})
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
			write(jsonEvent{Type: "error", Message: problem})
		case quit:
			return exitOK
		case in.cmd == "state":
			write(sessionJSON(sb.Session(), sb.Vars()))
		case in.cmd == "vars":
			write(struct {
				Type string         `json:"type"`
				Vars map[string]any `json:"vars"`
			}{"vars", sb.Vars()})
		case in.cmd == "reset":
			write(jsonEvent{Type: "reset", Conversation: sb.Session().ID})
		case in.cmd == "help":
			write(jsonEvent{Type: "help", Text: chatHelp})
		}
	}
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

// chatMaxLine bounds a line of chat input: the rest of a longer line is
// dropped (the engine keeps the first 4 KB of a message anyway), and the
// chat goes on.
const chatMaxLine = 64 << 10

// lineCutter reads lines for the chat, cutting those over max bytes (on a
// rune boundary) instead of failing on them.
type lineCutter struct {
	r   *bufio.Reader
	max int
}

func scanLines(r io.Reader) *lineCutter {
	return &lineCutter{r: bufio.NewReaderSize(r, 64*1024), max: chatMaxLine}
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
