package analytics

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"unicode/utf8"

	json "github.com/segmentio/encoding/json"

	"github.com/batonbot/baton/flows"
)

// MaxEventLine bounds one event's JSON line.
const MaxEventLine = 1 << 20

// batchLines is how many lines a decoding worker takes at once.
const batchLines = 512

// Scan reads JSONL events from r and calls fn with each, in order; the
// *flows.Event is reused: copy what must outlive the call. Blank lines are
// skipped. A line that is not an event (not JSON, no "type" or no "at")
// fails the scan with its line number; an error from fn stops it and is returned.
//
// Lines are decoded by as many workers as there are CPUs (in batches, at
// most two batches per worker in flight, so memory stays bounded) while
// fn sees the events one at a time in file order. Decoding uses
// segmentio/encoding/json, a drop-in encoding/json several times faster.
func Scan(r io.Reader, name string, fn func(*flows.Event) error) error {
	return ScanLines(r, name, func(ev *flows.Event, _ int) error { return fn(ev) })
}

// ScanLines is Scan, giving fn each event's line number too (a reader
// that leaves an event out can say where it is).
func ScanLines(r io.Reader, name string, fn func(ev *flows.Event, line int) error) error {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 {
		return scanSerial(r, name, fn)
	}
	type batch struct {
		first  int // line number of the first line
		lines  [][]byte
		buf    []byte
		events []flows.Event
		at     []int // the line of each event
		err    error
		done   chan struct{}
	}
	jobs := make(chan *batch, workers)
	order := make(chan *batch, 2*workers)
	// Batches are reused through a free list rather than a sync.Pool,
	// which every garbage collection empties: a long stream would
	// allocate its batches (lines, buffers, events) again and again.
	free := make(chan *batch, 3*workers+1)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range jobs {
				b.events, b.at = b.events[:0], b.at[:0]
				for i, l := range b.lines {
					if len(l) == 0 {
						continue
					}
					// Decoded in place: a local event would escape to the
					// heap, one allocation per event.
					b.events = append(b.events, flows.Event{})
					b.at = append(b.at, b.first+i)
					if err := decodeEvent(l, &b.events[len(b.events)-1], name, b.first+i); err != nil {
						b.events, b.at = b.events[:len(b.events)-1], b.at[:len(b.at)-1]
						b.err = err
						break
					}
				}
				close(b.done)
			}
		})
	}
	// The reader: cuts the input into batches, in order.
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	go func() {
		defer close(order)
		defer close(jobs)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 256<<10), MaxEventLine)
		line := 0
		// A scanner called again after it stopped hands out what it
		// buffered as a last line: the first megabyte of a line too long.
		more := true
		for {
			var b *batch
			select {
			case b = <-free:
			default:
				b = &batch{}
			}
			b.first, b.lines, b.buf, b.err, b.done = line+1, b.lines[:0], b.buf[:0], nil, make(chan struct{})
			for more && len(b.lines) < batchLines {
				if more = sc.Scan(); !more {
					break
				}
				line++
				start := len(b.buf)
				b.buf = append(b.buf, sc.Bytes()...)
				b.lines = append(b.lines, b.buf[start:len(b.buf):len(b.buf)])
			}
			// The lines point into buf, which may have moved while it grew.
			off := 0
			for i, l := range b.lines {
				b.lines[i] = b.buf[off : off+len(l) : off+len(l)]
				off += len(l)
			}
			if len(b.lines) == 0 {
				readErr <- scanErr(sc.Err(), name, line+1)
				return
			}
			select {
			case order <- b:
			case <-stop:
				readErr <- nil
				return
			}
			jobs <- b
		}
	}()
	var err error
	for b := range order {
		<-b.done
		if err == nil {
			err = b.err
			for i := range b.events {
				if err != nil {
					break
				}
				err = fn(&b.events[i], b.at[i])
			}
			if err != nil {
				close(stop)
			}
		}
		select {
		case free <- b:
		default:
		}
	}
	wg.Wait()
	rerr := <-readErr
	if err != nil {
		return err
	}
	return rerr
}

func scanSerial(r io.Reader, name string, fn func(*flows.Event, int) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256<<10), MaxEventLine)
	var ev flows.Event
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		ev = flows.Event{}
		if err := decodeEvent(sc.Bytes(), &ev, name, line); err != nil {
			return err
		}
		if err := fn(&ev, line); err != nil {
			return err
		}
	}
	return scanErr(sc.Err(), name, line+1)
}

// scanErr is the error of a scanner that stopped before line.
func scanErr(err error, name string, line int) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, bufio.ErrTooLong) {
		return fmt.Errorf("%s:%d: not an event: the line is longer than %d bytes", name, line, MaxEventLine)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// decodeEvent decodes one line and checks it is an event this version
// reads.
func decodeEvent(b []byte, ev *flows.Event, name string, line int) error {
	if err := json.Unmarshal(b, ev); err != nil {
		if slices.ContainsFunc(b, func(c byte) bool { return c < ' ' && c != '\t' && c != '\r' }) {
			// The decoder's message would copy the bytes to the terminal.
			return fmt.Errorf("%s:%d: not an event: binary data, not JSON text (a compressed file? decompress it first; or a file cut short by a crash)", name, line)
		}
		if t := bytes.TrimSpace(b); len(t) > 0 && t[0] != '{' {
			// Not JSON at all: a flow, a test or a config named by
			// mistake, which the decoder's message would not tell.
			return fmt.Errorf("%s:%d: not an event: an events file holds one JSON object a line, and this line is %q (a flow, a test or a config? give the file --events or events: wrote)", name, line, cut(t, 60))
		}
		return fmt.Errorf("%s:%d: not an event: %w", name, line, err)
	}
	if ev.Type == "" {
		return fmt.Errorf("%s:%d: not an event: no \"type\"", name, line)
	}
	if ev.V > flows.EventSchema {
		return fmt.Errorf("%s:%d: event schema v%d is newer than this baton reads (v%d); upgrade baton", name, line, ev.V, flows.EventSchema)
	}
	if ev.At.IsZero() {
		// Every event carries its time: without it the event would count
		// in no period, and as the year 1 in the ones it does.
		return fmt.Errorf("%s:%d: not an event: no \"at\" (add the time it happened, RFC 3339: \"at\":\"2026-03-03T10:30:00+01:00\")", name, line)
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

// cut is b up to n bytes, ending in "..." when it is longer, cut at a
// character's start.
func cut(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "..."
}
