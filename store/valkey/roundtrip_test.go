package valkey

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
)

// countingConn counts the writes a client makes: with one goroutine
// working, each write is a request the client then waits for, so writes
// are round trips.
type countingConn struct {
	net.Conn
	n   *atomic.Int64
	log *writeLog
}

type writeLog struct {
	mu     sync.Mutex
	writes []string
}

func (c countingConn) Write(b []byte) (int, error) {
	// The client's keep-alive and a new connection's handshake (HELLO,
	// CLIENT TRACKING) are not the turn's.
	if !bytes.Equal(b, ping) && !bytes.HasPrefix(b, hello) {
		c.n.Add(1)
		c.log.mu.Lock()
		c.log.writes = append(c.log.writes, string(b[:min(len(b), 80)]))
		c.log.mu.Unlock()
	}
	return c.Conn.Write(b)
}

var (
	ping  = []byte("*1\r\n$4\r\nPING\r\n")
	hello = []byte("*2\r\n$5\r\nHELLO\r\n")
)

func countWrites(n *atomic.Int64, log *writeLog) Option {
	return WithClientOption(func(o *valkey.ClientOption) {
		o.DialCtxFn = func(ctx context.Context, addr string, d *net.Dialer, cfg *tls.Config) (net.Conn, error) {
			c, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				return nil, err
			}
			return countingConn{Conn: c, n: n, log: log}, nil
		}
	})
}

// turn is what a host does per customer message with the store: load the
// session, run the engine (here: add two messages), save the session with
// the reply for the outbox and the inbox entry acknowledged.
func turn(ctx context.Context, s *Store, id string, i int, done []string) error {
	sess, err := s.Load(ctx, id)
	if err != nil {
		return err
	}
	now := time.Now()
	sess.Transcript = append(sess.Transcript,
		flows.Message{At: now, From: flows.RoleUser, Text: "2"},
		flows.Message{At: now, From: flows.RoleBot, Text: "Our opening hours are 9 to 18, Monday to Friday."})
	if len(sess.Transcript) > 20 {
		sess.Transcript = sess.Transcript[len(sess.Transcript)-20:]
	}
	sess.State = "menu"
	sess.Turns++
	return s.Save(ctx, sess, flows.Commit{
		Outbox: []flows.OutboxItem{{ID: id + "-" + strconv.Itoa(i), Kind: flows.OutboxReply,
			Outbound: &flows.Outbound{ID: id + "-" + strconv.Itoa(i), To: flows.Contact{ID: "393331234567"}, Reply: flows.Reply{Text: "Our opening hours are 9 to 18."}}}},
		Done: done,
	})
}

func seed(ctx context.Context, tb testing.TB, s *Store, id string) {
	sess := &flows.Session{ID: id, Flow: "support", State: "menu", Contact: flows.Contact{ID: "393331234567", Name: "Ada"},
		Lifecycle: flows.LifecycleBot, Vars: map[string]any{"order": "A-1042", "lang": "en"}}
	for i := range 10 {
		sess.Transcript = append(sess.Transcript, msg(i, flows.RoleUser))
	}
	if err := s.Save(ctx, sess, flows.Commit{}); err != nil {
		tb.Fatal(err)
	}
}

func TestRoundTripsPerTurn(t *testing.T) {
	for _, c := range []struct {
		kind string
		want int64
	}{{"single", 2}, {"cluster", 3}} {
		t.Run(c.kind, func(t *testing.T) {
			ctx := context.Background()
			var n atomic.Int64
			log := &writeLog{}
			s := open(t, c.kind, countWrites(&n, log))
			seed(ctx, t, s, "c")
			if _, err := s.Inbox().Accept(ctx, flows.Inbound{ID: "m1", ConversationID: "c"}); err != nil {
				t.Fatal(err)
			}
			if err := turn(ctx, s, "c", 0, nil); err != nil { // the scripts are loaded by now
				t.Fatal(err)
			}
			n.Store(0)
			log.mu.Lock()
			log.writes = nil
			log.mu.Unlock()
			if err := turn(ctx, s, "c", 1, []string{"m1"}); err != nil {
				t.Fatal(err)
			}
			if got := n.Load(); got != c.want {
				t.Fatalf("a turn took %d round trips, want %d: %q", got, c.want, log.writes)
			}
			t.Logf("%s: %d round trips per turn (load, save%s)", c.kind, n.Load(), map[bool]string{true: ", publish"}[c.kind == "cluster"])
		})
	}
}

// BenchmarkTurn measures a persisted turn on loopback: Load (session and
// a 10 to 20 message transcript) and Save (compare-and-set, two new
// messages, a reply in the outbox, indexes). It reports the latency
// percentiles per turn besides ns/op.
func BenchmarkTurn(b *testing.B) {
	for _, kind := range kinds {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			s := open(b, kind)
			seed(ctx, b, s, "bench")
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				if err := turn(ctx, s, "bench", i, nil); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
