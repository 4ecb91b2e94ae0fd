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

// What serve refuses but chat does not use is no error of Parse (chat
// --config takes the config) but one of ServeErrors, at line:col.
func TestServeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"short freshdesk secret", "bridge:\n  freshdesk: {secret: short}\n",
			"cfg.yaml:2:23: error: bridge.freshdesk.secret must be at least 16 characters"},
		{"padded short freshdesk secret", "bridge:\n  freshdesk: {secret: \"   fifteen chars.   \"}\n",
			"cfg.yaml:2:23: error: bridge.freshdesk.secret must be at least 16 characters"},
		{"stream without valkey", "events:\n  stream: baton:events\n",
			"cfg.yaml:2:11: error: events.stream needs the valkey store"},
		{"stream on bolt", "store: {kind: bolt, path: b.db}\nevents:\n  stream: baton:events\n",
			"cfg.yaml:3:11: error: events.stream needs the valkey store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, diags := Parse("cfg.yaml", []byte(tc.src), WithEnv(envOf(nil)))
			if diags.HasErrors() {
				t.Fatalf("Parse refused what chat takes:\n%s", diags.Err())
			}
			if err := c.ServeErrors.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ServeErrors = %v, want %q", err, tc.want)
			}
		})
	}
	for _, ok := range []string{
		"bridge:\n  freshdesk: {secret: 0123456789abcdef}\n",
		"bridge:\n  freshdesk: {secret: ${FD}}\n",
		"store: {kind: valkey, url: \"redis://h:6379\"}\nevents:\n  stream: baton:events\n",
		"events:\n  file: events.jsonl\n",
	} {
		c, diags := Parse("cfg.yaml", []byte(ok), WithEnv(envOf(nil)), WithPlaceholders())
		if diags.HasErrors() || len(c.ServeErrors) > 0 {
			t.Errorf("%q: %v %v", ok, diags.Err(), c.ServeErrors.Err())
		}
	}
}
