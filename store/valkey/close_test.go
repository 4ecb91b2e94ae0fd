package valkey

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// hangingProxy forwards connections to addr until hang is called; from
// then on it forwards nothing more, as a server that stopped answering
// (a paused or overloaded Valkey) looks to its clients.
type hangingProxy struct {
	ln     net.Listener
	mu     sync.Mutex
	hung   bool
	closed chan struct{}
}

func newHangingProxy(t *testing.T, addr string) *hangingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &hangingProxy{ln: ln, closed: make(chan struct{})}
	var conns []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		close(p.closed)
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			go p.pipe(up, c)
			go p.pipe(c, up)
		}
	}()
	return p
}

func (p *hangingProxy) hang() {
	p.mu.Lock()
	p.hung = true
	p.mu.Unlock()
}

func (p *hangingProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		p.mu.Lock()
		hung := p.hung
		p.mu.Unlock()
		if hung {
			<-p.closed
			return
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

// Close stops the background sweep at once, even when the server stopped
// answering in the middle of a sweep: a shutdown is not held up for the
// sweep's timeout (the sweep interval, 30s by default). What the client
// does without a context (the handshake of a connection it opens
// meanwhile, its own close) no longer waits for the silent server either:
// Close closes the connections first (TestCloseWhileDialingAHungServer).
func TestCloseStopsAHungSweep(t *testing.T) {
	srv := valkeytest.Shared(t)
	addr := strings.TrimPrefix(strings.TrimPrefix(srv, "redis://"), "valkey://")
	if i := strings.IndexAny(addr, "/?"); i >= 0 {
		addr = addr[:i]
	}
	p := newHangingProxy(t, addr)
	every := 6 * time.Second
	s, err := NewStore(context.Background(), "redis://"+p.ln.Addr().String(), WithPrefix("closehung"), WithSweepEvery(every),
		WithClientOption(func(o *valkey.ClientOption) { o.Dialer.Timeout = 500 * time.Millisecond }))
	if err != nil {
		t.Fatal(err)
	}
	p.hang()
	time.Sleep(every + every/12) // the first sweep has started, and waits for an answer
	start := time.Now()
	done := make(chan struct{})
	go func() {
		s.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Close has not returned after a minute")
	}
	if d := time.Since(start); d > every/2 {
		t.Fatalf("Close took %s with the server hung in a sweep, want it prompt", d.Round(time.Millisecond))
	}
}
