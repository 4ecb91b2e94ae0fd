package valkey

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeServer speaks just enough RESP for a client to connect (HELLO 3,
// CLIENT, PING, an empty answer to anything else) until silence is
// called: from then on it closes the connections it served and accepts
// new ones without ever answering, as a paused or overloaded server does.
type fakeServer struct {
	ln       net.Listener
	silent   atomic.Bool
	mu       sync.Mutex
	conns    []net.Conn
	accepted atomic.Int32 // connections accepted while silent
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{ln: ln}
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			if f.silent.Load() {
				f.accepted.Add(1)
				go io.Copy(io.Discard, c) //nolint:errcheck // read, never answer
				continue
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeServer) silence() {
	f.silent.Store(true)
	f.mu.Lock()
	for _, c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
}

func (f *fakeServer) serve(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		args, err := readCommand(r)
		if err != nil || f.silent.Load() {
			c.Close()
			return
		}
		var reply string
		switch strings.ToUpper(args[0]) {
		case "HELLO":
			reply = "%2\r\n$5\r\nproto\r\n:3\r\n$7\r\nversion\r\n$5\r\n7.2.0\r\n"
		case "CLUSTER":
			reply = "-ERR This instance has cluster support disabled\r\n"
		case "PING":
			reply = "+PONG\r\n"
		case "CLIENT":
			reply = "+OK\r\n"
		default:
			reply = "*0\r\n"
		}
		if _, err := io.WriteString(c, reply); err != nil {
			return
		}
	}
}

// readCommand reads one RESP array of bulk strings.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "*")))
	if err != nil || n < 1 {
		return nil, io.ErrUnexpectedEOF
	}
	args := make([]string, n)
	for i := range args {
		if _, err := r.ReadString('\n'); err != nil { // $len
			return nil, err
		}
		s, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		args[i] = strings.TrimSuffix(s, "\r\n")
	}
	return args, nil
}

// Close returns at once while the client is connecting again to a server
// that accepts and never answers: the background sweep's new connection
// waits for its handshake, which valkey-go bounds by its dial timeout (5s)
// and not by the sweep's context, so Close used to wait for it.
func TestCloseWhileDialingAHungServer(t *testing.T) {
	f := newFakeServer(t)
	s, err := NewStore(context.Background(), "redis://"+f.ln.Addr().String(), WithSweepEvery(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	f.silence()
	deadline := time.Now().Add(10 * time.Second)
	for f.accepted.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if f.accepted.Load() == 0 {
		t.Fatal("the client did not connect again within 10s")
	}
	start := time.Now()
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Close has not returned after a minute")
	}
	// valkey-go's dial timeout is 5s; a prompt Close takes milliseconds.
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %s while the client was connecting to a silent server, want it prompt", d.Round(time.Millisecond))
	}
}

// NewStore gives up when its context ends, even in valkey-go's first
// handshake, which takes no context: against a server that accepts and
// never answers it used to wait out the dial timeout (5s) whatever the
// context said.
func TestNewStoreHonoursItsContext(t *testing.T) {
	f := newFakeServer(t)
	f.silence()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	s, err := NewStore(ctx, "redis://"+f.ln.Addr().String())
	if err == nil {
		s.Close()
		t.Fatal("NewStore connected to a silent server")
	}
	if d := time.Since(start); d > 2*time.Second || !errors.Is(err, context.Canceled) {
		t.Errorf("NewStore returned after %s with %v; want context.Canceled at once", d.Round(time.Millisecond), err)
	}
}
