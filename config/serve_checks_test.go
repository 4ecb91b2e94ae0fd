package config

import (
	"strings"
	"testing"

	"github.com/batonbot/baton/handoff"
)

// bridge.webhook.secret takes what the bridge's handler takes: base64
// with or without its padding after "whsec_".
func TestBridgeWebhookSecretUnpadded(t *testing.T) {
	const secret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ" // "secret-secret-secret", unpadded
	if _, err := handoff.NewWebhookHandler(secret, nil); err != nil && !strings.Contains(err.Error(), "Deliver") {
		t.Fatalf("the handler refuses %s: %v", secret, err)
	}
	c, diags := Parse("cfg.yaml", []byte("bridge:\n  webhook: {secret: "+secret+"}\n"), WithEnv(envOf(nil)))
	if diags.HasErrors() {
		t.Fatalf("Parse refused a secret the handler takes:\n%s", diags.Err())
	}
	if c.Bridge.Webhook.Secret != secret {
		t.Errorf("secret = %q", c.Bridge.Webhook.Secret)
	}
	for _, bad := range []string{"whsec_", "whsec_!!!!", "whsec_=="} {
		if _, diags := Parse("cfg.yaml", []byte("bridge:\n  webhook: {secret: \""+bad+"\"}\n"), WithEnv(envOf(nil))); !diags.HasErrors() {
			t.Errorf("Parse took %q", bad)
		}
	}
}

// connectors.webhook.secret is checked where the config names it: chat
// and serve both refuse a secret the connector cannot sign with.
func TestConnectorWebhookSecretShape(t *testing.T) {
	src := "connectors:\n  webhook: {url: \"https://h.example.com/x\", secret: \"notbase64!!\"}\n"
	_, diags := Parse("cfg.yaml", []byte(src), WithEnv(envOf(nil)))
	if err := diags.Err(); err == nil || !strings.Contains(err.Error(), "cfg.yaml:2:53: error: connectors.webhook.secret must be a Standard Webhooks secret") {
		t.Fatalf("err = %v", err)
	}
	// A placeholder (unset variable) is no error: the sandbox signs with one of its own.
	if _, diags := Parse("cfg.yaml", []byte("connectors:\n  webhook: {url: \"https://h.example.com/x\", secret: ${NOPE}}\n"), WithEnv(envOf(nil)), WithPlaceholders()); diags.HasErrors() {
		t.Fatalf("placeholder refused:\n%s", diags.Err())
	}
}
