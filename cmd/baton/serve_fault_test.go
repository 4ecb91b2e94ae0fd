package main

// Fault tests of `baton serve`: the real binary, killed with SIGKILL under
// load and started again on the same store; its Valkey killed and started
// again from its append-only file; two processes on one Valkey taking one
// customer's messages in turn. Customers are a WhatsApp Cloud API fake
// (channel/whatsapp/whatsapptest) that redelivers every webhook until it
// gets a 200, as Meta does, and handofftest's Zendesk, which honours
// Idempotency-Key, as Zendesk does. Rerun them with
//
//	go test ./cmd/baton -run TestServeFault -v

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/handoff/handofftest"
	"github.com/batonbot/baton/store/valkey/valkeytest"
	"github.com/batonbot/baton/studio"
)

// echoFlow answers every message: "hi" to the first, "echo TEXT" to the
// others; "agent" hands the conversation to Zendesk.
const echoFlow = `flow: echo
languages: [en]
start: welcome
triggers:
  - name: agent
    keywords: [agent]
    handoff: {}
states:
  welcome:
    say: "hi"
    next: listen
  listen:
    ask: {save_as: said, pattern: '.+'}
    next: echo
  echo:
    say: "echo {{ said }}"
    next: listen
`

const faultConfig = `
connectors:
  zendesk: {base_url: "%s", subdomain: acme, email: bot@acme.example, token: zd-token}
server: {listen: "127.0.0.1:0", shutdown_timeout: 5s, lease: %s}
store: %s
channels:
  whatsapp:
    - phone_number_id: "%s"
      flow: %s
      access_token: %s
      app_secret: %s
      verify_token: %s
      graph_url: %s
      api_version: %s
`

func TestMain(m *testing.M) {
	code := m.Run()
	if batonBinary.dir != "" {
		os.RemoveAll(batonBinary.dir)
	}
	valkeytest.StopShared()
	stopBrowser()
	os.Exit(code)
}

var batonBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// buildBaton builds this command once per test binary, with the
// batonfaulttest tag: the configs here may set leases of seconds.
func buildBaton(t *testing.T) string {
	t.Helper()
	b := &batonBinary
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "baton-fault-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "baton")
		out, err := exec.Command("go", "build", "-tags", "batonfaulttest", "-o", b.path, ".").CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// A fault scenario's world: the fakes, the flow and the config.
type faultWorld struct {
	wa     *whatsapptest.Server
	zd     *handofftest.Zendesk
	config string
	// settle is how long checkFaultReplies waits, once every reply has
	// come, for late repeats: past the lease, when a fault repeats sends.
	settle time.Duration
}

// faultLease is the lease of the tests that kill a process or its store:
// long enough that a send stalled by a loaded machine (2 cores, go test
// -race of every package at once) does not outlive it, so that the only
// replies sent twice are the sends in flight at the fault; short enough
// that a restarted process takes the killed one's work over soon.
const faultLease = 8 * time.Second

// newFaultWorld writes the world's config with the given server.lease.
func newFaultWorld(t *testing.T, store string, lease time.Duration) *faultWorld {
	t.Helper()
	dir := t.TempDir()
	flow := filepath.Join(dir, "echo.yaml")
	if err := os.WriteFile(flow, []byte(echoFlow), 0o644); err != nil {
		t.Fatal(err)
	}
	w := &faultWorld{settle: lease + time.Second, wa: whatsapptest.NewServer(t),
		zd: handofftest.NewZendesk(t, handofftest.NewClock(time.Now()), "bot@acme.example", "zd-token", "")}
	w.config = filepath.Join(dir, "baton.yaml")
	src := fmt.Sprintf(faultConfig, w.zd.URL, lease, store, w.wa.PhoneNumberID, flow, w.wa.Token, w.wa.AppSecret,
		whatsapptest.VerifyToken, w.wa.URL, w.wa.Version)
	if err := os.WriteFile(w.config, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return w
}

// serveProc is one `baton serve` process.
type serveProc struct {
	t    *testing.T
	addr string
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{}
}

// startServeProcess starts baton serve on addr (a free port when empty) and
// waits until it is healthy. A free port is known only once released, so
// another test may take it before serve binds it: then serve exits
// saying so, and another port is tried.
func startServeProcess(t *testing.T, w *faultWorld, addr string) *serveProc {
	t.Helper()
	pick := addr == ""
	for try := 1; ; try++ {
		if pick {
			addr = freeAddr(t)
		}
		p, log := tryServeProcess(t, w, addr)
		if p != nil {
			return p
		}
		if !pick || !strings.Contains(log, addr+" is in use") || try == 5 {
			t.Fatalf("baton serve exited at start:\n%s", log)
		}
	}
}

// tryServeProcess starts baton serve on addr and waits until it says it
// serves and is healthy; when it exits first, it returns its log instead.
func tryServeProcess(t *testing.T, w *faultWorld, addr string) (*serveProc, string) {
	t.Helper()
	p := &serveProc{t: t, addr: addr, log: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(buildBaton(t), "serve", "--config", w.config, "--listen", addr)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			return nil, p.log.String()
		default:
		}
		// Until it says it serves, what answers on addr may be another
		// test's server on a port it took.
		if strings.Contains(p.log.String(), `"msg":"serving"`) {
			resp, err := http.Get("http://" + addr + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return p, ""
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("baton serve on %s not healthy within 30s:\n%s", addr, p.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL: no shutdown, nothing released.
func (p *serveProc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// customer is one WhatsApp user writing messages, in order.
type customer struct {
	phone string
	texts []string
	agent bool // the last message asks for a human
}

func customers(n, msgs int) []customer {
	var cs []customer
	for i := range n {
		c := customer{phone: fmt.Sprintf("39333%07d", i)}
		for j := range msgs {
			c.texts = append(c.texts, fmt.Sprintf("c%d-m%d", i, j+1))
		}
		if i%4 == 3 {
			c.texts[len(c.texts)-1] = "agent"
			c.agent = true
		}
		cs = append(cs, c)
	}
	return cs
}

// drive posts every customer's messages, customers at once, each message
// redelivered (the same wamid) until a process answers 200, as Meta
// does. target picks the process for a customer's j-th message.
func drive(t *testing.T, w *faultWorld, cs []customer, target func(ci, j int) string, accepted *atomic.Int64) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(cs))
	for ci, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j, text := range c.texts {
				body := w.wa.Notification(whatsapptest.Inbound{ID: fmt.Sprintf("wamid.%s.%d", c.phone, j), From: c.phone, Name: "C", Text: text})
				deadline := time.Now().Add(90 * time.Second)
				for {
					resp, err := w.wa.Post(context.Background(), "http://"+target(ci, j)+"/webhooks/whatsapp", body)
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == 200 {
							break
						}
					}
					if time.Now().After(deadline) {
						errs <- fmt.Errorf("%s's message %d never accepted (last: %v)", c.phone, j+1, err)
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
				accepted.Add(1)
				time.Sleep(time.Duration(5+ci%7) * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// checkFaultReplies waits for every customer's replies and checks them:
// each accepted message answered, in order, none lost. A reply sent twice
// in a row is the one residual window: WhatsApp accepted the send and the
// process died (or lost its store) before the outbox recorded it, so the
// reply goes again when its lease ends. The Cloud API has no idempotency
// key to close that window. The host sends one reply per conversation at a
// time, so a fault repeats at most one reply per conversation. Those
// repeats are counted and returned.
func checkFaultReplies(t *testing.T, w *faultWorld, cs []customer) (repeats int) {
	t.Helper()
	want := map[string][]string{}
	total := 0
	for _, c := range cs {
		var r []string
		for j, text := range c.texts {
			switch {
			case c.agent && j == len(c.texts)-1:
			case j == 0:
				r = append(r, "hi")
			default:
				r = append(r, "echo "+text)
			}
		}
		want[c.phone] = r
		total += len(r)
	}
	got := func() map[string][]string {
		g := map[string][]string{}
		for _, m := range w.wa.Messages() {
			g[m.To] = append(g[m.To], m.Text)
		}
		return g
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		g, n := got(), 0
		for phone, r := range want {
			n += min(len(dedupeRepeats(g[phone])), len(r))
		}
		if n >= total || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(w.settle) // late duplicates would show by now (past the lease)
	g := got()
	for _, c := range cs {
		r := want[c.phone]
		d := dedupeRepeats(g[c.phone])
		if c.agent && len(d) > len(r) {
			d = d[:len(r)] // what the bot says at the handoff is not checked
		}
		if strings.Join(d, "|") != strings.Join(r, "|") {
			t.Errorf("%s: replies %q, want %q", c.phone, g[c.phone], r)
		}
		repeats += countRepeats(g[c.phone])
	}
	return repeats
}

// dedupeRepeats drops a reply equal to the one before it.
func dedupeRepeats(s []string) []string {
	var out []string
	for i, x := range s {
		if i > 0 && s[i-1] == x {
			continue
		}
		out = append(out, x)
	}
	return out
}

func countRepeats(s []string) int { return len(s) - len(dedupeRepeats(s)) }

// checkTickets: one ticket per conversation that asked for an agent.
func checkTickets(t *testing.T, w *faultWorld, cs []customer) {
	t.Helper()
	want := map[string]bool{}
	for _, c := range cs {
		if c.agent {
			want["whatsapp:"+w.wa.PhoneNumberID+":"+c.phone] = true
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(w.zd.Tickets()) < len(want) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	got := map[string]int{}
	for _, tk := range w.zd.Tickets() {
		got[tk.ExternalID]++
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("%s has %d tickets, want 1", id, got[id])
		}
	}
	for id, n := range got {
		if !want[id] {
			t.Errorf("%s has %d tickets and never asked for an agent", id, n)
		}
	}
}

// waitAccepted waits until n messages were accepted.
func waitAccepted(t *testing.T, accepted *atomic.Int64, n int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for accepted.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d messages accepted in 60s, waiting for %d", accepted.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestServeFaultKill kills baton serve with SIGKILL while customers write,
// starts it again on the same store, and checks that every accepted
// message got its reply, in order, and every handoff one ticket.
func TestServeFaultKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs baton serve")
	}
	for _, kind := range []string{"bolt", "valkey"} {
		t.Run(kind, func(t *testing.T) {
			store := fmt.Sprintf("{kind: bolt, path: %q}", filepath.Join(t.TempDir(), "baton.db"))
			if kind == "valkey" {
				store = fmt.Sprintf("{kind: valkey, url: %q}", valkeytest.Start(t).URL)
			}
			w := newFaultWorld(t, store, faultLease)
			p := startServeProcess(t, w, "")
			var addr atomic.Value
			addr.Store(p.addr)
			cs := customers(12, 8)
			var accepted atomic.Int64
			done := make(chan struct{})
			go func() {
				defer close(done)
				drive(t, w, cs, func(int, int) string { return addr.Load().(string) }, &accepted)
			}()
			for k := range 2 { // two kills, at a third and at two thirds
				waitAccepted(t, &accepted, int64((k+1)*len(cs)*8/3))
				p.kill()
				t.Logf("killed baton serve after %d accepted messages", accepted.Load())
				time.Sleep(200 * time.Millisecond)
				p = startServeProcess(t, w, p.addr)
			}
			<-done
			repeats := checkFaultReplies(t, w, cs)
			checkTickets(t, w, cs)
			t.Logf("%s: %d messages accepted, each answered in order; %d replies sent twice in a row (sends in flight at a kill)", kind, accepted.Load(), repeats)
			if repeats > 2*len(cs) {
				t.Errorf("%d replies sent twice; two kills repeat at most one reply per conversation each", repeats)
			}
		})
	}
}

// TestServeFaultValkeyRestart kills the Valkey server (append-only file,
// fsync on every write) while customers write and starts it again: baton
// serve reconnects, and nothing accepted is lost.
func TestServeFaultValkeyRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs baton serve")
	}
	if valkeytest.External() {
		t.Skip("needs a server the test can kill")
	}
	srv := valkeytest.Start(t, valkeytest.WithAOF())
	w := newFaultWorld(t, fmt.Sprintf("{kind: valkey, url: %q}", srv.URL), faultLease)
	p := startServeProcess(t, w, "")
	cs := customers(12, 8)
	var accepted atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		drive(t, w, cs, func(int, int) string { return p.addr }, &accepted)
	}()
	waitAccepted(t, &accepted, int64(len(cs)*8/2))
	srv.Kill()
	t.Logf("killed Valkey after %d accepted messages", accepted.Load())
	time.Sleep(500 * time.Millisecond)
	srv.Restart()
	<-done
	repeats := checkFaultReplies(t, w, cs)
	checkTickets(t, w, cs)
	t.Logf("%d messages accepted, each answered in order; %d replies sent twice in a row (sent while Valkey was down, so not recorded)", accepted.Load(), repeats)
	if repeats > len(cs) {
		t.Errorf("%d replies sent twice; the outage repeats at most one reply per conversation", repeats)
	}
}

// TestServeFaultTwoProcesses runs two baton serve processes on one Valkey,
// each customer's messages going to one and the other in turn.
func TestServeFaultTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs baton serve")
	}
	store := fmt.Sprintf("{kind: valkey, url: %q}", valkeytest.Start(t).URL)
	// No fault, so no send may go twice: a lease of a minute, which no
	// stall on a loaded machine outlives, so that a reply sent twice is
	// two processes claiming one message, never a slow send taken over
	// (at-least-once past a lease, as documented). Such a double claim
	// shows at once: a few seconds' settling is enough.
	w := newFaultWorld(t, store, time.Minute)
	w.settle = 3 * time.Second
	a, b := startServeProcess(t, w, ""), startServeProcess(t, w, "")
	cs := customers(16, 8)
	var accepted atomic.Int64
	drive(t, w, cs, func(ci, j int) string {
		if (ci+j)%2 == 0 {
			return a.addr
		}
		return b.addr
	}, &accepted)
	if repeats := checkFaultReplies(t, w, cs); repeats != 0 {
		t.Errorf("%d replies sent twice with no fault", repeats)
	}
	checkTickets(t, w, cs)
	t.Logf("2 processes: %d messages accepted, each answered once, in order", accepted.Load())
}

// TestServeFaultSecondProcessOnBolt: a second baton serve on the bbolt
// file another one holds is refused, saying which file and why.
func TestServeFaultSecondProcessOnBolt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs baton serve")
	}
	path := filepath.Join(t.TempDir(), "baton.db")
	w := newFaultWorld(t, fmt.Sprintf("{kind: bolt, path: %q}", path), 2*time.Second)
	startServeProcess(t, w, "")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, buildBaton(t), "serve", "--config", w.config, "--listen", addr).CombinedOutput()
	if err == nil || ctx.Err() != nil {
		t.Fatalf("the second process did not exit refused (%v):\n%s", err, out)
	}
	// The store is something outside that broke, not the config: 3.
	if code := exitCode(err); code != exitRuntime {
		t.Errorf("the second process exited %d, want %d:\n%s", code, exitRuntime, out)
	}
	for _, want := range []string{path, "in use by another process"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
	t.Logf("refused: %s", strings.TrimSpace(string(out)))
}

// exitCode is the exit status in a finished command's error.
func exitCode(err error) int {
	var x *exec.ExitError
	if errors.As(err, &x) {
		return x.ExitCode()
	}
	return -1
}

// baton serve FLOW --sandbox whose web sandbox cannot start, after the
// address was bound and the store and the events file opened, releases
// them all: the events file is closed and the address free again.
func TestServeSandboxFailingClosesWhatWasOpened(t *testing.T) {
	newStudio = func(studio.Options) (*studio.Studio, error) { return nil, errors.New("the web sandbox broke") }
	t.Cleanup(func() { newStudio = studio.New })
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	events := filepath.Join(dir, "events.jsonl")
	var addr string
	var code int
	var stdout, stderr string
	// A free port is known only once released: another test may take it
	// before serve binds it, so a taken one is tried again.
	for range 5 {
		addr = freeAddr(t)
		code, stdout, stderr = runCLI(t, "", "serve", "--sandbox", "--listen", addr, "--events", events, "testdata/flows/shop.yaml")
		if !strings.Contains(stderr, addr+" is in use") {
			break
		}
	}
	wantCode(t, code, exitFailed, stdout, stderr)
	if !strings.Contains(stderr, "the web sandbox broke") {
		t.Errorf("stderr does not say why:\n%s", stderr)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if target, _ := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); target == events {
			t.Errorf("the events file is still open (fd %s)", fd.Name())
		}
	}
	// Whether this process still listens there, from the kernel's table:
	// binding the address again would fail as well when another test
	// took the port since.
	if listensOn(t, addr) {
		t.Errorf("the address %s is still held", addr)
	}
}

// listensOn sees this process's own listener, and not once it is closed.
func TestListensOn(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if !listensOn(t, addr) {
		t.Errorf("listensOn(%s) is false while this process listens there", addr)
	}
	l.Close()
	if listensOn(t, addr) {
		t.Errorf("listensOn(%s) is true once the listener is closed", addr)
	}
}

// listensOn reports whether this process has a listening socket on addr
// (127.0.0.1:PORT), from /proc/net/tcp and /proc/self/fd.
func listensOn(t *testing.T, addr string) bool {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	table, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	local := fmt.Sprintf("0100007F:%04X", n)
	inodes := map[string]bool{}
	for _, line := range strings.Split(string(table), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && f[1] == local && f[3] == "0A" { // 0A: LISTEN
			inodes["socket:["+f[9]+"]"] = true
		}
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if target, _ := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); inodes[target] {
			return true
		}
	}
	return false
}
