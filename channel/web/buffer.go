package web

import (
	"container/list"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// event is one message of a conversation, as its stream sends it.
type event struct {
	id   int64
	kind string // the SSE event type: message or retract
	data []byte // JSON
	msg  string // the page's message id of an echoed customer message
}

// conv is a conversation's recent events and its open streams.
type conv struct {
	key string
	// epoch tells this conversation's event ids from those of an earlier
	// life of it (before an eviction or a restart), so that a resuming
	// browser gets everything rather than nothing.
	epoch   string
	events  []event // the last maxBuffer events, oldest first
	bytes   int     // of their data, at most bufBytes but for the newest
	next    int64   // the next event's id, from 1
	streams int
	changed chan struct{} // closed when an event is added
	used    time.Time
	posts   bucket // the conversation's post budget (allow)
	elem    *list.Element
}

// convs keeps at most max conversations in memory, the least recently
// used first evicted (never one with an open stream: fewer than max
// streams are open across conversations, so one without is always
// there).
type convs struct {
	mu       sync.Mutex
	max      int
	buf      int
	bufBytes int
	m        map[string]*conv
	lru      *list.List // front: most recently used
	epoch    func() string
	streams  int // open across conversations
	maxOpen  int
}

func newConvs(o options) *convs {
	return &convs{max: o.maxConvs, buf: o.maxBuffer, bufBytes: o.maxBufferBytes, m: make(map[string]*conv), lru: list.New(), epoch: o.newID,
		maxOpen: min(o.maxOpen, o.maxConvs-1)}
}

// bucket is a token bucket: at most burst at once, refilled at rate per
// second.
type bucket struct {
	burst  int
	rate   float64
	tokens float64
	filled time.Time
}

// take spends a token if there is one.
func (b *bucket) take(now time.Time) bool {
	if b.filled.IsZero() {
		b.tokens = float64(b.burst)
	} else if d := now.Sub(b.filled).Seconds(); d > 0 {
		b.tokens = min(float64(b.burst), b.tokens+d*b.rate)
	}
	b.filled = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// eventID is the SSE id of event seq of v: "{epoch}-{seq}".
func eventID(epoch string, seq int64) string { return epoch + "-" + strconv.FormatInt(seq, 10) }

// parseEventID splits a Last-Event-ID; a malformed one resumes from the
// start.
func parseEventID(id string) (epoch string, seq int64) {
	i := strings.LastIndexByte(id, '-')
	if i < 0 {
		return "", 0
	}
	n, err := strconv.ParseInt(id[i+1:], 10, 64)
	if err != nil || n < 0 {
		return "", 0
	}
	return id[:i], n
}

// get returns the conversation key, created if need be; c.mu is held.
// A new conversation in a full store evicts the least recently used one
// without a stream.
func (c *convs) get(key string, now time.Time) *conv {
	v, ok := c.m[key]
	if !ok {
		for c.lru.Len() >= c.max {
			e := c.lru.Back()
			for e != nil && e.Value.(*conv).streams > 0 {
				e = e.Prev()
			}
			if e == nil {
				break // not reached: fewer streams are open than conversations kept
			}
			delete(c.m, e.Value.(*conv).key)
			c.lru.Remove(e)
		}
		v = &conv{key: key, epoch: c.epoch(), next: 1, changed: make(chan struct{})}
		v.elem = c.lru.PushFront(v)
		c.m[key] = v
	}
	v.used = now
	c.lru.MoveToFront(v.elem)
	return v
}

// add appends a message event to conversation key and wakes its
// streams. An echo of customer message msg that is already kept is not
// added again (a retried post), and add reports false.
func (c *convs) add(key, msg string, data []byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.get(key, now)
	if msg != "" {
		for _, e := range v.events {
			if e.msg == msg {
				return false
			}
		}
	}
	c.append(v, event{kind: "message", data: data, msg: msg})
	return true
}

// retract takes the echo of customer message msg back (the Receiver
// refused it): it leaves the buffer, and streams that showed it get a
// retract event.
func (c *convs) retract(key, msg string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.get(key, now)
	v.events = slices.DeleteFunc(v.events, func(e event) bool {
		if e.msg == msg {
			v.bytes -= len(e.data)
			return true
		}
		return false
	})
	c.append(v, event{kind: "retract", data: []byte(`{"id":` + strconv.Quote(msg) + `}`)})
}

// append adds e to v, within the buffer's bounds (events and bytes; the
// newest is kept whatever its size), and wakes v's streams; c.mu is held.
func (c *convs) append(v *conv, e event) {
	e.id = v.next
	v.next++
	v.events = append(v.events, e)
	v.bytes += len(e.data)
	drop := max(len(v.events)-c.buf, 0)
	for _, old := range v.events[:drop] {
		v.bytes -= len(old.data)
	}
	for drop < len(v.events)-1 && v.bytes > c.bufBytes {
		v.bytes -= len(v.events[drop].data)
		drop++
	}
	if drop > 0 { // since copies out, so shifting in place is safe
		n := copy(v.events, v.events[drop:])
		clear(v.events[n:])
		v.events = v.events[:n]
	}
	close(v.changed)
	v.changed = make(chan struct{})
}

// since returns the conversation's epoch, its events after the one with
// SSE id last (all it keeps when last is of another epoch), and the
// channel closed by the next event.
func (c *convs) since(key, last string, now time.Time) (string, []event, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.get(key, now)
	epoch, seq := parseEventID(last)
	if epoch != v.epoch {
		seq = 0
	}
	i := len(v.events)
	for i > 0 && v.events[i-1].id > seq {
		i--
	}
	return v.epoch, append([]event(nil), v.events[i:]...), v.changed
}

// open counts a new stream on key; it refuses (with the Reject reason)
// more than max on the conversation and more than the handler's open
// streams.
func (c *convs) open(key string, max int, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[key]; ok && v.streams >= max {
		return RejectTooMany
	}
	if c.streams >= c.maxOpen {
		return RejectStreamsFull
	}
	v := c.get(key, now)
	v.streams++
	c.streams++
	return ""
}

// allow spends one of the conversation's posts: at most burst at once,
// refilled at rate per second. It refuses (with RejectRate) beyond them.
func (c *convs) allow(key string, burst int, rate float64, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.get(key, now)
	v.posts.burst, v.posts.rate = burst, rate
	if !v.posts.take(now) {
		return RejectRate
	}
	return ""
}

func (c *convs) done(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[key]; ok {
		v.streams--
		c.streams--
	}
}
