package handoff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/batonbot/baton/flows"
)

// Request is one HTTP request a connector sends to its helpdesk, as a
// Recorder keeps it: secrets in headers are redacted, the body is the
// exact JSON that would leave the machine.
type Request struct {
	// Connector is "zendesk", "freshdesk", "webhook"...
	Connector string `json:"connector"`
	// Op is the Connector method that made it ("open", "append", "close")
	// and, for a call made to prepare one, its step: "open.user",
	// "open.lookup", "append.lookup".
	Op     string      `json:"op"`
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"header,omitempty"`
	Body   string      `json:"body,omitempty"`
}

// Path is the request's URL path with its query, e.g.
// "/api/v2/search/tickets?query=...".
func (r Request) Path() string {
	u, err := url.Parse(r.URL)
	if err == nil {
		return u.RequestURI()
	}
	// A redacted userinfo ("https://[redacted]@host/...") does not parse:
	// the path starts after the authority.
	_, rest, ok := strings.Cut(r.URL, "://")
	if !ok {
		return r.URL
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[i:]
	} else {
		rest = ""
	}
	rest, _, _ = strings.Cut(rest, "#")
	if !strings.HasPrefix(rest, "/") {
		rest = "/" + rest
	}
	return rest
}

// String renders the request the way `baton chat` shows it.
func (r Request) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	if r.Body != "" {
		b.WriteString("\n" + r.Body + "\n")
	}
	return b.String()
}

// Recorder is the sandbox connector: it sends nothing and records, for
// each Open, Append and Close, the exact requests the real connector would
// send. It runs the real connector's code in dry-run mode (see DryRun):
// requests are built by the same functions, and each is answered with a
// canned success response of the helpdesk's documented shape, so later
// steps (a ticket after its requester) are recorded too.
//
// A Recorder is safe for concurrent use.
type Recorder struct {
	conn flows.Connector
	mu   sync.Mutex
	reqs []Request
}

var _ flows.Connector = (*Recorder)(nil)

// NewRecorder returns a Recorder for the connector build returns. Build is
// given the DryRun option for this Recorder and must pass it to the
// connector's constructor:
//
//	rec, err := handoff.NewRecorder(func(dry handoff.ConnectorOption) (flows.Connector, error) {
//		return handoff.NewZendesk("acme", handoff.ZendeskAPIToken(email, token), dry)
//	})
//
// With a nil build the Recorder records what the generic webhook connector
// would send to https://helpdesk.invalid/baton, a placeholder for a flow
// with no helpdesk configured.
func NewRecorder(build func(dry ConnectorOption) (flows.Connector, error)) (*Recorder, error) {
	r := &Recorder{}
	if build == nil {
		build = func(dry ConnectorOption) (flows.Connector, error) {
			return NewWebhook("https://helpdesk.invalid/baton", "whsec_c2FuZGJveC1zZWNyZXQ=", dry)
		}
	}
	c, err := build(DryRun(r))
	if err != nil {
		return nil, err
	}
	r.conn = c
	return r, nil
}

// Open records what opening h would send.
func (r *Recorder) Open(ctx context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	return r.conn.Open(ctx, h)
}

// Append records what appending m would send.
func (r *Recorder) Append(ctx context.Context, t flows.TicketRef, m flows.Message) error {
	return r.conn.Append(ctx, t, m)
}

// Close records what closing t would send.
func (r *Recorder) Close(ctx context.Context, t flows.TicketRef) error {
	return r.conn.Close(ctx, t)
}

// Requests returns a copy of the requests recorded so far, in order.
func (r *Recorder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Request, len(r.reqs))
	for i, q := range r.reqs {
		q.Header = q.Header.Clone()
		out[i] = q
	}
	return out
}

// Reset forgets the recorded requests.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.reqs = nil
	r.mu.Unlock()
}

func (r *Recorder) record(q Request) {
	r.mu.Lock()
	r.reqs = append(r.reqs, q)
	r.mu.Unlock()
}

// secretHeaders are redacted in recordings.
var secretHeaders = map[string]bool{
	"Authorization":    true,
	"Api_access_token": true,
	"X-Api-Key":        true,
	"X-Baton-Secret":   true,
}

func redact(h http.Header) http.Header {
	out := h.Clone()
	for k, vs := range out {
		if !secretHeaders[http.CanonicalHeaderKey(k)] {
			continue
		}
		for i, v := range vs {
			scheme, _, ok := strings.Cut(v, " ")
			if ok && (strings.EqualFold(scheme, "Basic") || strings.EqualFold(scheme, "Bearer")) {
				vs[i] = scheme + " [redacted]"
			} else {
				vs[i] = "[redacted]"
			}
		}
	}
	return out
}

// maxResponse bounds how much of a helpdesk response is read.
const maxResponse = 1 << 20

// maxListResponse bounds a page of a ticket's comments (conversations),
// read by the check for an earlier attempt's marker: a page of
// checkPageSize long comments, each listed up to three times (Zendesk's
// body, html_body and plain_body of up to about 64 KB), is several
// megabytes.
const maxListResponse = 16 << 20

// checkPageSize is how many comments (conversations) a page of the check
// asks for, so that a page of long ones stays within maxListResponse.
const checkPageSize = 25

// sender is the one path by which connectors talk to helpdesks: it sends
// a built request with the client, or in dry-run mode records it and
// returns the canned response instead.
type sender struct {
	connector string
	opts      *connOptions
	hints     ClientHints
	// secretQuery names the query parameters of the configured URL that
	// recordings must not show (a webhook's ?token=).
	secretQuery map[string]bool
	// reached is set once the helpdesk answered a call: a host name that
	// stops resolving after that is a DNS failure, not a wrong subdomain.
	reached atomic.Bool
}

// call is one request a connector built.
type call struct {
	op     string
	method string
	url    string
	header http.Header
	body   []byte
	// canned is the success response used in dry-run mode.
	canned string
	// limit bounds how much of the response is read; 0 is maxResponse.
	limit int64
}

// response is a 2xx answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (s *sender) send(ctx context.Context, c call) (response, error) {
	if c.header == nil {
		c.header = http.Header{}
	}
	// The defaults' values are shared slices (nothing writes a request's
	// header values in place: redact copies them first).
	if c.body != nil && c.header.Get("Content-Type") == "" {
		c.header["Content-Type"] = jsonHeaderValue
	}
	if c.header.Get("Accept") == "" {
		c.header["Accept"] = jsonHeaderValue
	}
	if c.header.Get("User-Agent") == "" {
		c.header["User-Agent"] = userAgentValue
	}
	if rec := s.opts.recorder; rec != nil {
		u := c.url
		if len(s.secretQuery) > 0 || strings.Contains(u, "@") {
			u = redactOneURL(u, s.secretQuery)
		}
		rec.record(Request{Connector: s.connector, Op: c.op, Method: c.method, URL: u,
			Header: redact(c.header), Body: string(c.body)})
		return response{status: http.StatusOK, header: http.Header{}, body: []byte(c.canned)}, nil
	}
	var rd io.Reader
	if c.body != nil {
		rd = bytes.NewReader(c.body)
	}
	// Each call has its own deadline: a slow call does not eat the time of
	// the next one, whose write may follow the first's.
	cctx, cancel := withDeadline(ctx, s.opts.clock, s.opts.callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, c.method, c.url, rd)
	if err != nil {
		return response{}, &Error{Connector: s.connector, Op: c.op, Err: errors.New(Redact(err.Error())),
			Hint: "the helpdesk URL is invalid: check the subdomain or base URL"}
	}
	req.Header = c.header
	res, err := s.opts.client.Do(req)
	if err != nil {
		return response{}, s.transportError(cctx, ctx, c.op, err)
	}
	s.reached.Store(true)
	defer res.Body.Close()
	limit := c.limit
	if limit <= 0 {
		limit = maxResponse
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, limit))
	if err != nil {
		return response{}, s.transportError(cctx, ctx, c.op, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return response{}, responseError(s.connector, c.op, res.StatusCode, res.Header, body, s.opts.now(), s.hints)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}, nil
}

// transportError reports a call that got no (whole) answer: it says when
// the call's own deadline passed, and never shows the URL's secrets.
func (s *sender) transportError(cctx, ctx context.Context, op string, err error) *Error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // the URL is said once, redacted, below
	}
	if timedOut(cctx) && ctx.Err() == nil {
		err = fmt.Errorf("no answer within %s: %w", s.opts.callTimeout, context.DeadlineExceeded)
	}
	e := transportError(s.connector, op, err)
	e.Err = &redactedError{err}
	if e.Hint == hintNoSuchHost && s.reached.Load() {
		e.Hint = hintHostWentAway
	}
	return e
}

// redactedError shows err with URL secrets hidden, and keeps it for
// errors.Is and errors.As.
type redactedError struct{ err error }

func (e *redactedError) Error() string { return Redact(e.err.Error()) }
func (e *redactedError) Unwrap() error { return e.err }

const userAgent = "Baton (+https://github.com/batonbot/baton)"

// The values of send's default headers.
var jsonHeaderValue, userAgentValue = []string{"application/json"}, []string{userAgent}

// Client is how a connector outside this package gets what the built-in
// ones have: failures mapped to *Error (so the delivery worker knows what
// to retry), secrets redacted, and dry-run recording for the Recorder.
// See examples/connector.
type Client struct{ s *sender }

// NewClient returns a Client for the named connector; hints end the text
// of permanent errors. It honours WithHTTPClient, WithClock and DryRun.
func NewClient(connector string, hints ClientHints, opts ...ConnectorOption) *Client {
	return &Client{s: &sender{connector: connector, opts: buildOptions(opts), hints: hints}}
}

// Do sends one request and returns the body of a 2xx response, or an
// *Error. op names the step ("open", "append", "close", "open.contact").
// In dry-run mode nothing is sent: the request is recorded and canned is
// returned as the response body.
func (c *Client) Do(ctx context.Context, op, method, url string, header http.Header, body []byte, canned string) ([]byte, error) {
	res, err := c.s.send(ctx, call{op: op, method: method, url: url, header: header.Clone(), body: body, canned: canned})
	if err != nil {
		return nil, err
	}
	return res.body, nil
}
