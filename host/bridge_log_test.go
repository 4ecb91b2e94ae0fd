package host

import (
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// A helpdesk's callback the bridge refuses (a wrong signing secret, the
// commonest mistake when setting up a trigger) is a line in the log, as
// the channels' refusals are: docs/serve.md promises one per refusal, and
// the operator had only a counter to go by.
func TestServeLogsBridgeRefusals(t *testing.T) {
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, t.TempDir(), `channels:
  web:
    - flow: `+flow+`
bridge:
  zendesk: {signing_secret: zd-signing}
`)
	var logs lockedLog
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(&logs, slog.LevelInfo, false), NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, srv)
	resp, err := http.Post(base+"/bridge/zendesk", "application/json", strings.NewReader(`{"ticket":{"id":"1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", resp.StatusCode)
	}
	out := logs.String()
	for _, want := range []string{`"msg":"bridge: webhook refused"`, `"endpoint":"bridge/zendesk"`, `"status":401`, `"reason":"signature"`, `X-Zendesk-Webhook-Signature`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
}

type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
