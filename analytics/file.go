package analytics

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// FileSink writes events to a JSONL file, one JSON object per line,
// rotating it by size or by day: the full file is renamed to
// NAME-YYYYMMDDTHHMMSS.EXT (the time of the rotation, UTC) and a new one is
// started, so `baton report events*.jsonl` reads them all. It is the
// embedded default sink.
type FileSink struct {
	path    string
	max     int64
	daily   bool
	perm    os.FileMode
	now     func() time.Time
	mu      sync.Mutex
	f       *os.File
	w       *bufio.Writer
	size    int64
	day     string
	scratch []byte
	// cut: the file's last line may be cut short (the last write
	// failed, or the file was there before).
	cut bool
}

var _ flows.EventSink = (*FileSink)(nil)

// FileOption configures a FileSink.
type FileOption func(*FileSink)

// RotateSize starts a new file when the current one would grow past max
// bytes (0: never).
func RotateSize(max int64) FileOption { return func(s *FileSink) { s.max = max } }

// RotateDaily starts a new file when an event's day (UTC) is after the
// current file's (an event stamped a little earlier, around midnight,
// stays in the current file).
func RotateDaily() FileOption { return func(s *FileSink) { s.daily = true } }

// WithFileClock sets the clock used to name rotated files.
func WithFileClock(now func() time.Time) FileOption { return func(s *FileSink) { s.now = now } }

// OpenFile opens (appending) or creates the events file at path.
func OpenFile(path string, opts ...FileOption) (*FileSink, error) {
	s := &FileSink{path: path, perm: 0o640, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *FileSink) open() error {
	if dir := filepath.Dir(s.path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("events file %s: %w", s.path, err)
		}
	}
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, s.perm)
	if err != nil {
		return fmt.Errorf("events file: %w; check the path and its directory's permissions", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("events file %s: %w", s.path, err)
	}
	s.f, s.size = f, st.Size()
	// Its last line may have been cut short (a full disk, a crash): the
	// next event starts a line of its own rather than ending that one.
	s.cut = s.size > 0
	s.day = ""
	if s.size > 0 {
		s.day = firstDay(s.path, st.ModTime())
	}
	if s.w == nil {
		s.w = bufio.NewWriterSize(f, 64<<10)
	} else {
		s.w.Reset(f)
	}
	return nil
}

// Write appends events, one line each, and flushes them to the file.
func (s *FileSink) Write(_ context.Context, events ...flows.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return errors.New("events file is closed")
	}
	if s.cut {
		if err := s.endCutLine(); err != nil {
			return fmt.Errorf("writing events to %s: %w", s.path, err)
		}
	}
	for i := range events {
		b, err := appendEvent(s.scratch[:0], &events[i])
		if err != nil {
			return err
		}
		s.scratch = b
		day := events[i].At.UTC().Format(time.DateOnly)
		if s.size > 0 && ((s.max > 0 && s.size+int64(len(b)) > s.max) || (s.daily && s.day != "" && day > s.day)) {
			if err := s.rotate(); err != nil {
				return err
			}
		}
		if s.day == "" {
			s.day = day
		}
		n, err := s.w.Write(b)
		s.size += int64(n)
		if err != nil {
			return s.failed(err)
		}
	}
	if err := s.w.Flush(); err != nil {
		return s.failed(err)
	}
	return nil
}

// failed drops the events of a write that failed, so the next write is
// tried afresh (a bufio.Writer keeps its error for good), and returns err.
func (s *FileSink) failed(err error) error {
	s.w.Reset(s.f)
	s.cut = true
	return fmt.Errorf("writing events to %s: %w", s.path, err)
}

// endCutLine ends the file's last line when it was cut short.
func (s *FileSink) endCutLine() error {
	st, err := s.f.Stat()
	if err != nil {
		return err
	}
	s.size = st.Size()
	if s.size > 0 && !endsLine(s.path, s.size) {
		if _, err := s.f.Write([]byte{'\n'}); err != nil {
			return err
		}
		s.size++
	}
	s.cut = false
	return nil
}

