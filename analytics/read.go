package analytics

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/batonbot/baton/flows"
)

// MaxEventLine bounds one event's JSON line.
const MaxEventLine = 1 << 20

// Scan reads JSONL events from r and calls fn with each, in order; the
// *flows.Event is reused: copy what must outlive the call. Blank lines are
// skipped. A line that is not an event fails the scan with its line
// number; an error from fn stops it and is returned.
func Scan(r io.Reader, name string, fn func(*flows.Event) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256<<10), MaxEventLine)
	var ev flows.Event
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		ev = flows.Event{}
		if err := json.Unmarshal(b, &ev); err != nil {
			return fmt.Errorf("%s:%d: not an event: %w", name, line, err)
		}
		if ev.Type == "" {
			return fmt.Errorf("%s:%d: not an event: no \"type\"", name, line)
		}
		if ev.V > flows.EventSchema {
			return fmt.Errorf("%s:%d: event schema v%d is newer than this baton reads (v%d); upgrade baton", name, line, ev.V, flows.EventSchema)
		}
		if err := fn(&ev); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s:%d: an event line is longer than %d bytes", name, line+1, MaxEventLine)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// ScanFiles scans each file in turn ("-" is standard input, given as
// stdin).
func ScanFiles(paths []string, stdin io.Reader, fn func(*flows.Event) error) error {
	for _, p := range paths {
		if p == "-" {
			if err := Scan(stdin, "stdin", fn); err != nil {
				return err
			}
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("reading events: %w", err)
		}
		err = Scan(f, p, fn)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
