package host

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonbot/baton/config"
)

// A config or flow error is reported before the store is opened: a run
// that exits over it leaves no database file behind (a bolt store's
// baton.db was created, then serve exited 1 over a bad webhook secret).
func TestServeChecksBeforeOpeningTheStore(t *testing.T) {
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	web := "channels:\n  web:\n    - flow: " + flow + "\n"
	for _, tc := range []struct {
		name, src, want string
	}{
		{"a good config opens it", web, ""},
		{"a flow that does not load", "channels:\n  web:\n    - flow: broken.yaml\n", "does not load"},
		// The config refuses this secret itself (config.Load); a program
		// building its config may still set it.
		{"a connector's bad secret", web + "connectors:\n  webhook: {url: \"https://helpdesk.example/baton\", secret: \"whsec_c2VjcmV0\"}\n", "base64"},
		{"a short freshdesk secret", web + "bridge:\n  freshdesk: {secret: short}\n", "16 characters"},
		{"a stream without valkey", web + "events: {stream: baton-events}\n", "events.stream needs the valkey store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("flow: x\nstates: [\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "baton.yaml")
			if err := os.WriteFile(path, []byte("store: {kind: bolt, path: baton.db}\n"+tc.src), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, diags := config.Load(path)
			if diags.HasErrors() {
				t.Fatal(diags.Err())
			}
			if w := cfg.Handoff.Connectors.Webhook; w != nil {
				w.Secret = "whsec_!!notbase64"
			}
			srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), NoWatch: true})
			_, statErr := os.Stat(filepath.Join(dir, "baton.db"))
			if tc.want == "" {
				if err != nil || statErr != nil {
					t.Fatalf("NewServer: %v; the store file: %v", err, statErr)
				}
				_ = srv.store.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewServer: %v; want an error saying %q", err, tc.want)
			}
			if statErr == nil {
				t.Errorf("NewServer failed over the config (%v), and created the store's file", err)
			}
		})
	}
}
