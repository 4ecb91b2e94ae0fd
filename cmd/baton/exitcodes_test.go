package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestMissingPathIsAUsageError: a file or directory named on the command
// line that does not exist exits 2 in every command, with one line naming
// it (and the flag that gave it) and the usage line.
func TestMissingPathIsAUsageError(t *testing.T) {
	dir := t.TempDir()
	nope := filepath.Join(dir, "nope.yaml")
	flow := "../../examples/flows/support.yaml"
	for _, args := range [][]string{
		{"validate", nope},
		{"validate", "--config", nope, flow},
		{"chat", nope},
		{"chat", "--config", nope, flow},
		{"test", nope},
		{"graph", nope},
		{"load", "--conversations", "1", nope},
		{"nlu", "eval", "--train", nope},
		{"nlu", "eval", "--test", nope},
		{"nlu", "eval", nope, "--test", nope},
		{"handoff", "list", "--store", nope},
		{"handoff", "retry", "--store", nope, "--all-dead"},
		{"report", nope},
		{"store", "migrate", nope, filepath.Join(dir, "new.db")},
		{"serve", nope},
		{"serve", "--config", nope},
		{"replay", "--flow", nope, flow},
		{"replay", "--flow", flow, "--baseline", nope, flow},
		{"replay", "--flow", flow, nope},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", args...)
			wantCode(t, code, exitUsage, stdout, stderr)
			if !strings.Contains(stderr, nope+": no such file or directory") {
				t.Errorf("stderr does not name the missing file:\n%s", stderr)
			}
			if !strings.HasPrefix(stderr, "baton "+args[0]) {
				t.Errorf("stderr does not start with the command:\n%s", stderr)
			}
		})
	}
}

// TestMistypedFlag: an unknown flag is one line with the closest flag, the
// usage line and where the options are, never the whole help; a bad value
// says what the flag takes.
func TestMistypedFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"chat", "--recrod", "x.yaml", "../../examples/flows/support.yaml"}, "baton chat: unknown flag --recrod; did you mean --record?\nUsage: baton chat [options] FLOW\nRun 'baton chat --help' for the options.\n"},
		{[]string{"test", "--coverge", "../../examples/tests"}, "baton test: unknown flag --coverge; did you mean --coverage?\nUsage: baton test [options] PATH...\nRun 'baton test --help' for the options.\n"},
		{[]string{"chat", "--drain", "soon", "x.yaml"}, "baton chat: --drain \"soon\": not a duration; write it like 30s, 10m or 2h\n"},
		{[]string{"test", "--coverage=maybe", "x"}, "baton test: --coverage \"maybe\": write true or false\n"},
		{[]string{"graph", "x.yaml", "--format"}, "baton graph: --format needs a value\n"},
		{[]string{"nlu", "eval", "--tran", "x.jsonl"}, "baton nlu eval: unknown flag --tran; did you mean --train?\n"},
		{[]string{"version", "--bogus"}, "baton version: unknown flag --bogus\nUsage: baton version\n"},
		{[]string{"version", "extra"}, "baton version: takes no arguments, got \"extra\"\nUsage: baton version\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", tc.args...)
			wantCode(t, code, exitUsage, stdout, stderr)
			if !strings.HasPrefix(stderr, tc.want) {
				t.Errorf("stderr:\n%s\nwant it to start with:\n%s", stderr, tc.want)
			}
			if strings.Contains(stderr, "Options:") || strings.Count(stderr, "\n") > 3 {
				t.Errorf("the whole help was printed:\n%s", stderr)
			}
		})
	}
}

// TestServeMalformedListen: --listen that is not host:port is a usage
// error (exit 2) saying what it takes, as server.listen's is a config
// error; not "the server cannot start" (exit 3), which is for an address
// that is taken or a store that cannot be opened.
func TestServeMalformedListen(t *testing.T) {
	for _, addr := range []string{"8080", "nonsense", "localhost"} {
		t.Run(addr, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", "serve", "--listen", addr, "../../examples/flows/survey.yaml")
			wantCode(t, code, exitUsage, stdout, stderr)
			if want := `--listen must be host:port such as 127.0.0.1:8080 or :8080, not "` + addr + `"`; !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %s:\n%s", want, stderr)
			}
		})
	}
}
