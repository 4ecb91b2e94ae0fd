package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/batonbot/baton/flows"
)

// chatJSON runs `baton chat --json`: lines from stdin, one JSON object per
// event on stdout. The schema is documented in README.md.
func chatJSON(ctx context.Context, e *env, sb *sandbox, rec *recorder) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	write := func(v any) {
		_ = enc.Encode(v)
	}
	sb.onEvent = func(ev event) {
		b, err := eventJSON(ev)
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
			write(sessionJSON(sb.session(), sb.vars()))
		case in.cmd == "vars":
			write(struct {
				Type string         `json:"type"`
				Vars map[string]any `json:"vars"`
			}{"vars", sb.vars()})
		case in.cmd == "reset":
			write(jsonEvent{Type: "reset", Conversation: sb.session().ID})
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

// scanner adapts a bufio.Scanner to lineReader.
type scanner struct{ s *bufio.Scanner }

func scanLines(r io.Reader) *scanner {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), 1<<20)
	return &scanner{s}
}

func (s *scanner) ReadLine() (string, error) {
	if s.s.Scan() {
		return strings.TrimSuffix(s.s.Text(), "\r"), nil
	}
	if err := s.s.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}
