package handoff

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"30", 30 * time.Second},
		{" 7 ", 7 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"999999999", 24 * time.Hour},
		{"1000000", 24 * time.Hour},
		{"1000000000000", 24 * time.Hour},
		{"9223372037", 24 * time.Hour},
		{"99999999999999999999999", 24 * time.Hour}, // past an int64: a long wait, not none
		{"-99999999999999999999999", 0},
		{"Fri, 31 Dec 9999 23:59:59 GMT", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"soon", 0},
		{"1.5", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestResponseError(t *testing.T) {
	now := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	h := ClientHints{Auth: "check BATON_X_TOKEN", NotFound: "check the subdomain", Invalid: "check the fields"}
	tests := []struct {
		status     int
		retryAfter string
		body       string
		retryable  bool
		wait       time.Duration
		contains   []string
	}{
		{429, "12", `{"error":"TooManyRequests"}`, true, 12 * time.Second, []string{"429 Too Many Requests", "TooManyRequests", "will retry after 12s"}},
		{503, "", `<html>down</html>`, true, 0, []string{"503 Service Unavailable", "will retry"}},
		{500, "", `{"error":"boom"}`, true, 0, []string{"500", "boom"}},
		{401, "", `{"error":"Couldn't authenticate you"}`, false, 0, []string{"zendesk open: 401 Unauthorized: Couldn't authenticate you: check BATON_X_TOKEN"}},
		{403, "", `{"code":"access_denied","message":"You are not authorized"}`, false, 0, []string{"403 Forbidden", "You are not authorized", "check BATON_X_TOKEN"}},
		{404, "", `{"error":"RecordNotFound","description":"Not found"}`, false, 0, []string{"RecordNotFound; Not found", "check the subdomain"}},
		{422, "", `{"error":"RecordInvalid","description":"Record validation errors","details":{"requester":[{"description":"Requester: Email is invalid"}]}}`, false, 0, []string{"422", "requester: Requester: Email is invalid", "check the fields"}},
		{400, "", `{"description":"Validation failed","errors":[{"field":"cf_order","message":"Unexpected/invalid field in request","code":"invalid_field"}]}`, false, 0, []string{"Validation failed; cf_order: Unexpected/invalid field in request", "check the fields"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			hd := http.Header{}
			if tt.retryAfter != "" {
				hd.Set("Retry-After", tt.retryAfter)
			}
			e := responseError("zendesk", "open", tt.status, hd, []byte(tt.body), now, h)
			if e.Retryable != tt.retryable || e.RetryAfter != tt.wait {
				t.Errorf("retryable=%v after %v, want %v after %v", e.Retryable, e.RetryAfter, tt.retryable, tt.wait)
			}
			for _, c := range tt.contains {
				if !strings.Contains(e.Error(), c) {
					t.Errorf("error %q does not contain %q", e.Error(), c)
				}
			}
			ok, wait := Retryable(fmt.Errorf("wrapped: %w", e))
			if ok != tt.retryable || wait != tt.wait {
				t.Errorf("Retryable(wrapped) = %v, %v", ok, wait)
			}
		})
	}
}

func TestTransportError(t *testing.T) {
	if e := transportError("zendesk", "open", context.DeadlineExceeded); !e.Retryable {
		t.Errorf("timeout not retryable: %v", e)
	}
	if e := transportError("zendesk", "open", &net.OpError{Op: "dial", Err: errors.New("connection refused")}); !e.Retryable {
		t.Errorf("refused connection not retryable: %v", e)
	}
	if e := transportError("zendesk", "open", context.Canceled); !e.Retryable {
		t.Errorf("a cancellation (shutdown) must not kill the item: %v", e)
	}
	e := transportError("zendesk", "open", &net.DNSError{Err: "no such host", Name: "nope.zendesk.com", IsNotFound: true})
	if !e.Retryable || !strings.Contains(e.Error(), "check the subdomain") {
		t.Errorf("unknown host: %v (retryable %v)", e, e.Retryable)
	}
	if ok, _ := Retryable(errors.New("something odd")); !ok {
		t.Error("unknown errors should be retryable")
	}
	if ok, _ := Retryable(nil); ok {
		t.Error("nil is not retryable")
	}
}

func TestHelpdeskMessageNeverPanics(t *testing.T) {
	for _, body := range []string{"", "null", "[]", `{"error":5}`, `{"errors":[1,"x",{"field":3}]}`, `{"details":{"a":"b","c":[1]}}`, strings.Repeat("é", 500)} {
		_ = helpdeskMessage([]byte(body))
	}
	if got := helpdeskMessage([]byte(strings.Repeat("é", 500))); len(got) > 304 {
		t.Errorf("message not clipped: %d bytes", len(got))
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A helpdesk host name that does not resolve is retried within the item's
// max age, not dead-lettered: a brief DNS outage left every handoff it
// touched dead until someone ran `baton handoff retry`. Before the host
// ever answered, the error says to check the subdomain (a misconfigured
// name); after, that the name stopped resolving.
func TestNoSuchHostIsRetried(t *testing.T) {
	var resolves atomic.Bool
	client := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		if !resolves.Load() {
			return nil, &net.DNSError{Err: "no such host", Name: r.URL.Hostname(), IsNotFound: true}
		}
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
	})}
	c := NewClient("zendesk", ClientHints{}, WithHTTPClient(client))
	call := func() error {
		_, err := c.Do(context.Background(), "open", "POST", "https://acme.zendesk.com/api/v2/tickets.json", nil, []byte(`{}`), "")
		return err
	}
	check := func(when string, err error, says string) {
		t.Helper()
		if ok, _ := Retryable(err); !ok || classify(err).permanent {
			t.Errorf("%s: %v is permanent; a host that does not resolve must be retried within the max age", when, err)
		}
		if err == nil || !strings.Contains(err.Error(), says) || !strings.Contains(err.Error(), "will retry") {
			t.Errorf("%s: error %v does not say %q and that it will retry", when, err, says)
		}
	}
	check("before the host ever answered", call(), "check the subdomain or base URL")
	resolves.Store(true)
	if err := call(); err != nil {
		t.Fatal(err)
	}
	resolves.Store(false)
	check("after the host answered", call(), "does not resolve now: a DNS failure")
}
