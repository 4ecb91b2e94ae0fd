package analytics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/batonbot/baton/flows"
)

// WebhookSink posts events in batches to an HTTP endpoint: a POST with
// the JSON body {"events": [...]} (Content-Type application/json). A 2xx
// answer accepts the batch; 429 and 5xx (and network errors) are retried
// with backoff, honouring Retry-After (seconds or an HTTP date, at most
// 24 hours); another status drops the batch.
// With a signer the request carries Standard Webhooks headers
// (webhook-id, webhook-timestamp, webhook-signature), the id the same on
// every retry of a batch.
type WebhookSink struct {
	url    string
	client *http.Client
	sign   func(id string, ts time.Time, body []byte) (string, error)
	header http.Header
	now    func() time.Time
	b      *batcher
}

var _ flows.EventSink = (*WebhookSink)(nil)

// WebhookOption configures a WebhookSink.
type WebhookOption func(*WebhookSink)

// WebhookClient sets the HTTP client (default: a 10-second timeout).
func WebhookClient(c *http.Client) WebhookOption { return func(s *WebhookSink) { s.client = c } }

// WebhookSigner signs each request (handoff.SignWebhook with the secret).
func WebhookSigner(sign func(id string, ts time.Time, body []byte) (string, error)) WebhookOption {
	return func(s *WebhookSink) { s.sign = sign }
}

// WebhookHeader adds a header to every request (an Authorization token).
func WebhookHeader(name, value string) WebhookOption {
	return func(s *WebhookSink) { s.header.Add(name, value) }
}

// WebhookBatch sets the buffering and retries (see BatchOption).
func WebhookBatch(opts ...BatchOption) WebhookOption {
	return func(s *WebhookSink) { s.b = newBatcher(s.post, opts) }
}

// NewWebhookSink returns a sink posting to url.
func NewWebhookSink(url string, opts ...WebhookOption) *WebhookSink {
	s := &WebhookSink{url: url, client: &http.Client{Timeout: 10 * time.Second}, header: http.Header{}, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if s.b == nil {
		s.b = newBatcher(s.post, nil)
	}
	return s
}

// Write buffers events; it never waits for the endpoint.
func (s *WebhookSink) Write(_ context.Context, events ...flows.Event) error { return s.b.write(events) }

// Close sends what is buffered (within the flush timeout).
func (s *WebhookSink) Close() error { return s.b.close() }

// Stats counts the events sent and dropped.
func (s *WebhookSink) Stats() Stats { return s.b.stats() }

func (s *WebhookSink) post(ctx context.Context, batch []flows.Event) error {
	// {"events": [...]}, each event as every sink writes it.
	body := append(make([]byte, 0, 512*len(batch)+16), `{"events":[`...)
	for i := range batch {
		b, err := marshalEvent(&batch[i])
		if err != nil {
			return backoff.Permanent(err)
		}
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, b...)
	}
	body = append(body, "]}"...)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return backoff.Permanent(shownURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range s.header {
		req.Header[k] = v
	}
	if s.sign != nil {
		id := "evt_" + batch[0].ID + "_" + strconv.Itoa(len(batch))
		ts := s.now()
		sig, err := s.sign(id, ts, body)
		if err != nil {
			return backoff.Permanent(fmt.Errorf("signing the events batch: %w", err))
		}
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
		req.Header.Set("webhook-signature", sig)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return shownURL(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		err := fmt.Errorf("events webhook %s: %s: %s", flows.URLForError(s.url), resp.Status, bytes.TrimSpace(msg))
		if wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), s.now()); ok {
			return &retryAfter{err: err, wait: &backoff.RetryAfterError{Duration: wait}}
		}
		return err
	default:
		return backoff.Permanent(fmt.Errorf("events webhook %s refused a batch: %s: %s", flows.URLForError(s.url), resp.Status, bytes.TrimSpace(msg)))
	}
}

// maxRetryAfter is the longest Retry-After honoured; a longer one is cut
// to it (past the retries' bound, the batch is dropped at once).
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads a Retry-After: seconds (a number past an int64
// is very many) or an HTTP date (a past one is no wait), at most
// maxRetryAfter; false when absent, negative or unreadable.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

// retryAfter is a throttled answer: backoff waits what the server asked
// (through the wrapped RetryAfterError), and the message says why.
type retryAfter struct {
	err  error
	wait *backoff.RetryAfterError
}

func (e *retryAfter) Error() string { return e.err.Error() }
func (e *retryAfter) Unwrap() error { return e.wait }

// shownURL is err with its URL cut at the path and without userinfo
// (flows.URLForError): a key in the webhook's query stays out of the log.
func shownURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: flows.URLForError(ue.URL), Err: ue.Err}
	}
	return err
}
