package config

import (
	"slices"
	"strings"
	"testing"
)

// TestWithConnectors: connectors a program provides are routed to by
// name like the built-in ones, and named wrongly they are refused.
func TestWithConnectors(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		custom      []string
		wantDefault string
		wantNames   []string
		wantErr     string
	}{
		{name: "the only connector is the default", src: "teams: {support: {}}\nrouting: {default_team: support}\n",
			custom: []string{"chatwoot"}, wantDefault: "chatwoot", wantNames: []string{"chatwoot"}},
		{name: "beside a built-in one, a team's", src: "connectors:\n  default: webhook\n  webhook: {url: https://a.example}\n" +
			"teams:\n  support: {}\n  billing: {connector: chatwoot}\nrouting: {default_team: support}\n",
			custom: []string{"chatwoot"}, wantDefault: "webhook", wantNames: []string{"webhook", "chatwoot"}},
		{name: "two need a default", src: "connectors: {webhook: {url: https://a.example}}\n", custom: []string{"chatwoot"},
			wantErr: "cfg.yaml:1:13: error: connectors: webhook and chatwoot are configured; say which one handoffs go to with default: webhook"},
		{name: "without WithConnectors it is unknown", src: "connectors: {default: chatwoot, webhook: {url: https://a.example}}\n",
			wantErr: `cfg.yaml:1:23: error: connectors.default: connector "chatwoot" is not configured; configured: webhook; or, when a program of your own provides it, load the config with config.WithConnectors("chatwoot") (baton validate --connector chatwoot)`},
		{name: "without WithConnectors and no other", src: "connectors: {default: chatwoot}\n",
			wantErr: `cfg.yaml:1:23: error: connectors.default: connector "chatwoot" is not configured; add it under connectors:, or, when a program of your own provides it, load the config with config.WithConnectors("chatwoot") (baton validate --connector chatwoot)`},
		{name: "a built-in name", src: "link: https://x.example/{id}\n", custom: []string{"zendesk"},
			wantErr: `cfg.yaml: error: the program names a connector of its own "zendesk", which is a key of connectors:; name it otherwise`},
		{name: "named twice", src: "connectors: {}\n", custom: []string{"chatwoot", "chatwoot"},
			wantErr: `cfg.yaml:1:13: error: the program names its connector "chatwoot" twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := Parse("cfg.yaml", []byte(tt.src), WithEnv(envOf(nil)), WithConnectors(tt.custom...))
			if tt.wantErr != "" {
				if err := diags.Err(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags.Err())
			}
			c := cfg.Handoff.Connectors
			if c.Default != tt.wantDefault || !slices.Equal(c.Names(), tt.wantNames) || !slices.Equal(c.Custom, tt.custom) {
				t.Errorf("default %q, names %v, custom %v; want %q, %v, %v", c.Default, c.Names(), c.Custom, tt.wantDefault, tt.wantNames, tt.custom)
			}
		})
	}
}