func appendEvent(buf []byte, ev *flows.Event) ([]byte, error) {
	b, err := marshalEvent(ev)
	if err != nil {
		return buf, err
	}
	buf = append(buf, b...)
	return append(buf, '\n'), nil
}

// MaxEventText is the most characters of a message's or comment's text an
// event carries (a bot message built from a large HTTP answer, an agent's
// long reply); the rest is cut, ending with "…", and size keeps the whole
// message's. It is past the longest customer message a host keeps
// (server.max_message, at most 65,536 bytes), so replay gets every
// customer message whole, and even escaped such a line stays well under
// MaxEventLine, which readers refuse past. An http_result's body is
// never cut: it carries at most flows.MaxEventBody bytes, as many.
const MaxEventText = 1 << 16

// marshalEvent is ev in JSON, as every sink writes it: the keys its type
// always carries are there when zero (docs/analytics.md), `size` of
// message_in, message_out, survey_comment and an http_result that has an
// answer (a media message with no caption, an empty body), `wait_ms` of
// first_agent_reply, ticket_solved, ticket_closed and sla_alert (a reply
// within the millisecond); the other types leave them out.
func marshalEvent(ev *flows.Event) ([]byte, error) {
	if len(ev.Text) > MaxEventText { // bytes ≥ characters: the cheap test first
		if clipped := flows.Clip(ev.Text, MaxEventText); clipped != ev.Text {
			cp := *ev
			cp.Text = clipped
			ev = &cp
		}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encoding event %s: %w", ev.ID, err)
	}
	add := ""
	switch ev.Type {
	case flows.EvMessageIn, flows.EvMessageOut, flows.EvSurveyComment, flows.EvHTTPResult:
		if ev.Size == 0 && (ev.Type != flows.EvHTTPResult || ev.Error == "") {
			add = `,"size":0}`
		}
	case flows.EvFirstAgentReply, flows.EvTicketSolved, flows.EvTicketClosed, flows.EvSLAAlert:
		if ev.WaitMS == 0 {
			add = `,"wait_ms":0}`
		}
	}
	if add != "" && len(b) > 0 && b[len(b)-1] == '}' {
		b = append(b[:len(b)-1], add...)
	}
	return b, nil
}

// rotate renames the current file and opens a new one.
func (s *FileSink) rotate() error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if err := s.f.Close(); err != nil {
		return err
	}
	ext := filepath.Ext(s.path)
	base := strings.TrimSuffix(s.path, ext)
	stamp := s.now().UTC().Format("20060102T150405")
	dst := base + "-" + stamp + ext
	// Later files of the same second are NAME-STAMP_000002.EXT...: "_"
	// sorts after the ".", and the padded count in order, so a glob's
	// (lexical) order is the order they were written.
	for n := 2; ; n++ {
		if _, err := os.Stat(dst); errors.Is(err, os.ErrNotExist) {
			break
		}
		dst = fmt.Sprintf("%s-%s_%06d%s", base, stamp, n, ext)
	}
	if err := os.Rename(s.path, dst); err != nil {
		return fmt.Errorf("rotating the events file: %w", err)
	}
	s.day = ""
	return s.open()
}

// Close flushes and closes the file.
func (s *FileSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	return err
}

// firstDay is the day (UTC) of the first event in the file at path, else
// of its modification time.
func firstDay(path string, mod time.Time) string {
	f, err := os.Open(path)
	if err == nil {
		defer f.Close()
		line, _ := bufio.NewReaderSize(f, 64<<10).ReadSlice('\n')
		var ev struct {
			At time.Time `json:"at"`
		}
		if json.Unmarshal(line, &ev) == nil && !ev.At.IsZero() {
			return ev.At.UTC().Format(time.DateOnly)
		}
	}
	return mod.UTC().Format(time.DateOnly)
}

// endsLine reports whether the file at path, of size bytes, ends with a
// newline (or cannot be read to tell).
func endsLine(path string, size int64) bool {
	f, err := os.Open(path)
	if err != nil {
		return true
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], size-1); err != nil {
		return true
	}
	return b[0] == '\n'
}
