package host

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// signedZendesk is one signed Zendesk request, sent as it was captured
// (the same timestamp and signature) with the invocation id given.
func signedZendesk(conv, text string) func(t *testing.T, base, invocation string) int {
	body := fmt.Sprintf(`{"event":"comment","ticket_id":"4001","conversation_id":%q,"comment":%q,"author":"Marco","author_role":"agent"}`, conv, text)
	ts := time.Now().UTC().Format(time.RFC3339)
	sig := handoff.SignZendesk(bridgeZendeskSecret, ts, []byte(body))
	return func(t *testing.T, base, invocation string) int {
		h := http.Header{"X-Zendesk-Webhook-Signature-Timestamp": {ts}, "X-Zendesk-Webhook-Signature": {sig}}
		if invocation != "" {
			h.Set("X-Zendesk-Webhook-Invocation-Id", invocation)
		}
		return postBridge(t, base+"/bridge/zendesk", h, body)
	}
}

// A signed Zendesk request replayed with another invocation id (which
// the signature does not cover) was refused only by the process that
// had taken it: with several processes on one store, the replay reaching
// another one was delivered again, and the agent's reply reached the
// customer twice. The processes share the replay check through the
// store; a request whose accept failed is still taken once when it comes
// again, at either process, and not twice.
func TestBridgeReplayAcrossProcesses(t *testing.T) {
	bridgeReplayAcrossProcesses(t, "{kind: memory}")
}

func TestBridgeReplayAcrossProcessesOnValkey(t *testing.T) {
	bridgeReplayAcrossProcesses(t, fmt.Sprintf("{kind: valkey, url: %q, prefix: replay}", valkeytest.Start(t).URL))
}

func bridgeReplayAcrossProcesses(t *testing.T, store string) {
	p := startBridgePair(t, store)
	req := signedZendesk(p.conv, "Hi Anna, I'm Marco")
	if code := req(t, p.bases[0], "inv-1"); code != http.StatusNoContent {
		t.Fatalf("the request answered %d, want 204", code)
	}
	for i, inv := range []string{"inv-forged", "", "inv-1"} {
		if code := req(t, p.bases[1], inv); code != http.StatusOK {
			t.Errorf("replay %d (invocation %q) at the other process answered %d, want 200 (already received)", i+1, inv, code)
		}
	}

	// The store fails the next accept: 503; the same signed request
	// again, at the other process, is taken once.
	p.fail.Store(1)
	retried := signedZendesk(p.conv, "Your refund is on its way")
	if code := retried(t, p.bases[0], "inv-2"); code != http.StatusServiceUnavailable {
		t.Fatalf("a request whose accept failed answered %d, want 503", code)
	}
	if code := retried(t, p.bases[1], "inv-2"); code != http.StatusNoContent {
		t.Fatalf("its retry at the other process answered %d, want 204 (delivered)", code)
	}
	for i, base := range []string{p.bases[0], p.bases[1]} {
		if code := retried(t, base, "inv-forged"); code != http.StatusOK {
			t.Errorf("replay %d of the retried request answered %d, want 200", i+1, code)
		}
	}

	last := signedZendesk(p.conv, "Anything else?")
	if code := last(t, p.bases[1], "inv-3"); code >= 300 {
		t.Fatalf("a last request answered %d", code)
	}
	waitFor(t, "the last reply", func() bool { return p.withText("Anything else?") >= 1 })
	if n := p.withText("I'm Marco"); n != 1 {
		t.Errorf("the replayed reply reached the customer %d times, want 1", n)
	}
	if n := p.withText("refund is on its way"); n != 1 {
		t.Errorf("the retried reply reached the customer %d times, want 1", n)
	}
}
