package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// HTTPCaller carries out flows' HTTP actions for real: the engine's
// flows.HTTPRequest effects become requests, their answers
// flows.HTTPResult inputs. The flow's sandbox: answers are never used.
//
// ${NAME} references in a request's URL, headers and body are filled from
// the environment here, when the request is sent, so secrets never enter
// the session or the transcript. Only names written in the flows' HTTP
// actions themselves are filled (Allow), and only where the flow writes
// them: the engine escapes a ${ in a hole's value as $${
// (flows.EscapeEnvRefs), sent as ${, so a customer who types ${SECRET}
// into an answer the flow sends on gets the text back, not the secret. A
// request with a secret filled in follows redirects on its own host only
// (see sameHost).
type HTTPCaller struct {
	client  *http.Client
	lookup  func(string) (string, bool)
	maxBody int64
	maxTime time.Duration

	mu      sync.RWMutex
	allowed map[string]bool
}

// HTTPOption configures an HTTPCaller.
type HTTPOption func(*HTTPCaller)

// HTTPClient sets the client requests go through (default: one with no
// overall timeout of its own; each request has its action's).
func HTTPClient(c *http.Client) HTTPOption { return func(h *HTTPCaller) { h.client = c } }

// HTTPEnv sets how ${NAME} is looked up (default os.LookupEnv).
func HTTPEnv(lookup func(string) (string, bool)) HTTPOption {
	return func(h *HTTPCaller) { h.lookup = lookup }
}

// HTTPMaxResponse caps the bytes read from an answer (default 1 MiB): a
// larger answer is a failed call.
func HTTPMaxResponse(n int64) HTTPOption { return func(h *HTTPCaller) { h.maxBody = n } }

// MaxHTTPTimeout is the longest an HTTP action's own timeout is
// honoured (longer is cut to it): the call holds a turn worker and its
// conversation meanwhile.
const MaxHTTPTimeout = 2 * time.Minute

// HTTPMaxTimeout bounds an action's own timeout (default MaxHTTPTimeout).
func HTTPMaxTimeout(d time.Duration) HTTPOption { return func(h *HTTPCaller) { h.maxTime = d } }

// NewHTTPCaller returns a caller; Allow it the flows it serves.
func NewHTTPCaller(opts ...HTTPOption) *HTTPCaller {
	h := &HTTPCaller{client: &http.Client{}, lookup: os.LookupEnv, maxBody: 1 << 20, maxTime: MaxHTTPTimeout, allowed: map[string]bool{}}
	for _, o := range opts {
		o(h)
	}
	return h
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// envRefOrEscape matches a ${NAME} reference, or $${, which the engine
// writes for a ${ in a hole's value (flows.EscapeEnvRefs): a literal ${.
var envRefOrEscape = regexp.MustCompile(`\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Allow lets the ${NAME} references written in f's HTTP actions be
// filled, and returns their names.
func (h *HTTPCaller) Allow(f *flows.Flow) []string {
	var names []string
	add := func(t *flows.Template) {
		if t == nil {
			return
		}
		for _, p := range t.Parts {
			for _, m := range envRef.FindAllStringSubmatch(p.Lit, -1) {
				names = append(names, m[1])
			}
		}
	}
	f.Actions(func(_ string, as []flows.Action) {
		for _, a := range as {
			if a, ok := a.(*flows.HTTP); ok && a != nil {
				add(a.URL)
				add(a.Body)
				for _, v := range a.Headers {
					add(v)
				}
			}
		}
	})
	h.mu.Lock()
	for _, n := range names {
		h.allowed[n] = true
	}
	h.mu.Unlock()
	return names
}

// expand fills the allowed ${NAME} references of s; an allowed one that is
// not set is an error (nothing is sent). It sets *secret when it filled
// one.
func (h *HTTPCaller) expand(s string, secret *bool) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var missing []string
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := envRefOrEscape.ReplaceAllStringFunc(s, func(ref string) string {
		if ref == "$${" {
			return "${" // a ${ the customer (or an answer) wrote
		}
		name := ref[2 : len(ref)-1]
		if !h.allowed[name] {
			return ref
		}
		v, ok := h.lookup(name)
		if !ok || v == "" {
			missing = append(missing, name)
			return ref
		}
		*secret = true
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variable %s is not set; export it before starting baton", strings.Join(missing, ", "))
	}
	return out, nil
}

// Call makes the request and returns its result, never nil: a failure
// (timeout, refused connection, an answer over the size cap, an unset
// secret) is a result with Err set, which the flow sees as a failed call.
func (h *HTTPCaller) Call(ctx context.Context, r flows.HTTPRequest) *flows.HTTPResult {
	res := &flows.HTTPResult{ID: r.ID}
	fail := func(err error) *flows.HTTPResult {
		res.Err = err.Error()
		return res
	}
	timeout := r.Timeout
	if timeout <= 0 || timeout > h.maxTime {
		timeout = h.maxTime
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	secret := false
	url, err := h.expand(r.URL, &secret)
	if err != nil {
		return fail(err)
	}
	body, err := h.expand(r.Body, &secret)
	if err != nil {
		return fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, url, strings.NewReader(body))
	if err != nil {
		return fail(fmt.Errorf("building the request: %w", redactURL(err, r.URL, url)))
	}
	for k, v := range r.Headers {
		if v, err = h.expand(v, &secret); err != nil {
			return fail(err)
		}
		req.Header.Set(k, v)
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := h.client
	if secret {
		client = sameHost(client)
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fail(fmt.Errorf("timeout after %s", timeout))
		}
		return fail(redactURL(err, r.URL, url))
	}
	defer resp.Body.Close()
	res.Status = resp.StatusCode
	b, err := io.ReadAll(io.LimitReader(resp.Body, h.maxBody+1))
	switch {
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return fail(fmt.Errorf("timeout after %s while reading the answer", timeout))
	case err != nil:
		return fail(fmt.Errorf("reading the answer: %w", err))
	case int64(len(b)) > h.maxBody:
		return fail(fmt.Errorf("the answer is over %d bytes; the flow cannot use it", h.maxBody))
	}
	res.Body = b
	return res
}

// sameHost is c following no redirect to another host (or from https to
// http): the request carries a secret from the environment, and net/http
// would send its headers (but Authorization and cookies) and a 307's body
// to wherever the server redirects. The caller gets the redirect's answer.
func sameHost(c *http.Client) *http.Client {
	sc := *c
	check := c.CheckRedirect
	sc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if req.URL.Host != first.Host || (first.Scheme == "https" && req.URL.Scheme != "https") {
			return http.ErrUseLastResponse
		}
		if check != nil {
			return check(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &sc
}

// redactURL keeps secrets filled into a URL, its query and its userinfo,
// out of an error message.
func redactURL(err error, written, sent string) error {
	// The query (and fragment) is left out: a flow puts what the
	// customer wrote there, or a key, and the error reaches the log; so
	// is a user and password written in the URL.
	shown := flows.URLForError(written)
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: shown, Err: ue.Err}
	}
	if written == sent {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), sent, shown))
}
