package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateConfigWhatServeRefuses: a CI job running baton validate
// --config before deploying learns, at line:col, what baton serve would
// refuse the config over, even in sections chat --config does not use.
func TestValidateConfigWhatServeRefuses(t *testing.T) {
	bad := writeConfig(t, "bridge:\n  freshdesk: {secret: short}\nevents:\n  stream: baton:events\n")
	code, stdout, stderr := runCLI(t, "", "validate", "--config", bad)
	wantCode(t, code, exitFailed, stdout, stderr)
	for _, want := range []string{
		bad + ":2:23: error: bridge.freshdesk.secret must be at least 16 characters",
		bad + ":4:11: error: events.stream needs the valkey store",
		bad + ": 2 errors, 0 warnings",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stdout, "valid") {
		t.Errorf("stdout says valid:\n%s", stdout)
	}

	// An unset variable is a warning, as for every secret.
	unset := writeConfig(t, "bridge:\n  freshdesk: {secret: ${BATON_FRESHDESK_WEBHOOK_SECRET}}\n")
	code, stdout, stderr = runCLI(t, "", "validate", "--config", unset)
	wantCode(t, code, exitOK, stdout, stderr)
}

// TestServeRefusesAtLineCol: serve refuses those problems in the same
// words, at the same line:col, before it opens anything.
func TestServeRefusesAtLineCol(t *testing.T) {
	bad := writeConfig(t, "store: {kind: bolt, path: baton.db}\nevents:\n  stream: baton:events\n")
	code, stdout, stderr := runCLI(t, "", "serve", "--config", bad)
	wantCode(t, code, exitFailed, stdout, stderr)
	if want := bad + ":3:11: error: events.stream needs the valkey store"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}

// TestValidateConfigServeErrorsBesideOthers: what only serve refuses is
// said in the same run as the config's other errors, not once they are
// fixed: every problem at once, as for flows.
func TestValidateConfigServeErrorsBesideOthers(t *testing.T) {
	bad := writeConfig(t, "server: {workers: -1}\nbridge:\n  freshdesk: {secret: short}\n")
	for _, cmd := range [][]string{{"validate", "--config", bad}, {"serve", "--config", bad}} {
		code, stdout, stderr := runCLI(t, "", cmd...)
		wantCode(t, code, exitFailed, stdout, stderr)
		for _, want := range []string{
			bad + ":1:19: error: server.workers must be a whole number",
			bad + ":3:23: error: bridge.freshdesk.secret must be at least 16 characters",
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", cmd[0], want, stderr)
			}
		}
		if want := bad + ": 2 errors, 0 warnings"; cmd[0] == "validate" && !strings.Contains(stderr, want) {
			t.Errorf("validate: stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestValidateConfigCustomConnector: a config that routes handoffs to a
// connector a program of its own provides (README, "Extending Baton")
// is checked in CI with --connector naming it; without it, the error
// says so.
func TestValidateConfigCustomConnector(t *testing.T) {
	cfg := writeConfig(t, "connectors: {default: acme}\nteams:\n  billing: {connector: acme}\nrouting: {default_team: billing}\n")
	code, stdout, stderr := runCLI(t, "", "validate", "--config", cfg)
	wantCode(t, code, exitFailed, stdout, stderr)
	if want := cfg + `:1:23: error: connectors.default: connector "acme" is not configured; add it under connectors:, or, when a program of your own provides it, load the config with config.WithConnectors("acme") (baton validate --connector acme)`; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "validate", "--config", cfg, "--connector", "acme")
	wantCode(t, code, exitOK, stdout, stderr)
	if want := cfg + ": valid: 1 connector"; !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
	code, stdout, stderr = runCLI(t, "", "validate", "--config", cfg, "--connector", "zendesk")
	wantCode(t, code, exitFailed, stdout, stderr)
	if want := `the program names a connector of its own "zendesk", which is a key of connectors:`; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "validate", "--connector", "acme", "flow.yaml")
	wantCode(t, code, exitUsage, stdout, stderr)
	if want := "--connector names a connector of the deployment config: give --config"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}

// TestValidateConfigUnsetBesideErrors: the secrets whose variable is not
// set are warned about in the same run as the config's errors, as
// docs/channels.md says validate does, not once the errors are fixed.
func TestValidateConfigUnsetBesideErrors(t *testing.T) {
	bad := writeConfig(t, "server: {workers: -1}\nbridge:\n  zendesk: {signing_secret: ${BATON_ZENDESK_WEBHOOK_SECRET}}\n")
	code, stdout, stderr := runCLI(t, "", "validate", "--config", bad)
	wantCode(t, code, exitFailed, stdout, stderr)
	for _, want := range []string{
		bad + ":1:19: error: server.workers must be a whole number",
		bad + ":3:29: warning: bridge.zendesk.signing_secret: environment variable BATON_ZENDESK_WEBHOOK_SECRET is not set",
		bad + ": 1 error, 1 warning",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestValidateConfigFlowTeams: a flow that hands off to a team the
// config neither defines under teams: nor maps to a connector's group is
// warned about at the flow's team:, with the team meant: serve would send
// those handoffs to the default connector with no group, and say so only
// in its log, at the first such handoff. A team the config defines and a
// team computed by an expression are not.
func TestValidateConfigFlowTeams(t *testing.T) {
	dir := t.TempDir()
	flow := filepath.Join(dir, "bot.yaml")
	src := `flow: bot
languages: [en]
start: main
vars: {which: billing}
states:
  main:
    say: "Hi"
    menu:
      options:
        - {id: a, label: A, goto: orders}
        - {id: b, label: B, goto: money}
        - {id: c, label: C, goto: quality}
        - {id: d, label: D, goto: computed}
  orders:
    handoff: {team: order}
  money:
    handoff: {team: billing}
  quality:
    handoff: {team: qa}
  computed:
    handoff: {team: "{{ which }}"}
`
	if err := os.WriteFile(flow, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "baton.yaml")
	conf := `connectors:
  webhook: {url: "https://helpdesk.example/hook", secret: "whsec_dGVzdC10ZXN0LXRlc3QtdGVzdC10ZXN0LXRlc3Q="}
teams:
  orders: {}
  billing: {}
routing: {default_team: orders}
channels:
  web:
    - flow: bot.yaml
`
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "validate", "--config", cfg)
	wantCode(t, code, exitOK, stdout, stderr)
	want := flow + `:15:21: warning: the handoff's team "order" is not defined under teams: in ` + cfg +
		` and no connector maps it to a group: serve sends its handoffs to connector webhook with no group; did you mean "orders"?`
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks\n%s\nin:\n%s", want, stderr)
	}
	if !strings.Contains(stderr, `team "qa" is not defined`) {
		t.Errorf("stderr lacks the warning for qa:\n%s", stderr)
	}
	if n := strings.Count(stderr, "is not defined under teams:"); n != 2 {
		t.Errorf("%d team warnings, want 2 (billing is defined, the computed one unknown until the turn):\n%s", n, stderr)
	}
}
