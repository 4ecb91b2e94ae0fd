package handofftest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is a misbehaviour a fake shows for the requests it matches.
type Fault struct {
	// Method, Path (the whole path) and Prefix (its start) select
	// requests; empty matches any.
	Method, Path, Prefix string
	// Status answers with this status; with After the request takes
	// effect first (a write committed, its answer lost to a 500), else
	// nothing happens.
	Status int
	After  bool
	// RetryAfter is sent as the Retry-After header (seconds).
	RetryAfter string
	// Delay makes the answer take this long on the fake's clock (the
	// clock is advanced before answering, so deadlines due meanwhile run
	// first). The request still takes effect.
	Delay time.Duration
	// Hold, when set, keeps the answer (the request taken effect) until
	// it is closed: a caller that gives up meanwhile never learns the
	// outcome, as a worker that dies during a call.
	Hold <-chan struct{}
	// Times is how many matching requests it applies to; 0 means 1, -1
	// every one.
	Times int
}

// faults is a fake's queue of injected faults.
type faults struct {
	mu   sync.Mutex
	list []*Fault
}

func (f *faults) add(x Fault) {
	if x.Times == 0 {
		x.Times = 1
	}
	f.mu.Lock()
	f.list = append(f.list, &x)
	f.mu.Unlock()
}

// take returns the first fault matching r and uses it up once.
func (f *faults) take(r *http.Request) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.list {
		if (x.Method == "" || x.Method == r.Method) && (x.Path == "" || x.Path == r.URL.Path) && strings.HasPrefix(r.URL.Path, x.Prefix) {
			out := *x
			if x.Times > 0 {
				x.Times--
				if x.Times == 0 {
					f.list = append(f.list[:i], f.list[i+1:]...)
				}
			}
			return out, true
		}
	}
	return Fault{}, false
}

// serve runs handle under the fault r matches, if any: before (refused,
// nothing done), after (done, then the error), or late (done, then the
// clock moves on before the answer).
func serve(fs *faults, clock *Clock, w http.ResponseWriter, r *http.Request, handle func(w http.ResponseWriter, r *http.Request)) {
	x, ok := fs.take(r)
	if !ok {
		handle(w, r)
		return
	}
	if x.Status != 0 && !x.After {
		writeFault(w, x)
		return
	}
	rec := &recorder{header: http.Header{}}
	handle(rec, r)
	if x.Delay > 0 && clock != nil {
		clock.Advance(x.Delay)
	}
	if x.Hold != nil {
		<-x.Hold
	}
	if x.Status != 0 {
		writeFault(w, x)
		return
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body)
}

func writeFault(w http.ResponseWriter, x Fault) {
	if x.RetryAfter != "" {
		w.Header().Set("Retry-After", x.RetryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(x.Status)
	w.Write([]byte(`{"error":"injected","description":"` + http.StatusText(x.Status) + `"}`))
}

// recorder keeps an answer so a fault can replace or delay it.
type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body = append(r.body, b...)
	return len(b), nil
}

// Call is a request a fake received.
type Call struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// JSON decodes the call's body as a JSON object (nil when it is not one).
func (c Call) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(c.Body, &m) != nil {
		return nil
	}
	return m
}

// calls records the requests of a fake.
type calls struct {
	mu   sync.Mutex
	list []Call
}

// record keeps r (its body read and restored).
func (c *calls) record(r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 50<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	c.mu.Lock()
	c.list = append(c.list, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	c.mu.Unlock()
}

// Calls returns the requests received, in order; with method and path,
// only those.
func (c *calls) Calls(method, path string) []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Call
	for _, x := range c.list {
		if (method == "" || x.Method == method) && (path == "" || x.Path == path) {
			out = append(out, x)
		}
	}
	return out
}

// desk is what the fakes share: the server, the clock, the faults and the
// calls.
type desk struct {
	*httptest.Server
	clock  *Clock
	faults faults
	calls
}

// start serves handle under the injected faults, recording every call,
// until the test ends.
func (d *desk) start(t testing.TB, handle func(http.ResponseWriter, *http.Request)) {
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.record(r)
		serve(&d.faults, d.clock, w, r, handle)
	}))
	t.Cleanup(d.Close)
}

// Inject adds a fault.
func (d *desk) Inject(f Fault) { d.faults.add(f) }
