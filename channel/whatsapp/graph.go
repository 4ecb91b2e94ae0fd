package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/batonbot/baton/flows"
)

// Graph error codes Baton acts on (WhatsApp Cloud API error codes).
const (
	codeReEngagement  = 131047 // more than 24 hours since the customer last wrote
	codeAppCalls      = 4      // the app's API call rate limit (Graph's throttling, answered 400)
	codeThroughput    = 130429 // the phone number's messages-per-second limit
	codePairRate      = 131056 // too many messages to the same customer
	codeRateLimit     = 80007  // the WhatsApp Business Account's rate limit
	codeTemporary     = 2      // API service temporarily unavailable
	codeUnknown       = 131000 // something went wrong
	codeUnavailable   = 131016 // service unavailable
	codeAccessToken   = 190    // the access token expired, was revoked or is not one
	maxResponseBytes  = 1 << 20
	pairRateRetryWait = 6 * time.Second // Meta's pair rate: about one message every 6 seconds
	maxRetryAfter     = 24 * time.Hour  // the longest Retry-After honoured; a longer one is cut to it
)

// messagesURL is POST {graph_url}/{version}/{phone_number_id}/messages.
func (s *Sender) messagesURL() string { return s.url }

// jsonContentType is the Content-Type header of a request with a JSON
// body. Like Sender.auth it is shared by every request, read only (as a
// RoundTripper must leave a request's headers): setting the header with
// Header.Set allocated its slice on every send.
var jsonContentType = []string{"application/json"}

// deliver posts one message, retrying throttled attempts (which Graph did
// not carry out) with backoff within the configured bounds. With keep it
// returns the wamid Graph answered with ("" when the answer names none).
func (s *Sender) deliver(ctx context.Context, msg *outMessage, keep bool) (string, error) {
	url := s.messagesURL()
	body, err := s.post(ctx, url, msg, keep)
	if err == nil || s.o.tries == 0 {
		return sentID(body), err
	}
	// Throttled: retry (the backoff is built only now, the common path
	// costs nothing), starting from this first answer.
	first := err
	eb := backoff.NewExponentialBackOff()
	eb.InitialInterval = min(time.Second, s.o.maxWait/4)
	eb.MaxInterval = s.o.maxWait
	waits := &throttleWaits{exp: eb, left: s.o.maxWait}
	op := func() (struct{}, error) {
		err := first
		if first != nil {
			first = nil
		} else {
			body, err = s.post(ctx, url, msg, keep)
		}
		var ce *flows.ChannelError
		if err == nil || !errors.As(err, &ce) || !isThrottle(ce) {
			return struct{}{}, backoff.Permanent(err)
		}
		waits.retryAfter = ce.RetryAfter
		return struct{}{}, ce
	}
	_, err = backoff.Retry(ctx, op, backoff.WithBackOff(waits), backoff.WithMaxTries(uint(s.o.tries)+1), backoff.WithMaxElapsedTime(0))
	var ce *flows.ChannelError
	switch {
	case err == nil:
		return sentID(body), nil
	case errors.As(err, &ce):
		return "", ce
	}
	return "", &flows.ChannelError{Channel: flows.ChannelWhatsApp, Temporary: true, Err: err}
}

// sentID reads messages[0].id, the wamid, from Graph's answer to a send.
func sentID(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var a struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if json.Unmarshal(body, &a) != nil || len(a.Messages) == 0 {
		return ""
	}
	return a.Messages[0].ID
}

// throttleWaits are the waits between throttled attempts: the provider's
// Retry-After when it gave one, else exponential backoff, all of them
// together at most the configured wait. The attempts' own time does not
// count, so how many attempts a send gets does not depend on how fast
// Graph answers; a Retry-After beyond what is left ends the retries.
type throttleWaits struct {
	exp        *backoff.ExponentialBackOff
	retryAfter time.Duration // the provider's wait after the last attempt
	left       time.Duration
}

func (w *throttleWaits) Reset() { w.exp.Reset() }

func (w *throttleWaits) NextBackOff() time.Duration {
	d := w.retryAfter
	if d <= 0 {
		d = min(w.exp.NextBackOff(), w.left)
	}
	if d > w.left || w.left <= 0 {
		return backoff.Stop
	}
	w.left -= d
	return d
}

// post sends body as JSON with the Bearer token and returns the answer's
// body (when keep is set), or a *flows.ChannelError.
func (s *Sender) post(ctx context.Context, url string, body any, keep bool) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, &flows.ChannelError{Channel: flows.ChannelWhatsApp, Message: "encoding the request: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, &flows.ChannelError{Channel: flows.ChannelWhatsApp, Message: "bad graph_url: " + err.Error()}
	}
	req.Header["Content-Type"] = jsonContentType
	return s.do(req, keep)
}

// do runs an authenticated Graph request. A successful answer's body is
// returned when keep is set, else read to its end (so the connection is
// reused) and dropped.
func (s *Sender) do(req *http.Request, keep bool) ([]byte, error) {
	req.Header["Authorization"] = s.auth
	resp, err := s.o.client.Do(req)
	if err != nil { // the request may or may not have reached Graph
		return nil, &flows.ChannelError{Channel: flows.ChannelWhatsApp, Temporary: true, Message: "calling the Graph API", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 && !keep {
		if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes)); err != nil {
			return nil, &flows.ChannelError{Channel: flows.ChannelWhatsApp, Status: resp.StatusCode, Temporary: true, Message: "reading the Graph API's answer: " + err.Error()}
		}
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, &flows.ChannelError{Channel: flows.ChannelWhatsApp, Status: resp.StatusCode, Temporary: true, Message: "reading the Graph API's answer: " + err.Error()}
	}
	if resp.StatusCode/100 == 2 {
		return body, nil
	}
	return nil, graphError(resp.StatusCode, resp.Header, body, s.o.now())
}

// graphError classifies a Graph API error answer.
func graphError(status int, h http.Header, body []byte, now time.Time) *flows.ChannelError {
	var e struct {
		Error struct {
			graphErr
			Type string `json:"type"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e) // a proxy's HTML page leaves it empty
	ce := &flows.ChannelError{Channel: flows.ChannelWhatsApp, Status: status, Code: e.Error.Code, Message: e.Error.Message}
	if d := e.Error.ErrorData.Details; d != "" && d != ce.Message {
		ce.Message += " (" + d + ")"
	}
	if ce.Message == "" {
		ce.Message = http.StatusText(status)
	}
	ce.RetryAfter = retryAfter(h.Get("Retry-After"), now)
	switch {
	case isThrottle(ce):
		ce.Temporary = true
		if h.Get("Retry-After") == "" && ce.Code == codePairRate {
			ce.RetryAfter = pairRateRetryWait
		}
	case ce.Code == codeReEngagement:
		ce.Err = flows.ErrOutsideWindow
	case ce.Code == codeAccessToken:
		// Every send fails until the operator acts: say how.
		ce.Message += "; renew the access token in channels.whatsapp[].access_token"
	case status >= 500, ce.Code == codeTemporary, ce.Code == codeUnknown, ce.Code == codeUnavailable, status == http.StatusRequestTimeout:
		ce.Temporary = true
	}
	return ce
}

func isThrottle(ce *flows.ChannelError) bool {
	switch ce.Code {
	case codeAppCalls, codeThroughput, codePairRate, codeRateLimit:
		return true
	}
	return ce.Status == http.StatusTooManyRequests
}

// retryAfter reads a Retry-After header: seconds or an HTTP date, at most
// maxRetryAfter (a number too large for an int64 included); garbage, zero,
// negative values and past dates give zero.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}
