package analytics

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
)

// ValkeyStream appends events to a Valkey (or Redis) stream: one entry
// per event, its JSON in the field "event", with XADD ... MAXLEN ~ n so
// the stream stays about n entries long. Several `baton serve` processes
// on one Valkey write one stream; a consumer reads it with XREAD or
// XREADGROUP (`baton report` reads an export of it: XRANGE into JSONL).
// Like the webhook sink it buffers (boundedly) and sends batches in the
// background, each batch one round trip.
type ValkeyStream struct {
	c      valkey.Client
	key    string
	maxLen int64
	b      *batcher
}

var _ flows.EventSink = (*ValkeyStream)(nil)

// DefaultStreamMaxLen is the stream's approximate length cap.
const DefaultStreamMaxLen = 1_000_000

// NewValkeyStream returns a sink appending to stream key through c
// (which it does not close); maxLen 0 means DefaultStreamMaxLen.
func NewValkeyStream(c valkey.Client, key string, maxLen int64, opts ...BatchOption) *ValkeyStream {
	if maxLen <= 0 {
		maxLen = DefaultStreamMaxLen
	}
	s := &ValkeyStream{c: c, key: key, maxLen: maxLen}
	s.b = newBatcher(s.send, opts)
	return s
}

// Write buffers events; it never waits for the server.
func (s *ValkeyStream) Write(_ context.Context, events ...flows.Event) error {
	return s.b.write(events)
}

// Close sends what is buffered (within the flush timeout).
func (s *ValkeyStream) Close() error { return s.b.close() }

// Stats counts the events sent and dropped.
func (s *ValkeyStream) Stats() Stats { return s.b.stats() }

func (s *ValkeyStream) send(ctx context.Context, batch []flows.Event) error {
	cmds := make(valkey.Commands, 0, len(batch))
	for i := range batch {
		b, err := marshalEvent(&batch[i])
		if err != nil {
			return err
		}
		cmds = append(cmds, s.c.B().Xadd().Key(s.key).Maxlen().Almost().Threshold(strconv.FormatInt(s.maxLen, 10)).Id("*").FieldValue().FieldValue("event", string(b)).Build())
	}
	for _, r := range s.c.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil {
			// The batch is sent again (the entries that made it are then
			// repeated: a consumer drops them by event id).
			return fmt.Errorf("valkey stream %s: %w", s.key, err)
		}
	}
	return nil
}

// repeatWindow is how far apart, in the stream's time, an event and its
// repeat can be: a batch is retried for at most 2 minutes (Retries).
const repeatWindow = 10 * time.Minute

// ReadStream reads the stream key from its start through c and calls fn
// with each event in order, count entries per round trip: `baton report`
// over a stream. An event repeated by a batch sent again (same id,
// within minutes) is passed once.
func ReadStream(ctx context.Context, c valkey.Client, key string, fn func(*flows.Event) error) error {
	start := "-"
	seen := map[string]int64{} // event id → its entry's time (ms), within repeatWindow
	var pruned int64
	for {
		res, err := c.Do(ctx, c.B().Xrange().Key(key).Start(start).End("+").Count(1000).Build()).AsXRange()
		if err != nil {
			return fmt.Errorf("reading stream %s: %w", key, err)
		}
		for _, e := range res {
			var ev flows.Event
			if err := decodeEvent([]byte(e.FieldValues["event"]), &ev, key, 0); err != nil {
				return fmt.Errorf("stream %s entry %s: %w", key, e.ID, err)
			}
			ms, _ := strconv.ParseInt(e.ID[:max(strings.IndexByte(e.ID, '-'), 0)], 10, 64)
			if ms-pruned > repeatWindow.Milliseconds() {
				for id, t := range seen {
					if ms-t > repeatWindow.Milliseconds() {
						delete(seen, id)
					}
				}
				pruned = ms
			}
			if ev.ID != "" {
				if _, dup := seen[ev.ID]; dup {
					continue
				}
				seen[ev.ID] = ms
			}
			if err := fn(&ev); err != nil {
				return err
			}
		}
		if len(res) < 1000 {
			return nil
		}
		start = "(" + res[len(res)-1].ID
	}
}

// IsStreamURL reports whether an events source names a Valkey server
// (redis://, rediss://, valkey://, valkeys://) rather than a file.
func IsStreamURL(s string) bool {
	for _, p := range []string{"redis://", "rediss://", "valkey://", "valkeys://"} {
		if len(s) > len(p) && s[:len(p)] == p {
			return true
		}
	}
	return false
}

// ScanStream reads stream key on the server at url (see IsStreamURL) and
// calls fn with each event in order.
func ScanStream(ctx context.Context, url, key string, fn func(*flows.Event) error) error {
	u := url
	for _, p := range [][2]string{{"valkey://", "redis://"}, {"valkeys://", "rediss://"}} {
		if len(u) > len(p[0]) && u[:len(p[0])] == p[0] {
			u = p[1] + u[len(p[0]):]
		}
	}
	opt, err := valkey.ParseURL(u)
	if err != nil {
		return fmt.Errorf("events stream %s: %w", url, err)
	}
	opt.DisableCache = true
	c, err := valkey.NewClient(opt)
	if err != nil {
		return fmt.Errorf("events stream %s: %w", url, err)
	}
	defer c.Close()
	return ReadStream(ctx, c, key, fn)
}
