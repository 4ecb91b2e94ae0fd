package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/batonbot/baton/internal/flowtest"
)

var diagLine = regexp.MustCompile(`^(testdata/flows/[a-z]+\.yaml):(\d+):(\d+): (error|warning): .+$`)

func TestValidateBrokenFlow(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "validate", "testdata/flows/broken.yaml")
	wantCode(t, code, exitFailed, stdout, stderr)
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	summary := lines[len(lines)-1]
	if !regexp.MustCompile(`^testdata/flows/broken\.yaml: [2-9]\d* errors, \d+ warnings?$`).MatchString(summary) {
		t.Errorf("last line is not the summary with at least 2 errors: %q", summary)
	}
	prev := 0
	errs := 0
	for _, l := range lines[:len(lines)-1] {
		if strings.HasPrefix(l, "    ") { // a diagnostic's detail
			continue
		}
		m := diagLine.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("not a path:line:col: severity: message line: %q", l)
			continue
		}
		line, _ := strconv.Atoi(m[2])
		if line < prev {
			t.Errorf("diagnostics not sorted by line: %q after line %d", l, prev)
		}
		prev = line
		if m[4] == "error" {
			errs++
		}
	}
	if !strings.Contains(summary, strconv.Itoa(errs)+" error") {
		t.Errorf("summary %q does not count the %d error lines", summary, errs)
	}
	for _, want := range []string{`"sya"`, `"ordres"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not report %s:\n%s", want, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("stdout should be empty for an invalid flow, got:\n%s", stdout)
	}
}

func TestValidateWarningsOnly(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "validate", "testdata/flows/warn.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stderr, "warning:") || !strings.Contains(stderr, "lonely") {
		t.Errorf("the unreachable state is not warned about:\n%s", stderr)
	}
	if !strings.Contains(stderr, "testdata/flows/warn.yaml: 0 errors, ") {
		t.Errorf("no summary line:\n%s", stderr)
	}
	if !strings.Contains(stdout, `testdata/flows/warn.yaml: valid: flow "warn"`) {
		t.Errorf("stdout does not say the flow is valid:\n%s", stdout)
	}
}

func TestValidateSeveralFiles(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "validate", "testdata/flows/shop.yaml", "testdata/flows/warn.yaml", "testdata/flows/broken.yaml")
	wantCode(t, code, exitFailed, stdout, stderr)
	if !strings.Contains(stdout, `testdata/flows/shop.yaml: valid: flow "shop" version 1, 10 states, languages en, it`) {
		t.Errorf("the valid flow is not reported on stdout:\n%s", stdout)
	}
	if i, j := strings.Index(stderr, "broken.yaml:"), strings.Index(stderr, "warn.yaml:"); i < 0 || j < i {
		t.Errorf("diagnostics are not sorted by file:\n%s", stderr)
	}
	// A file that does not exist is a usage error, before anything is checked.
	code, stdout, stderr = runCLI(t, "", "validate", "testdata/flows/shop.yaml", "testdata/flows/missing.yaml")
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, "testdata/flows/missing.yaml: no such file or directory") {
		t.Errorf("the missing file is not reported:\n%s", stderr)
	}
}

func TestValidateConfig(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "validate", "--config", "../../examples/baton.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	for _, want := range []string{"../../examples/baton.yaml: valid: 3 connectors, 4 teams, 6 routing rules, 3 channels (whatsapp 106540352242922, telegram shop, web web), store memory",
		"../../examples/flows/support.yaml: valid: flow"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !regexp.MustCompile(`\.\./\.\./examples/baton\.yaml:\d+:21: warning: channels\.whatsapp\[0\]\.verify_token: environment variable WHATSAPP_VERIFY_TOKEN is not set`).MatchString(stderr) {
		t.Errorf("unset secrets are not warned about:\n%s", stderr)
	}

	bad := writeConfig(t, "channels:\n  web:\n    - flow: missing.yaml\n  telegram:\n    - {name: shop, flow: ../broken.yaml, token: t, secret_token: s}\n")
	broken, _ := filepath.Abs("testdata/flows/broken.yaml")
	src, _ := os.ReadFile(bad)
	if err := os.WriteFile(bad, []byte(strings.Replace(string(src), "../broken.yaml", broken, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "", "validate", "--config", bad)
	wantCode(t, code, exitFailed, stdout, stderr)
	for _, want := range []string{
		bad + ":3:13: error: channels.web[0].flow: flow file " + filepath.Join(filepath.Dir(bad), "missing.yaml") + " does not exist",
		bad + ":5:26: error: the flow " + broken + " has errors (listed under its own path)",
		bad + ": 2 errors, 0 warnings",
		broken + ":",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	code, stdout, stderr = runCLI(t, "", "validate")
	wantCode(t, code, exitUsage, stdout, stderr)
}

// TestValidateDirectory: a directory's flows and included files are
// checked; its conversation tests and deployment configs are skipped.
func TestValidateDirectory(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "validate", "testdata/project")
	wantCode(t, code, exitOK, stdout, stderr)
	for _, want := range []string{
		`testdata/project/bot.yaml: valid: flow "bot", 2 states, languages en`,
		"testdata/project/common/escalation.yaml: valid: an included file",
		"skipped 2 YAML files that are not flows (conversation tests, deployment configs)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("stderr: %s", stderr)
	}
}

// TestValidateDirectorySkipsOne: one skipped file is counted in the
// singular.
func TestValidateDirectorySkipsOne(t *testing.T) {
	dir := flowtest.Copy(t, "testdata/project", "bot.yaml", "common/escalation.yaml", "tests/bot.yaml")
	code, stdout, stderr := runCLI(t, "", "validate", dir)
	wantCode(t, code, exitOK, stdout, stderr)
	if want := "skipped 1 YAML file that is not a flow (conversation tests, deployment configs)"; !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
}

// TestValidateDirectoryWithoutFlows: a directory that holds no flow (empty,
// or only conversation tests and configs) checked nothing: it is a usage
// error, as baton test says of a directory without tests, not a silent
// success a CI job would take for a green flow check.
func TestValidateDirectoryWithoutFlows(t *testing.T) {
	empty := t.TempDir()
	code, stdout, stderr := runCLI(t, "", "validate", empty)
	wantCode(t, code, exitUsage, stdout, stderr)
	if want := empty + ": no flow files in this directory"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}

	tests := flowtest.Copy(t, "testdata/project", "tests/bot.yaml", "baton.yaml")
	code, stdout, stderr = runCLI(t, "", "validate", tests)
	wantCode(t, code, exitUsage, stdout, stderr)
	if want := tests + ": no flow files in this directory (2 YAML files that are not flows: conversation tests, deployment configs)"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}

	// Beside a directory with flows, it is still a mistake on the command line.
	code, stdout, stderr = runCLI(t, "", "validate", "testdata/project", empty)
	wantCode(t, code, exitUsage, stdout, stderr)
}

// TestValidateIncludedFileAlone: an included file is checked on its own,
// taking the including flow's names on trust, but not its own mistakes.
func TestValidateIncludedFileAlone(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "validate", "testdata/project/common/escalation.yaml")
	wantCode(t, code, exitOK, stdout, stderr)

	dir := t.TempDir()
	bad := filepath.Join(dir, "part.yaml")
	if err := os.WriteFile(bad, []byte("states:\n  human:\n    handoff: {team: support}\n    retrun: welcome\n    next: \"{{ x }}\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "", "validate", bad)
	wantCode(t, code, exitFailed, stdout, stderr)
	if !strings.Contains(stderr, bad+`:4:5: error: unknown key "retrun" in state "human"; did you mean "return"?`) &&
		!strings.Contains(stderr, bad+`:4:5: error: unknown key "retrun" in state "human"`) {
		t.Errorf("the included file's mistake is not reported:\n%s", stderr)
	}

	code, stdout, stderr = runCLI(t, "", "validate", "testdata/project/tests/bot.yaml")
	wantCode(t, code, exitFailed, stdout, stderr)
	if !strings.Contains(stderr, "a conversation test file, not a flow: run it with baton test testdata/project/tests/bot.yaml") {
		t.Errorf("a test file named alone is not explained:\n%s", stderr)
	}
}

// TestSchemaCommand: baton schema prints each JSON Schema; a wrong name
// is a usage error with a suggestion.
func TestSchemaCommand(t *testing.T) {
	for _, name := range []string{"flow", "config"} {
		code, stdout, stderr := runCLI(t, "", "schema", name)
		wantCode(t, code, exitOK, stdout, stderr)
		var s map[string]any
		if err := json.Unmarshal([]byte(stdout), &s); err != nil || s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("schema %s: %v, %.200s", name, err, stdout)
		}
	}
	code, stdout, stderr := runCLI(t, "", "schema", "flows")
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, `did you mean "flow"?`) {
		t.Errorf("stderr: %s", stderr)
	}
}

// TestValidateConfigAsAFlow: a deployment config given as a flow is
// refused with the command that checks it.
func TestValidateConfigAsAFlow(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "validate", "../../examples/baton.yaml")
	wantCode(t, code, exitFailed, stdout, stderr)
	if want := "baton validate --config ../../examples/baton.yaml"; !strings.Contains(stdout+stderr, want) {
		t.Errorf("the error does not say %q:\nstdout:\n%s\nstderr:\n%s", want, stdout, stderr)
	}
}

// TestValidateEachFileOnce: a file named twice (twice alike, as ./path, or
// in a directory named too) is checked and reported once.
func TestValidateEachFileOnce(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "validate", "testdata/flows/broken.yaml", "testdata/flows/broken.yaml",
		"./testdata/flows/broken.yaml", "testdata/project", "testdata/project/bot.yaml")
	wantCode(t, code, exitFailed, stdout, stderr)
	if n := strings.Count(stderr, "testdata/flows/broken.yaml: "); n != 1 {
		t.Errorf("the summary of broken.yaml is there %d times, want once:\n%s", n, stderr)
	}
	if n := strings.Count(stdout, "testdata/project/bot.yaml: valid"); n != 1 {
		t.Errorf("bot.yaml is valid %d times, want once:\n%s", n, stdout)
	}
}

// TestValidateConfigWithErrorsChecksItsFlows: a config with errors in some
// section still has its channels' flows checked in the same run (a flow
// file that does not exist, a flow with errors), so every problem shows at
// once, not the flows' only after the config is fixed.
func TestValidateConfigWithErrorsChecksItsFlows(t *testing.T) {
	broken, _ := filepath.Abs("testdata/flows/broken.yaml")
	bad := writeConfig(t, "routing:\n  default_team: nobody\nchannels:\n  web:\n    - flow: missing.yaml\n  telegram:\n    - {name: shop, flow: "+broken+", token: t, secret_token: s}\n")
	code, stdout, stderr := runCLI(t, "", "validate", "--config", bad)
	wantCode(t, code, exitFailed, stdout, stderr)
	for _, want := range []string{
		bad + ":2:17: error: ",
		bad + ":5:13: error: channels.web[0].flow: flow file " + filepath.Join(filepath.Dir(bad), "missing.yaml") + " does not exist",
		bad + ":7:26: error: the flow " + broken + " has errors (listed under its own path)",
		broken + ":7:5: error: unknown key \"sya\"",
		broken + ": 2 errors, 0 warnings",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
