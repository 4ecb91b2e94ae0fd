package config

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
)

// TestDeliveryKeys: the keys of exactly-once delivery, the bridge's
// replay protection and per-field masking decode into the config, and
// mistakes are reported at their line and column.
func TestDeliveryKeys(t *testing.T) {
	src := `connectors:
  default: zendesk
  zendesk:
    subdomain: acme
    oauth_token: zd-oauth
    requester_updates: true
    fields:
      "360009999999": order_id
      "360001111111": {var: email, mask: true}
  webhook:
    url: https://hooks.example.com/baton
    secret: whsec_c2VjcmV0
    media_url: https://baton.example.com/media
    media_link_ttl: 2h
  freshdesk:
    domain: acme.freshdesk.com
    api_key: k
    search_window: 5m
    unique_external_id: true
    fields:
      cf_order: {var: order_id}
delivery:
  append_window: 0
  appends_per_minute: 6
  call_timeout: 20s
  max_attachment: 5242880
  workers: 8
bridge:
  timestamp_window: 2m
  dedupe_ttl: 48h
  zendesk: {signing_secret: s}
`
	c, diags := Parse("cfg.yaml", []byte(src), WithEnv(envOf(nil)))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	h := c.Handoff
	z, f := h.Connectors.Zendesk, h.Connectors.Freshdesk
	if z.OAuthToken != "zd-oauth" || !z.RequesterUpdates || z.Fields["360001111111"] != "email" || z.Fields["360009999999"] != "order_id" ||
		len(z.MaskedFields) != 1 || z.MaskedFields[0] != "360001111111" {
		t.Errorf("zendesk = %+v", z)
	}
	if f.SearchWindow != 5*time.Minute || !f.UniqueExternalID || f.Fields["cf_order"] != "order_id" || len(f.MaskedFields) != 0 {
		t.Errorf("freshdesk = %+v", f)
	}
	d := h.Delivery
	if d.AppendWindow == nil || *d.AppendWindow != 0 || d.AppendsPerMinute == nil || *d.AppendsPerMinute != 6 || d.CallTimeout != 20*time.Second || d.Workers != 8 {
		t.Errorf("delivery = %+v", d)
	}
	if len(h.DeliverOptions()) != 3 {
		t.Errorf("DeliverOptions = %d options, want 3", len(h.DeliverOptions()))
	}
	if d.MaxAttachment != 5<<20 {
		t.Errorf("max_attachment = %d", d.MaxAttachment)
	}
	if l, err := h.MediaLinks(); err != nil || l == nil || h.Connectors.Webhook.MediaLinkTTL != 2*time.Hour {
		t.Errorf("media links = %v, %v", l, err)
	}
	if c.Bridge.TimestampWindow != 2*time.Minute || c.Bridge.DedupeTTL != 48*time.Hour {
		t.Errorf("bridge = %+v", c.Bridge)
	}

	bad := `connectors:
  zendesk:
    subdomain: acme
    email: e
    token: t
    requester_updates: yes
    fields:
      "1": {mask: true}
  freshdesk:
    domain: a
    api_key: k
    search_window: 3h
  default: zendesk
delivery:
  append_window: soon
  appends_per_minute: -1
  call_timeout: 5m
  workers: 0
  batch: 3
bridge:
  timestamp_window: 2h
`
	_, diags = Parse("cfg.yaml", []byte(bad), WithEnv(envOf(nil)))
	msg := diags.Err().Error()
	for _, want := range []string{
		`cfg.yaml:6:24: error: connectors.zendesk.requester_updates needs oauth_token`,
		`cfg.yaml:8:7: error: connectors.zendesk.fields.1 needs var:`,
		`cfg.yaml:12:20: error: connectors.freshdesk.search_window is at most 1h`,
		`cfg.yaml:15:18: error: delivery.append_window must be a positive duration`,
		`cfg.yaml:16:23: error: delivery.appends_per_minute must be a whole number from 0 to 600, not "-1"`,
		`cfg.yaml:17:17: error: delivery.call_timeout is at most 2m`,
		`cfg.yaml:18:12: error: delivery.workers must be a whole number from 1 to 64, not "0"`,
		`cfg.yaml:21:21: error: bridge.timestamp_window is at most 1h`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, msg)
		}
	}
	// An extra key, near no known one, is ignored with a warning.
	const extra = `cfg.yaml:19:3: warning: unknown key "batch" in delivery is ignored; known keys: append_window, appends_per_minute, call_timeout, max_attachment, workers`
	if !slices.ContainsFunc(diags, func(d *dsl.Diagnostic) bool { return d.String() == extra }) {
		t.Errorf("diagnostics lack %q:\n%s", extra, diags)
	}
}

// TestBridgeDedupeTTLCoversFreshdesk: Freshdesk retries a failed webhook
// up to 95 minutes after the first try and its requests are remembered
// for at most bridge.dedupe_ttl, so a shorter TTL with the Freshdesk
// bridge would deliver that retry (an agent's reply) to the customer
// twice; it is reported at the TTL. Without the Freshdesk bridge 1h stays
// valid.
func TestBridgeDedupeTTLCoversFreshdesk(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"freshdesk after the ttl", "bridge:\n  dedupe_ttl: 1h\n  freshdesk: {secret: s}\n",
			"cfg.yaml:2:15: error: bridge.dedupe_ttl is at least 2h with bridge.freshdesk"},
		{"freshdesk before the ttl", "bridge:\n  freshdesk: {secret: s}\n  dedupe_ttl: 90m\n",
			"cfg.yaml:3:15: error: bridge.dedupe_ttl is at least 2h with bridge.freshdesk"},
		{"freshdesk with 2h", "bridge:\n  freshdesk: {secret: s}\n  dedupe_ttl: 2h\n", ""},
		{"freshdesk with the default", "bridge:\n  freshdesk: {secret: s}\n", ""},
		{"zendesk with 1h", "bridge:\n  dedupe_ttl: 1h\n  zendesk: {signing_secret: s}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Parse("cfg.yaml", []byte(tc.src), WithEnv(envOf(nil)))
			if tc.want == "" {
				if diags.HasErrors() {
					t.Fatal(diags.Err())
				}
				return
			}
			if err := diags.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("diagnostics = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestBridgeDedupeTTLNotADuration: a dedupe_ttl that is not a duration
// is one error, not also "at least 1h".
func TestBridgeDedupeTTLNotADuration(t *testing.T) {
	_, diags := Parse("cfg.yaml", []byte("bridge:\n  dedupe_ttl: soon\n  freshdesk: {secret: s}\n"), WithEnv(envOf(nil)))
	err := diags.Err()
	if err == nil || !strings.Contains(err.Error(), `cfg.yaml:2:15: error: bridge.dedupe_ttl must be a positive duration such as 30m, 2h or 1d, not "soon"`) ||
		strings.Count(err.Error(), "dedupe_ttl") != 1 {
		t.Errorf("diagnostics:\n%v\nwant one error, that it is not a duration", err)
	}
}
