package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Step is one customer message: Text, or Payload, the id of a tapped
// button.
type Step struct {
	Text    string
	Payload string
	// Replies is how many replies the message gets at least, as its test
	// states (bot:); Exact says it gets exactly that many (bot: [], no
	// reply). Calibration waits for them, then counts any more.
	Replies int
	Exact   bool
}

// Script is one customer's conversation.
type Script struct {
	Name  string
	Steps []Step
}

// Options configure Run.
type Options struct {
	// URL is where the web chat is served: http://127.0.0.1:8080 for the
	// first widget, or .../web/{name} for another.
	URL string
	// Concurrency is how many customers write at once (default 16).
	Concurrency int
	// Duration bounds the run (default 10s); Conversations, when set,
	// stops it after that many conversations.
	Duration      time.Duration
	Conversations int64
	// Settle is the least quiet time after a message's last reply (or
	// its post) calibration waits before counting its replies (default
	// 300ms); against a slower server it waits twice the longest it
	// waited for a reply, up to Timeout.
	Settle time.Duration
	// Timeout bounds the wait for a message's replies, in calibration
	// too (default 10s).
	Timeout time.Duration
	// Client makes the requests (default: one with enough connections).
	Client *http.Client
}

// Report is what a run measured. Latencies are in milliseconds.
type Report struct {
	URL           string  `json:"url"`
	Concurrency   int     `json:"concurrency"`
	Seconds       float64 `json:"seconds"`
	Scripts       int     `json:"scripts"`
	Conversations int64   `json:"conversations"`
	// Turns are the messages sent; Replies the bot's replies received.
	Turns       int64   `json:"turns"`
	Replies     int64   `json:"replies"`
	TurnsPerSec float64 `json:"turns_per_second"`
	// P50... are the latencies from posting a message to its first reply.
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
	// Mismatches are messages that got more or fewer replies than in
	// calibration: the flow answers differently per conversation (a
	// survey sampled by conversation id, a random choice). They are not
	// errors; a message that gets no reply at all is.
	Mismatches int64  `json:"mismatches"`
	Errors     int64  `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
}

// plan is a script with the replies each of its steps gets.
type plan struct {
	Script
	replies []int
}

// Run calibrates the scripts against the server, then drives it until
// the duration passes, the conversations are done or ctx ends.
func Run(ctx context.Context, o Options, scripts []Script) (Report, error) {
	o.defaults()
	base, err := url.Parse(strings.TrimRight(o.URL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return Report{}, fmt.Errorf("loadgen: %q is not the URL of a web chat, such as http://127.0.0.1:8080", o.URL)
	}
	d := &driver{o: o, base: base.String()}
	var plans []plan
	for _, s := range scripts {
		p, err := d.calibrate(ctx, s)
		if err != nil {
			return Report{}, fmt.Errorf("loadgen: calibrating %s: %w", s.Name, err)
		}
		if slices.ContainsFunc(p.replies, func(n int) bool { return n > 0 }) {
			plans = append(plans, p)
		}
	}
	if len(plans) == 0 {
		return Report{}, errors.New("loadgen: the server answered none of the scripts' messages; is it serving the flow the tests are for?")
	}
	rep := d.drive(ctx, plans)
	rep.URL, rep.Scripts = o.URL, len(plans)
	return rep, nil
}

func (o *Options) defaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Settle <= 0 {
		o.Settle = 300 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2*o.Concurrency + 4, MaxConnsPerHost: 0}}
	}
}

type driver struct {
	o    Options
	base string
	// slowest is the longest calibration waited for a reply, from its
	// message's post or the reply before; probed is set once a step
	// waited for a first reply to learn it.
	slowest time.Duration
	probed  bool
}

// calibrate runs s once, slowly, counting the replies of each step: it
// waits for as many as the step's test states, up to the step's timeout,
// then for more until the stream is quiet for twice the longest wait for
// a reply seen so far (at least Settle; never past the timeout). Until a
// reply has shown how slow the server is, a step the test does not say
// gets no reply waits up to the timeout for its first.
func (d *driver) calibrate(ctx context.Context, s Script) (plan, error) {
	c, err := d.open(ctx)
	if err != nil {
		return plan{}, err
	}
	defer c.close()
	p := plan{Script: s}
	for _, st := range s.Steps {
		t0 := time.Now()
		if err := d.post(ctx, c.id, st); err != nil {
			return plan{}, err
		}
		deadline := t0.Add(d.o.Timeout)
		need := st.Replies
		if d.slowest == 0 && !d.probed && !(st.Exact && st.Replies == 0) {
			need, d.probed = max(need, 1), true
		}
		n, last := 0, t0
		wait := time.NewTimer(d.until(n, need, deadline))
		for counting := true; counting; {
			select {
			case at, ok := <-c.replies:
				if !ok {
					wait.Stop()
					return plan{}, c.failure()
				}
				n++
				d.slowest = max(d.slowest, at.Sub(last))
				last = at
				wait.Reset(d.until(n, need, deadline))
			case <-wait.C:
				counting = false
			case <-ctx.Done():
				wait.Stop()
				return plan{}, ctx.Err()
			}
		}
		p.replies = append(p.replies, n)
	}
	return p, nil
}

// until is how long calibration waits for a step's next reply, n of them
// in: up to the deadline while fewer than need came, else for a quiet gap
// relative to the server's latency.
func (d *driver) until(n, need int, deadline time.Time) time.Duration {
	left := time.Until(deadline)
	if n < need {
		return left
	}
	return min(left, max(d.o.Settle, 2*d.slowest))
}

// drive runs the plans with Concurrency customers at once.
func (d *driver) drive(ctx context.Context, plans []plan) Report {
	ctx, cancel := context.WithTimeout(ctx, d.o.Duration)
	defer cancel()
	var (
		convs, turns, replies, errs atomic.Int64
		mismatches                  atomic.Int64
		firstErr                    sync.Once
		firstMsg                    string
		mu                          sync.Mutex
		lat                         []time.Duration
	)
	fail := func(name string, err error) {
		errs.Add(1)
		firstErr.Do(func() { firstMsg = name + ": " + err.Error() })
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := range d.o.Concurrency {
		wg.Go(func() {
			var mine []time.Duration
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for n := 0; ctx.Err() == nil; n++ {
				if c := convs.Add(1); d.o.Conversations > 0 && c > d.o.Conversations {
					convs.Add(-1)
					return
				}
				p := plans[(w+n*d.o.Concurrency)%len(plans)]
				c, err := d.open(ctx)
				if err != nil {
					if ctx.Err() == nil {
						fail(p.Name, err)
					}
					continue
				}
				for i, st := range p.Steps {
					if ctx.Err() != nil {
						break
					}
					if n := c.extra(); n > 0 {
						mismatches.Add(1)
						replies.Add(int64(n))
					}
					t0 := time.Now()
					if err := d.post(ctx, c.id, st); err != nil {
						if ctx.Err() == nil {
							fail(p.Name, err)
						}
						break
					}
					turns.Add(1)
					got, first, err := c.await(ctx, p.replies[i], d.o.Timeout)
					replies.Add(int64(got))
					if got > 0 {
						mine = append(mine, first.Sub(t0))
					}
					if errors.Is(err, errFewer) {
						mismatches.Add(1)
						continue
					}
					if err != nil {
						if ctx.Err() == nil {
							fail(fmt.Sprintf("%s, message %d (conversation %s)", p.Name, i+1, c.id), err)
						}
						break
					}
				}
				c.close()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	rep := Report{Concurrency: d.o.Concurrency, Seconds: elapsed.Seconds(), Conversations: convs.Load(), Turns: turns.Load(),
		Replies: replies.Load(), Mismatches: mismatches.Load(), Errors: errs.Load(), FirstError: firstMsg}
	if rep.Turns > 0 {
		rep.TurnsPerSec = float64(rep.Turns) / elapsed.Seconds()
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		pct := func(p float64) float64 {
			return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1e3
		}
		rep.P50, rep.P95, rep.P99, rep.Max = pct(0.50), pct(0.95), pct(0.99), pct(1)
	}
	return rep
}

// conv is one customer's conversation and its event stream.
type conv struct {
	id      string
	replies chan time.Time // arrival times of the bot's and agents' messages
	body    io.Closer
	cancel  context.CancelFunc
	mu      sync.Mutex
	err     error
}

var ids = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID is a conversation or message id the web chat accepts: 26
// characters, 130 random bits.
func newID() string {
	b := make([]byte, 17)
	rand.Read(b)
	return ids.EncodeToString(b)[:26]
}

// open starts a conversation: a new id and its event stream.
func (d *driver) open(ctx context.Context) (*conv, error) {
	sctx, cancel := context.WithCancel(ctx)
	c := &conv{id: newID(), replies: make(chan time.Time, 64), cancel: cancel}
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, d.base+"/api/events?conversation="+c.id, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := d.o.Client.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("GET %s/api/events: %s, not an event stream: is this a web chat's URL?", d.base, resp.Status)
	}
	c.body = resp.Body
	go c.read(resp.Body)
	return c, nil
}

// read passes on the arrival of each message not from the customer.
func (c *conv) read(r io.Reader) {
	defer close(c.replies)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 16<<10), 1<<20)
	var from struct {
		From string `json:"from"`
	}
	for sc.Scan() {
		data, ok := bytes.CutPrefix(sc.Bytes(), []byte("data: "))
		if !ok {
			continue
		}
		from.From = ""
		if json.Unmarshal(data, &from) != nil || from.From == "user" {
			continue
		}
		c.replies <- time.Now()
	}
	c.mu.Lock()
	c.err = sc.Err()
	c.mu.Unlock()
}

func (c *conv) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return fmt.Errorf("the event stream broke: %w", c.err)
	}
	return errors.New("the server closed the event stream")
}

// errFewer is await's error when fewer replies came than calibrated by
// the step's deadline.
var errFewer = errors.New("fewer replies than calibrated")

// await waits for n replies, up to timeout; it returns how many came and
// when the first did. Some but not all by then is errFewer: a loaded
// server's replies may come far apart, so no quiet gap between them ends
// the wait early.
func (c *conv) await(ctx context.Context, n int, timeout time.Duration) (int, time.Time, error) {
	var first time.Time
	if n == 0 {
		return 0, first, nil
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for got := 0; got < n; {
		select {
		case at, ok := <-c.replies:
			if !ok {
				return got, first, c.failure()
			}
			if got == 0 {
				first = at
			}
			got++
		case <-t.C:
			if got > 0 {
				return got, first, fmt.Errorf("%w: %d of %d within %s", errFewer, got, n, timeout)
			}
			return got, first, fmt.Errorf("%d of %d replies within %s", got, n, timeout)
		case <-ctx.Done():
			return got, first, ctx.Err()
		}
	}
	return n, first, nil
}

// extra counts the replies that came beyond those awaited.
func (c *conv) extra() int {
	n := 0
	for {
		select {
		case _, ok := <-c.replies:
			if !ok {
				return n
			}
			n++
		default:
			return n
		}
	}
}

func (c *conv) close() {
	c.cancel()
	c.body.Close()
	for range c.replies { // until the reader is done
	}
}

// post sends one customer message.
func (d *driver) post(ctx context.Context, conversation string, st Step) error {
	body, _ := json.Marshal(map[string]string{"conversation": conversation, "id": newID(), "text": st.Text, "payload": st.Payload})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+"/api/messages", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.o.Client.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST %s/api/messages: %s: %s", d.base, resp.Status, strings.TrimSpace(string(b)))
	}
	return nil
}
