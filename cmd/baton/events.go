package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/flows"
)

// eventsFlags are the analytics options chat, test and load share.
type eventsFlags struct {
	path string
	text bool
}

func (o *eventsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&o.path, "events", "", "append analytics events to this JSONL `file` (see docs/analytics.md; 'baton report FILE' reads it)")
	fs.BoolVar(&o.text, "events-text", false, "with --events: include message texts in the events (default: sizes only)")
}

// textAlone is the usage error of --events-text without --events, which
// would do nothing; empty when the flags go together.
func (o *eventsFlags) textAlone() string {
	if o.text && o.path == "" {
		return "--events-text includes the texts in the events, and no events are written: add --events FILE"
	}
	return ""
}

// eventsOut is an open events file and how events are derived.
type eventsOut struct {
	sink *analytics.FileSink
	opts []analytics.RecorderOption
	// prior is the file's size when it was opened: the offset at which
	// this run's events start (0: a new file).
	prior int64
}

// open opens the events file; nil without --events. Sink errors are
// reported on w once.
func (o *eventsFlags) open(w io.Writer) (*eventsOut, error) {
	if o.path == "" {
		return nil, nil
	}
	if !looksLikeEvents(o.path) {
		return nil, fmt.Errorf("--events %s is not an events file (JSON Lines, one event a line); give a new file, or one Baton wrote", o.path)
	}
	var prior int64
	if fi, err := os.Stat(o.path); err == nil {
		prior = fi.Size()
	}
	sink, err := analytics.OpenFile(o.path)
	if err != nil {
		return nil, err
	}
	var once sync.Once
	return &eventsOut{sink: sink, prior: prior, opts: []analytics.RecorderOption{analytics.WithText(o.text), analytics.OnError(func(err error) {
		once.Do(func() { fmt.Fprintf(w, "baton: writing analytics events: %v\n", err) })
	})}}, nil
}

// looksLikeEvents reports whether path is missing, empty, or starts with
// a JSON object, as an events file does: events are never appended to a
// flow, a config or another file named by mistake.
func looksLikeEvents(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return true // missing: created; unreadable: OpenFile says why
	}
	defer f.Close()
	var head [512]byte
	n, _ := io.ReadFull(f, head[:])
	b := bytes.TrimLeft(head[:n], " \t\r\n")
	return len(b) == 0 || b[0] == '{'
}

// recorder returns a recorder writing to the file, its ids prefixed with
// scope when it is not empty; nil when o is.
func (o *eventsOut) recorder(scope string) *analytics.Recorder {
	if o == nil {
		return nil
	}
	var sink flows.EventSink = o.sink
	if scope != "" {
		sink = scopedSink{scope: scope, inner: o.sink}
	}
	return analytics.NewRecorder(sink, o.opts...)
}

func (o *eventsOut) close() error {
	if o == nil {
		return nil
	}
	return o.sink.Close()
}

// scopedSink prefixes the conversation, handoff and event ids of events
// with a scope, so conversations that reuse ids (every test conversation
// is test-1) stay apart in one events file; their contact too (a
// pseudonym of the scope and the contact, the same shape), or every test
// would be one customer coming back to the report's first contact
// resolution.
type scopedSink struct {
	scope string
	inner flows.EventSink
}

func (s scopedSink) Write(ctx context.Context, events ...flows.Event) error {
	for i := range events {
		ev := &events[i]
		ev.Conversation = s.scope + ev.Conversation
		ev.ID = s.scope + ev.ID
		if ev.Contact != "" {
			ev.Contact = analytics.Pseudonym(s.scope+ev.Contact, "")
		}
		if ev.Handoff != "" {
			ev.Handoff = s.scope + ev.Handoff
		}
	}
	return s.inner.Write(ctx, events...)
}

func (s scopedSink) Close() error { return nil }
