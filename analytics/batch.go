package analytics

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/batonbot/baton/flows"
)

// batcher is what the network sinks share: a bounded buffer that Write
// fills without blocking, and a goroutine that sends it in batches of up
// to maxBatch events (or what arrived within the interval), retrying a
// failed batch with exponential backoff. When the buffer is full, new
// events are dropped and counted: analytics never holds a turn up.
type batcher struct {
	send     func(context.Context, []flows.Event) error
	ch       chan flows.Event
	maxBatch int
	interval time.Duration
	tries    uint
	maxWait  time.Duration
	flushTO  time.Duration
	onError  func(error)

	dropped atomic.Int64
	sent    atomic.Int64
	closeMu sync.RWMutex
	closed  bool
	done    chan struct{}
	stop    context.CancelFunc
}

// BatchOption configures a network sink's buffering and retries.
type BatchOption func(*batcher)

// BatchSize sends at most n events per request (default 100).
func BatchSize(n int) BatchOption { return func(b *batcher) { b.maxBatch = n } }

// BatchInterval sends what is buffered at least this often (default 1s).
func BatchInterval(d time.Duration) BatchOption { return func(b *batcher) { b.interval = d } }

// BufferSize bounds the events waiting to be sent (default 10000); more
// are dropped and counted (Dropped).
func BufferSize(n int) BatchOption {
	return func(b *batcher) { b.ch = make(chan flows.Event, max(n, 1)) }
}

// Retries sets how many times a failed batch is sent again (default 8)
// and the longest it is retried for (default 2m) before it is dropped.
func Retries(n int, maxWait time.Duration) BatchOption {
	return func(b *batcher) { b.tries, b.maxWait = uint(max(n, 0))+1, maxWait }
}

// FlushTimeout bounds how long Close waits to send what is left (default
// 10s).
func FlushTimeout(d time.Duration) BatchOption { return func(b *batcher) { b.flushTO = d } }

// OnSendError is told about each batch given up (dropped after its
// retries, or refused for good).
func OnSendError(f func(error)) BatchOption { return func(b *batcher) { b.onError = f } }

func newBatcher(send func(context.Context, []flows.Event) error, opts []BatchOption) *batcher {
	b := &batcher{send: send, maxBatch: 100, interval: time.Second, tries: 9, maxWait: 2 * time.Minute, flushTO: 10 * time.Second, done: make(chan struct{})}
	for _, o := range opts {
		o(b)
	}
	if b.ch == nil {
		b.ch = make(chan flows.Event, 10000)
	}
	if b.maxBatch <= 0 {
		b.maxBatch = 100
	}
	if b.interval <= 0 {
		b.interval = time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.stop = cancel
	go b.run(ctx)
	return b
}

// ErrBufferFull is what a network sink's Write returns when it dropped
// events because its buffer was full (the endpoint is slow or down).
var ErrBufferFull = errors.New("analytics: the sink's buffer is full; events were dropped")

func (b *batcher) write(events []flows.Event) error {
	b.closeMu.RLock()
	defer b.closeMu.RUnlock()
	if b.closed {
		return errors.New("analytics: the sink is closed")
	}
	dropped := 0
	for _, ev := range events {
		select {
		case b.ch <- ev:
		default:
			dropped++
		}
	}
	if dropped > 0 {
		b.dropped.Add(int64(dropped))
		return fmt.Errorf("%w (%d)", ErrBufferFull, dropped)
	}
	return nil
}

func (b *batcher) run(ctx context.Context) {
	defer close(b.done)
	batch := make([]flows.Event, 0, b.maxBatch)
	tick := time.NewTicker(b.interval)
	defer tick.Stop()
	flush := func(ctx context.Context) {
		if len(batch) == 0 {
			return
		}
		b.deliver(ctx, batch)
		batch = batch[:0]
	}
	for {
		select {
		case ev, ok := <-b.ch:
			if !ok {
				flush(ctx)
				return
			}
			batch = append(batch, ev)
			if len(batch) >= b.maxBatch {
				flush(ctx)
			}
		case <-tick.C:
			flush(ctx)
		}
	}
}

// deliver sends one batch, retrying; a batch given up is counted dropped.
func (b *batcher) deliver(ctx context.Context, batch []flows.Event) {
	eb := backoff.NewExponentialBackOff()
	eb.InitialInterval = 200 * time.Millisecond
	eb.MaxInterval = 30 * time.Second
	op := func() (struct{}, error) { return struct{}{}, b.send(ctx, batch) }
	_, err := backoff.Retry(ctx, op, backoff.WithBackOff(eb), backoff.WithMaxTries(b.tries), backoff.WithMaxElapsedTime(b.maxWait))
	if err != nil {
		b.dropped.Add(int64(len(batch)))
		if b.onError != nil {
			b.onError(fmt.Errorf("analytics: %d events dropped: %w", len(batch), err))
		}
		return
	}
	b.sent.Add(int64(len(batch)))
}

// close stops accepting events and sends what is buffered, waiting at
// most the flush timeout.
func (b *batcher) close() error {
	b.closeMu.Lock()
	if b.closed {
		b.closeMu.Unlock()
		return nil
	}
	b.closed = true
	close(b.ch)
	b.closeMu.Unlock()
	select {
	case <-b.done:
		return nil
	case <-time.After(b.flushTO):
		b.stop()
		<-b.done
		return fmt.Errorf("analytics: events still unsent after %s; they were dropped", b.flushTO)
	}
}

// Stats are a network sink's counters.
type Stats struct {
	Sent, Dropped int64
}

func (b *batcher) stats() Stats { return Stats{Sent: b.sent.Load(), Dropped: b.dropped.Load()} }
