package valkeytest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Environment variables the harness reads.
const (
	EnvURL        = "BATON_TEST_VALKEY_URL"
	EnvClusterURL = "BATON_TEST_VALKEY_CLUSTER_URL"
	EnvSkip       = "BATON_TEST_VALKEY_SKIP"
)

const installHint = "redis-server is needed for the Valkey tests: install it " +
	"(Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) " +
	"or point " + EnvURL + " at a running server (redis://127.0.0.1:6379); " +
	"to skip these tests on a developer machine set " + EnvSkip + "=1 (CI never does)"

// Server is one running server.
type Server struct {
	// URL is what store/valkey.NewStore takes: redis://127.0.0.1:PORT.
	URL string
	// Addr is host:port.
	Addr string
	// Dir is the server's working directory (its AOF and log), empty for
	// an external server.
	Dir string

	t    testing.TB
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// Option configures Start.
type Option func(*config)

type config struct {
	aof, cluster bool
	args         []string
}

// WithAOF turns the append-only file on with fsync on every write, so a
// server killed and restarted keeps every acknowledged write.
func WithAOF() Option { return func(c *config) { c.aof = true } }

// WithArgs adds redis-server command-line arguments ("--maxmemory", "10mb").
func WithArgs(args ...string) Option {
	return func(c *config) { c.args = append(c.args, args...) }
}

// External reports whether the tests run against a server named by
// BATON_TEST_VALKEY_URL rather than one they start.
func External() bool { return os.Getenv(EnvURL) != "" }

// Start starts a server for t and stops it when t ends. With
// BATON_TEST_VALKEY_URL set it returns that server (Restart and Kill then
// fail the test).
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return external(t, u)
	}
	bin := binary(t, "redis-server")
	s, err := newServer(bin, t.TempDir(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	s.t = t
	t.Cleanup(s.stop)
	return s
}

func external(t testing.TB, u string) *Server {
	addr := strings.TrimPrefix(strings.TrimPrefix(u, "redis://"), "valkey://")
	if i := strings.IndexAny(addr, "/?"); i >= 0 {
		addr = addr[:i]
	}
	return &Server{URL: u, Addr: addr, t: t}
}

// newServer starts redis-server in dir.
func newServer(bin, dir string, opts ...Option) (*Server, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	s := &Server{Dir: dir}
	port, err := freePort(c.cluster)
	if err != nil {
		return nil, err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.URL = "redis://" + s.Addr
	s.args = []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--daemonize", "no", "--protected-mode", "no",
		"--logfile", filepath.Join(dir, "server.log"),
	}
	if c.aof {
		s.args = append(s.args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		s.args = append(s.args, "--appendonly", "no")
	}
	if c.cluster {
		s.args = append(s.args, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--cluster-node-timeout", "5000")
	}
	s.args = append(s.args, c.args...)
	if err := s.start(bin); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) start(bin string) error {
	s.cmd = exec.Command(bin, s.args...)
	s.cmd.Dir = s.Dir
	s.cmd.SysProcAttr = procAttr()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("valkeytest: starting %s: %w", bin, err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(s.cmd, s.done)
	if err := waitReady(s.Addr, s.done, 10*time.Second); err != nil {
		s.stop()
		return fmt.Errorf("valkeytest: redis-server on %s did not start: %w\n%s", s.Addr, err, s.log())
	}
	return nil
}

func (s *Server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Kill ends the server with SIGKILL, like a crash: what the AOF did not
// hold is lost.
func (s *Server) Kill() {
	s.t.Helper()
	if s.cmd == nil {
		s.t.Fatal("valkeytest: cannot kill an external server (" + EnvURL + " is set)")
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Restart starts the server again on the same port and directory, after a
// Kill or while it runs (then it is killed first).
func (s *Server) Restart() {
	s.t.Helper()
	if s.cmd == nil {
		s.t.Fatal("valkeytest: cannot restart an external server (" + EnvURL + " is set)")
	}
	select {
	case <-s.done:
	default:
		s.Kill()
	}
	if err := s.start(binary(s.t, "redis-server")); err != nil {
		s.t.Fatal(err)
	}
}

func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
	}
}

// Cluster is a three-node cluster, each node a primary with a third of the
// slots and no replica.
type Cluster struct {
	// URL names every node: redis://A?addr=B&addr=C.
	URL   string
	Nodes []*Server
}

// StartCluster starts three cluster-enabled servers, joins them with
// redis-cli --cluster create and waits until the cluster is ok. With
// BATON_TEST_VALKEY_CLUSTER_URL set it returns that cluster instead.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	if u := os.Getenv(EnvClusterURL); u != "" {
		return &Cluster{URL: u}
	}
	if External() {
		t.Fatal("valkeytest: " + EnvURL + " is set but " + EnvClusterURL +
			" is not: point it at a cluster (redis://A?addr=B&addr=C) too")
	}
	bin := binary(t, "redis-server")
	cli := binary(t, "redis-cli")
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	c, err := newCluster(bin, cli, dirs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.stop)
	return c
}

func newCluster(bin, cli string, dirs []string) (*Cluster, error) {
	c := &Cluster{}
	addrs := make([]string, len(dirs))
	for i, dir := range dirs {
		s, err := newServer(bin, dir, func(c *config) { c.cluster = true })
		if err != nil {
			c.stop()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
		addrs[i] = s.Addr
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("valkeytest: redis-cli --cluster create: %w\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, s := range c.Nodes {
		for {
			info, err := command(s.Addr, "CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				c.stop()
				return nil, fmt.Errorf("valkeytest: cluster node %s not ok after 20s: %v\n%s", s.Addr, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	c.URL = "redis://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2]
	return c, nil
}

func (c *Cluster) stop() {
	for _, s := range c.Nodes {
		s.stop()
	}
}

// binary finds name on PATH, failing (or, with BATON_TEST_VALKEY_SKIP set,
// skipping) the test when it is missing.
func binary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv(EnvSkip) != "" {
		t.Skipf("valkeytest: %s not found and %s is set: skipping", name, EnvSkip)
	}
	t.Fatalf("valkeytest: %s not found on PATH. %s", name, installHint)
	return ""
}

// freePort returns a loopback port nothing listens on; with bus, port+10000
// (a cluster node's bus port) is free too.
func freePort(bus bool) (int, error) {
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("valkeytest: finding a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if !bus {
			l.Close()
			return port, nil
		}
		if port+10000 > 65535 {
			l.Close()
			continue
		}
		l2, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		l.Close()
		if err != nil {
			continue
		}
		l2.Close()
		return port, nil
	}
	return 0, errors.New("valkeytest: no free loopback port pair found")
}

// waitReady waits until addr answers PING, the process ends or timeout.
func waitReady(addr string, done <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-done:
			return errors.New("the process exited")
		default:
		}
		r, err := command(addr, "PING")
		if err == nil && r == "PONG" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG within %v (last: %v)", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// command sends one command over a fresh connection and returns a simple,
// bulk or error reply as text (enough for PING and CLUSTER INFO).
func command(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write(b.Bytes()); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "+"):
		return line[1:], nil
	case strings.HasPrefix(line, "-"):
		return "", errors.New(line[1:])
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("unexpected reply %q", line)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return line, nil
}
