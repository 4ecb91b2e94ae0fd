package handoff

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestRecorderMatchesWire runs each connector for real against a fake and
// in dry-run mode, and checks the Recorder kept the very requests the fake
// received, secrets aside.
func TestRecorderMatchesWire(t *testing.T) {
	type build func(base string, dry ConnectorOption) (flows.Connector, error)
	conns := []struct {
		name    string
		build   build
		answer  func(n int, r gotRequest) (int, http.Header, string)
		secrets []string
	}{
		{"zendesk", func(base string, dry ConnectorOption) (flows.Connector, error) {
			return NewZendesk("", ZendeskAPIToken("bot@acme.test", "tok123"), WithBaseURL(base), WithClock(connTestClock), dry)
		}, func(n int, r gotRequest) (int, http.Header, string) {
			switch {
			case strings.HasSuffix(r.Path, "create_or_update"):
				return 200, nil, `{"user":{"id":1001}}`
			case r.Method == "POST":
				return 201, nil, `{"ticket":{"id":2002}}`
			}
			return 200, nil, `{"ticket":{"id":2002,"requester_id":1001,"assignee_id":1002,"status":"open"}}`
		}, []string{"Authorization"}},
		{"freshdesk", func(base string, dry ConnectorOption) (flows.Connector, error) {
			return NewFreshdesk("", "fd-key", WithBaseURL(base), WithClock(connTestClock), dry)
		}, func(n int, r gotRequest) (int, http.Header, string) {
			switch {
			case r.Method == "GET" && r.Path == "/api/v2/tickets":
				return 200, nil, `[]`
			case r.Method == "GET":
				return 200, nil, `{"id":3003,"requester_id":5005,"status":2}`
			}
			return 201, nil, `{"id":3003,"requester_id":5005}`
		}, []string{"Authorization"}},
		{"webhook", func(base string, dry ConnectorOption) (flows.Connector, error) {
			return NewWebhook(base+"/hook", testWebhookSecret, WithClock(connTestClock), dry)
		}, func(n int, r gotRequest) (int, http.Header, string) { return 200, nil, `{}` }, nil},
	}
	for _, c := range conns {
		t.Run(c.name, func(t *testing.T) {
			fake := newFakeHelpdesk(t, c.answer)
			real, err := c.build(fake.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := NewRecorder(func(dry ConnectorOption) (flows.Connector, error) { return c.build(fake.URL, dry) })
			if err != nil {
				t.Fatal(err)
			}
			h := connTestHandoff()
			m := flows.Message{At: connTestTime, From: flows.RoleUser, Text: "still there?"}
			for _, conn := range []flows.Connector{real, rec} {
				ref, err := conn.Open(context.Background(), h)
				if err != nil {
					t.Fatal(err)
				}
				if err := conn.Append(context.Background(), ref, m); err != nil {
					t.Fatal(err)
				}
				if err := conn.Close(context.Background(), ref); err != nil {
					t.Fatal(err)
				}
			}
			sent, recorded := fake.requests(), rec.Requests()
			if len(sent) != len(recorded) {
				t.Fatalf("fake received %d requests, recorder kept %d", len(sent), len(recorded))
			}
			for i, r := range recorded {
				s := sent[i]
				if r.Connector != c.name || r.Method != s.Method || r.Path() != s.Path+queryOf(s.Query) || r.Body != string(s.Body) {
					t.Errorf("request %d (%s):\nrecorded %s %s %s\n    sent %s %s %s", i, r.Op, r.Method, r.Path(), r.Body, s.Method, s.Path, s.Body)
				}
				for k := range r.Header {
					want := s.Header.Get(k)
					if containsString(c.secrets, k) {
						if !strings.Contains(r.Header.Get(k), "[redacted]") || strings.Contains(r.Header.Get(k), want[len(want)-4:]) {
							t.Errorf("%s not redacted: %q", k, r.Header.Get(k))
						}
						continue
					}
					if r.Header.Get(k) != want {
						t.Errorf("header %s: recorded %q, sent %q", k, r.Header.Get(k), want)
					}
				}
			}
			rec.Reset()
			if len(rec.Requests()) != 0 {
				t.Error("Reset kept requests")
			}
		})
	}
}

func queryOf(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}

func TestRecorderDefaultsToWebhook(t *testing.T) {
	rec, err := NewRecorder(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Open(context.Background(), connTestHandoff()); err != nil {
		t.Fatal(err)
	}
	reqs := rec.Requests()
	if len(reqs) != 1 || reqs[0].URL != "https://helpdesk.invalid/baton" || !strings.Contains(reqs[0].Body, `"type":"handoff.open"`) {
		t.Errorf("requests = %+v", reqs)
	}
	if s := reqs[0].String(); !strings.HasPrefix(s, "POST https://helpdesk.invalid/baton\n") || !strings.Contains(s, "Webhook-Id: h-42.handoff.open\n") {
		t.Errorf("String() =\n%s", s)
	}
}

func TestRedact(t *testing.T) {
	h := http.Header{"Authorization": {"Basic abc", "Bearer xyz", "token"}, "Api_access_token": {"t"}, "X-Other": {"keep"}}
	got := redact(h)
	want := http.Header{"Authorization": {"Basic [redacted]", "Bearer [redacted]", "[redacted]"}, "Api_access_token": {"[redacted]"}, "X-Other": {"keep"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("redact = %v", got)
	}
	if h.Get("Authorization") != "Basic abc" {
		t.Error("redact modified its input")
	}
}

// TestRequestPathOfRedactedURL: the path of a request to a URL whose
// userinfo was redacted ("https://[redacted]@host/...", not a URL Go
// parses) is still its path and query, not the whole URL.
func TestRequestPathOfRedactedURL(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"https://acme.zendesk.com/api/v2/tickets", "/api/v2/tickets"},
		{"https://[redacted]@crm.acme.example/hooks/baton?token=[redacted]&x=[redacted]", "/hooks/baton?token=[redacted]&x=[redacted]"},
		{"https://[redacted]@crm.acme.example?token=[redacted]", "/?token=[redacted]"},
		{"https://[redacted]@crm.acme.example", "/"},
	} {
		if got := (Request{URL: tt.url}).Path(); got != tt.want {
			t.Errorf("Path of %s = %q, want %q", tt.url, got, tt.want)
		}
	}
}
