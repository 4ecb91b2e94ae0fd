// The race detector drops pooled values at random, so allocations are
// measured only without it (go test ./handoff).

//go:build !race

package handoff

import "testing"

// A webhook signature allocates only its string: the keyed HMAC and the
// bytes it hashes are pooled.
func TestWebhookSignedAllocs(t *testing.T) {
	w, err := NewWebhook("https://example.com/hook", testWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"test": 2432232314}`)
	if n := testing.AllocsPerRun(100, func() { w.signed("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body) }); n > 1 {
		t.Errorf("a signature allocates %v times, want 1 (its string)", n)
	}
}
