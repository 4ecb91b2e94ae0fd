package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/batonbot/baton/internal/golden"
)

func TestTestPasses(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "testdata/tests/shop_pass.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	for _, want := range []string{
		"ok    testdata/tests/shop_pass.yaml: order shipped (4 steps, ",
		"ok    testdata/tests/shop_pass.yaml: timeouts (3 steps, ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.HasSuffix(stdout, "\n4 passed, 0 failed\n") {
		t.Errorf("the last line is not the count:\n%s", stdout)
	}
}

func TestTestFailureShowsStepAndDiff(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "testdata/tests/failing")
	wantCode(t, code, exitFailed, stdout, stderr)
	golden.Check(t, "testdata/tests/failing.out", stdout)
	for _, want := range []string{
		"FAIL  testdata/tests/failing/shop_fail.yaml: order number question",
		`step 2 of 3, user: "1" (testdata/tests/failing/shop_fail.yaml:11:9)`,
		`testdata/tests/failing/shop_fail.yaml:12:9: bot: expected reply "What is your order number?", not found`,
		`- expected: "What is your order number?"`,
		`+ got:      "What's your order number? (e.g. A12345)"`,
		`1. "What's your order number? (e.g. A12345)"`,
		"the 1 step after it did not run",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.HasSuffix(stdout, "\n0 passed, 1 failed\n") {
		t.Errorf("the last line is not the count:\n%s", stdout)
	}
}

func TestTestFileErrors(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "testdata/tests/bad")
	wantCode(t, code, exitFailed, stdout, stderr)
	for _, want := range []string{
		`testdata/tests/bad/bad.yaml:8:9: unknown key "bto" in a step; did you mean "bot"?`,
		`testdata/tests/bad/bad.yaml:9:15: wait: "10 minutes" is not a duration`,
		`testdata/tests/bad/bad.yaml:11:9: a step does one thing: it has both user and ticket`,
		`testdata/tests/bad/missing_flow.yaml:1:7: flow: testdata/flows/nope.yaml does not exist`,
		`testdata/tests/bad/syntax.yaml:4:5: invalid YAML: did not find expected node content (is a quote or bracket left open, or an indent off?)`,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.HasSuffix(stdout, "\n0 passed, 3 failed\n") {
		t.Errorf("each broken file should count as a failure:\n%s", stdout)
	}
}

func TestTestRunFilterAndVerbose(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "-v", "--run", "^order", "testdata/tests/shop_pass.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.HasSuffix(stdout, "\n1 passed, 0 failed\n") {
		t.Errorf("--run should select one conversation:\n%s", stdout)
	}
	if !strings.Contains(stdout, "bot: Hi Anna! How can I help?") {
		t.Errorf("-v should show the replies of passing steps:\n%s", stdout)
	}
}

func TestTestCoverage(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "--coverage", "--run", "order shipped", "testdata/tests/shop_pass.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	golden.Check(t, "testdata/tests/coverage.out", durationRE.ReplaceAllString(stdout, ", TIME)"))
	for _, want := range []string{
		`coverage of flow "shop" (testdata/flows/shop.yaml):`,
		"never visited:\n    not_found (",
		`welcome → faq (menu "2. FAQ")`,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("coverage lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, `welcome → ask_order (menu`) {
		t.Errorf("a taken transition is listed as never taken:\n%s", stdout)
	}
}

// durationRE matches the run time printed after a passing conversation.
var durationRE = regexp.MustCompile(`, [0-9.]+(ns|µs|ms|s)\)`)

func TestTestNoCannedResponse(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "testdata/tests/nocanned")
	wantCode(t, code, exitFailed, stdout, stderr)
	for _, want := range []string{
		"ok    testdata/tests/nocanned/nocanned.yaml: the file answers the request",
		"FAIL  testdata/tests/nocanned/nocanned.yaml: nobody answers the request",
		`step 1 of 1, user: "hi"`,
		"no canned response for GET https://api.example.com/ping: nothing leaves the machine in the sandbox; add a `sandbox:` response to the http action at testdata/flows/nocanned.yaml:7:5 (or an http: response to the test file)",
		"\n1 passed, 1 failed\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestTestFileWithAbsoluteFlowPath(t *testing.T) {
	flow, err := filepath.Abs("../../examples/flows/survey.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	test := filepath.Join(dir, "abs.yaml")
	src := "flow: " + flow + "\nlang: en\nconversations:\n  - name: starts\n    steps:\n      - user: hi\n        state: ask_name\n"
	if err := os.WriteFile(test, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "test", test)
	if code != exitOK || !strings.Contains(out, "1 passed, 0 failed") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestTestTemplatesRenderAlike(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "testdata/tests/templates.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
}

// An error the engine survives is a bug in the flow: it fails the step
// unless the step expects it.
func TestTestFailsOnFlowErrors(t *testing.T) {
	code, out, _ := runCLI(t, "", "test", "testdata/runtime/unexpected.yaml")
	for _, want := range []string{
		`the flow hit an error at testdata/runtime/flow.yaml:12:15 in state "ask"`,
		"int(age) >= 18",
		"0 passed, 1 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	if code, out, _ := runCLI(t, "", "test", "testdata/runtime/expected.yaml"); code != exitOK {
		t.Errorf("an expected error failed the test (exit %d):\n%s", code, out)
	}
}

// A conversation that starts over after its end keeps the variables the
// test gave it (vars:), as the sandbox's --var.
func TestTestRestartKeepsSetupVars(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "testdata/tests/restart")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.HasSuffix(stdout, "\n2 passed, 0 failed\n") {
		t.Errorf("restart tests:\n%s", stdout)
	}
}

// TestCoverageFirstMessageTriggers: a trigger that fires on a
// conversation's first message, and a trigger's or route's own handoff,
// count as taken.
func TestCoverageFirstMessageTriggers(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "--coverage", "testdata/tests/coverage")
	wantCode(t, code, exitOK, stdout, stderr)
	for _, taken := range []string{
		`any state → human (trigger "refund")`,
		`any state → human (trigger "asks_for_human")`,
		`any state → handoff to a person (trigger "refund")`,
		`welcome → handoff to a person (route`,
	} {
		if strings.Contains(stdout, taken) {
			t.Errorf("coverage reports %s as never taken:\n%s", taken, stdout)
		}
	}
	for _, missed := range []string{
		`any state → human (trigger "cancellation")`,
		`welcome → order (route "order, parcel")`,
		`any state → agent (trigger "agent")`,
	} {
		if !strings.Contains(stdout, missed) {
			t.Errorf("coverage does not report %s as never taken:\n%s", missed, stdout)
		}
	}
}

