package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kill -HUP reloads the flows, and only them: baton.yaml is read at the
// start. An operator who edited baton.yaml (a team, a connector) and sent
// SIGHUP got no line at all in the log (an unchanged flow was said at
// debug level only), and took the silence for a reload. The log now
// acknowledges the signal, says each flow it left as it was, and warns
// that the config's edits wait for a restart.
func TestServerReloadSaysTheConfigWaitsForARestart(t *testing.T) {
	dir := t.TempDir()
	flow, _ := filepath.Abs("../examples/flows/survey.yaml")
	src := "server: {listen: \"127.0.0.1:0\", shutdown_timeout: 5s}\nchannels: {web: [{flow: " + flow + "}]}\n"
	cfg := loadConfig(t, dir, src)
	logs := &syncBuffer{}
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(logs, 0, false), NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.store.Close() })

	if err := srv.Reload(); err != nil {
		t.Fatal(err)
	}
	got := logs.String()
	if !strings.Contains(got, "flow unchanged; nothing reloaded") {
		t.Errorf("SIGHUP with the flows as they were: the log does not say so:\n%s", got)
	}
	if strings.Contains(got, "config changed") {
		t.Errorf("SIGHUP with baton.yaml as it was: the log warns of a change:\n%s", got)
	}

	if err := os.WriteFile(cfg.Source, []byte(src+"# a new team below\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := logs.String(); !strings.Contains(got, "the config changed since the server started") || !strings.Contains(got, "restart") {
		t.Errorf("SIGHUP after baton.yaml was edited: the log does not say its changes wait for a restart:\n%s", got)
	}
}