// TestTestDirectoryReadsOnlyTests: `baton test DIR` on a project (flows,
// included files, a deployment config whose ${NAME} makes it YAML only once
// replaced, and tests) runs the tests and skips the rest, as `baton test .`
// does in the project's root.
func TestTestDirectoryReadsOnlyTests(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "-v", "../../examples")
	wantCode(t, code, exitOK, stdout, stderr)
	for _, want := range []string{
		"skip  ../../examples/baton.yaml: not a conversation test (a deployment config?)\n",
		"skip  ../../examples/flows/support.yaml: a flow, not a conversation test\n",
		"skip  ../../examples/flows/common/escalation.yaml: a file included by flows, not a conversation test\n",
		"skip  ../../examples/tests/configs/helpdesk.yaml: not a conversation test (a deployment config?)\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(stdout, "FAIL") || strings.Contains(stdout, "unknown key") {
		t.Errorf("a flow or config was read as a test:\n%s", stdout)
	}

	t.Chdir("testdata/project")
	code, stdout, stderr = runCLI(t, "", "test", ".")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.HasPrefix(stdout, "ok    tests/bot.yaml: agent (1 step, ") || !strings.HasSuffix(stdout, "\n1 passed, 0 failed\n") || strings.Count(stdout, "\n") != 2 {
		t.Errorf("baton test . in a project's root:\n%s", stdout)
	}
}

// TestTestNamedFileThatIsNotATest: a flow or a config named on the command
// line fails with what it is, not with the test file's unknown keys; a
// broken test file (invalid YAML, a mistyped conversations:) is still read
// as one, in a directory too, so its mistakes are shown.
func TestTestNamedFileThatIsNotATest(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "testdata/project/bot.yaml", "testdata/project/baton.yaml", "testdata/project/common/escalation.yaml")
	wantCode(t, code, exitFailed, stdout, stderr)
	for _, want := range []string{
		"FAIL  testdata/project/bot.yaml: a flow, not a conversation test: 'baton test' runs conversation test files (flow: and conversations:, docs/testing.md); check it with 'baton validate testdata/project/bot.yaml'\n",
		"FAIL  testdata/project/baton.yaml: not a conversation test (a deployment config?)",
		"FAIL  testdata/project/common/escalation.yaml: a file included by flows, not a conversation test",
		"\n0 passed, 3 failed\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "unknown key") {
		t.Errorf("read as a test file:\n%s", stdout)
	}

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "typo.yaml"), "flow: ../bot.yaml\nconversation:\n  - steps: []\n")
	_, stdout, _ = runCLI(t, "", "test", dir)
	if !strings.Contains(stdout, `unknown key "conversation" in the test file; did you mean "conversations"?`) {
		t.Errorf("a test file with a mistyped key in a directory is not reported:\n%s", stdout)
	}
}

// TestCoverageParallelEdges: of the moves between the same two states (two
// menu options and a route), only the one a conversation took counts as
// taken.
func TestCoverageParallelEdges(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "--coverage", "testdata/tests/coverage_parallel")
	wantCode(t, code, exitOK, stdout, stderr)
	if strings.Contains(stdout, `welcome → done (menu "1. Alpha")`) {
		t.Errorf("coverage reports the option taken as never taken:\n%s", stdout)
	}
	for _, missed := range []string{
		`welcome → done (menu "2. Beta")`,
		`welcome → done (route "zulu")`,
	} {
		if !strings.Contains(stdout, missed) {
			t.Errorf("coverage does not report %s as never taken:\n%s", missed, stdout)
		}
	}
}

// TestCoverageHandoffOptions: of two options that hand off themselves,
// only the one a conversation took counts as taken.
func TestCoverageHandoffOptions(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "--coverage", "testdata/tests/coverage_handoffs")
	wantCode(t, code, exitOK, stdout, stderr)
	if strings.Contains(stdout, `(menu "1. Billing")`) || !strings.Contains(stdout, `welcome → handoff to a person (menu "2. Support")`) {
		t.Errorf("coverage of the options' handoffs:\n%s", stdout)
	}
}

// A --run pattern that matches no conversation is a usage error that
// says so, not "0 passed, 0 failed" and success: a CI job with a
// mistyped pattern would test nothing and pass.
func TestTestRunMatchingNothing(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "--run", "^no such conversation", "testdata/tests/shop_pass.yaml")
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, `--run "^no such conversation" matches no conversation`) || !strings.Contains(stderr, "nothing was tested") {
		t.Errorf("stderr does not say nothing was tested:\n%s", stderr)
	}
}
