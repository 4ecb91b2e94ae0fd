package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/batonbot/baton/sandbox"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
)

var testCmd = &command{
	name:    "test",
	usage:   "test [options] PATH...",
	summary: "run conversation test files",
}

func init() {
	testCmd.run = runTest
	register(testCmd)
}

const testAbout = `
Runs conversation test files (docs/testing.md): each PATH is a test file or a
directory whose *.yaml files (recursively, sorted) are test files. Every
conversation runs against its flow in the sandbox, with a fixed clock and
canned HTTP responses; nothing leaves the machine.

Prints ok or FAIL per conversation, each failure with the file, the
conversation, the step and its input, and what was expected against what
happened; the last line is "N passed, N failed".

With --watch, the tests run again each time one of their files is saved:
a test file (or a YAML file under a directory given), a flow they test or
a file it includes, a deployment config they name. A flow's errors show
inline, as its tests' failures; a new test file in a directory given
runs at once. Ctrl-C stops.

Exit status: 0 when every conversation passes, 1 when any fails (a test
file or its flow with errors too), 2 for usage errors (a file or directory
that does not exist too), 3 when the --events file cannot be written. With
--watch, the status of the last run.`

type testRunner struct {
	e        *env
	verbose  bool
	filter   *regexp.Regexp
	coverage bool
	flows    map[string]*testFlow
	configs  map[string]*testConfig
	order    []string // flow paths in the order first used
	passed   int
	failed   int
	events   eventsFlags
	evs      *eventsOut
	nconv    int // conversations run, scoping their events
}

// testFlow is a flow under test, loaded once for all the files using it.
type testFlow struct {
	path  string
	flow  *flows.Flow
	diags string // the diagnostics when it did not load
	cov   *coverage
}

func runTest(ctx context.Context, e *env, args []string) int {
	r := &testRunner{e: e, flows: map[string]*testFlow{}, configs: map[string]*testConfig{}}
	var run string
	var watch bool
	fset := newFlagSet(testCmd, testAbout, e.stderr)
	fset.BoolVar(&watch, "watch", false, "run the tests again each time a test file, a flow (or a file it includes) or a config is saved")
	fset.BoolVar(&r.verbose, "v", false, "also show the steps of passing conversations")
	fset.BoolVar(&r.coverage, "coverage", false, "list the states and transitions of each flow that no conversation exercised")
	fset.StringVar(&run, "run", "", "run only the conversations whose name matches this `regexp`")
	r.events.register(fset)
	paths, code, done := parseFlags(e, fset, args)
	if done {
		return code
	}
	if len(paths) == 0 {
		return usageError(e, testCmd, "no test file or directory given")
	}
	if run != "" {
		re, err := regexp.Compile(run)
		if err != nil {
			return usageError(e, testCmd, "--run: %v", err)
		}
		r.filter = re
	}
	files, skipped, err := testFiles(paths)
	if err != nil {
		return usageError(e, testCmd, "%v", err)
	}
	if r.verbose {
		for _, p := range skipped {
			fmt.Fprintf(e.stdout, "skip  %s: %s\n", p, kindName(dsl.SniffFile(p)))
		}
	}
	if r.evs, err = r.events.open(e.stderr); err != nil {
		fmt.Fprintf(e.stderr, "baton test: %v\n", err)
		return exitRuntime
	}
	defer r.evs.close()
	if watch {
		return r.watch(ctx, paths, files, skipped)
	}
	return r.runAll(ctx, files)
}

// runAll runs the test files and prints the summary; it returns the exit
// code.
func (r *testRunner) runAll(ctx context.Context, files []string) int {
	for _, f := range files {
		if ctx.Err() != nil {
			fmt.Fprintln(r.e.stdout, "interrupted")
			break
		}
		r.runFile(ctx, f)
	}
	if r.coverage {
		r.printCoverage()
	}
	fmt.Fprintf(r.e.stdout, "%d passed, %d failed\n", r.passed, r.failed)
	if r.failed > 0 || ctx.Err() != nil {
		return exitFailed
	}
	return exitOK
}

// testFiles expands the command line to the files to run: a file is run as
// a test file, whatever it is (runFile says when it is a flow or a config);
// a directory gives the conversation test files under it, sorted, found by
// their shape (dsl.Sniff) the way 'baton validate DIR' finds flows, so flows,
// included files and deployment configs next to the tests are skipped.
func testFiles(paths []string) (files, skipped []string, err error) {
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, errors.New(pathProblem("", p))
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		dsl.WalkYAML(p, func(path string, kind dsl.Kind) {
			if kind == dsl.KindTest {
				found = append(found, path)
			} else {
				skipped = append(skipped, path)
			}
		})
		if len(found) == 0 {
			return nil, nil, fmt.Errorf("%s: no conversation test files in this directory (a test file has conversations:; see docs/testing.md)", p)
		}
		files = append(files, found...)
	}
	return files, skipped, nil
}

func (r *testRunner) failFile(path string, errs []string) {
	r.failed++
	fmt.Fprintf(r.e.stdout, "FAIL  %s: the test file has %s\n", path, plural(len(errs), "error"))
	for _, e := range errs {
		fmt.Fprintf(r.e.stdout, "  %s\n", strings.ReplaceAll(e, "\n", "\n  "))
	}
}

func (r *testRunner) loadFlow(path string) *testFlow {
	key := filepath.Clean(path)
	if tf, ok := r.flows[key]; ok {
		return tf
	}
	var diags bytes.Buffer
	f := loadFlow(&diags, path, false)
	tf := &testFlow{path: path, flow: f, diags: diags.String()}
	if f != nil {
		tf.cov = newCoverage(f)
	}
	r.flows[key] = tf
	r.order = append(r.order, key)
	return tf
}

func (r *testRunner) runFile(ctx context.Context, path string) {
	if k := dsl.SniffFile(path); k != dsl.KindTest && (k != dsl.KindFlow || dsl.ReadsAsYAML(path)) {
		// A file named on the command line that is plainly something else
		// (a broken test file is parsed, to show its errors).
		r.failed++
		fmt.Fprintf(r.e.stdout, "FAIL  %s: %s: 'baton test' runs conversation test files (flow: and conversations:, docs/testing.md)%s\n", path, kindName(k), validateHint(k, path))
		return
	}
	file, errs := parseTestFile(path)
	if len(errs) > 0 {
		r.failFile(path, errs)
		return
	}
	if _, err := os.Stat(file.flowPath); err != nil {
		r.failFile(path, []string{fmt.Sprintf("%s: flow: %s does not exist; the path is relative to the test file", file.flowPos, file.flowPath)})
		return
	}
	tf := r.loadFlow(file.flowPath)
	if tf.flow == nil {
		r.failFile(path, []string{fmt.Sprintf("%s: flow: %s does not load:\n%s", file.flowPos, file.flowPath, strings.TrimRight(tf.diags, "\n"))})
		return
	}
	// Setups are checked against the flow: languages and variables.
	var setupErrs []string
	for _, c := range file.convs {
		if c.setup.lang != "" && !slices.Contains(tf.flow.Languages, c.setup.lang) {
			setupErrs = append(setupErrs, fmt.Sprintf("%s: lang: %q is not one of the flow's languages (%s)", c.setup.langPos, c.setup.lang, strings.Join(tf.flow.Languages, ", ")))
		}
		for _, name := range sortedKeys(c.setup.vars) {
			if _, ok := tf.flow.Vars[name]; !ok {
				setupErrs = append(setupErrs, fmt.Sprintf("%s: vars: %v", c.setup.varPos[name], sandbox.UnknownVarError(tf.flow, name)))
			}
		}
		if c.setup.config != "" {
			if tc := r.loadConfig(c.setup.config); tc.err != nil {
				setupErrs = append(setupErrs, fmt.Sprintf("%s: config: %s", c.setup.configPos, tc.err))
			}
		}
	}
	if len(setupErrs) > 0 {
		r.failFile(path, dedupe(setupErrs))
		return
	}
	for _, c := range file.convs {
		if r.filter != nil && !r.filter.MatchString(c.name) {
			continue
		}
		r.runConv(ctx, file, tf, c)
	}
}

func dedupe(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (r *testRunner) runConv(ctx context.Context, file *testFile, tf *testFlow, c *testConv) {
	start := time.Now()
	cfg := sandbox.Config{
		Flow:       tf.flow,
		Lang:       c.setup.lang,
		Channel:    c.setup.channel,
		Vars:       c.setup.vars,
		Now:        c.setup.now,
		Fixed:      true,
		Canned:     c.setup.http,
		IDPrefix:   "test",
		CannedHint: "(or an http: response to the test file)",
		Contact:    flows.Contact{ID: "test-user"},
	}
	if c.setup.config != "" {
		cfg.Deployment = r.loadConfig(c.setup.config).dep
	}
	if c.setup.user != nil {
		cfg.Contact = *c.setup.user
		if cfg.Contact.ID == "" {
			cfg.Contact.ID = orDefault(cfg.Contact.Phone, "test-user")
		}
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now().Truncate(time.Second)
	}
	if r.evs != nil {
		// Every test conversation is test-1: scope its events by file and
		// conversation so one events file keeps them apart.
		r.nconv++
		cfg.Recorder = r.evs.recorder(fmt.Sprintf("t%d.", r.nconv))
	}
	sb, err := sandbox.New(cfg)
	if err != nil {
		r.failed++
		fmt.Fprintf(r.e.stdout, "FAIL  %s: %s\n  %v\n", file.path, c.name, err)
		return
	}
	cs := &convState{}
	var log []string
	for i, st := range c.steps {
		res := runTestStep(ctx, sb, st)
		if tf.cov != nil {
			tf.cov.observe(res)
		}
		fails := checkStep(st, res, sb.Session(), sb.Vars(), cs)
		if len(fails) > 0 {
			r.failed++
			w := r.e.stdout
			fmt.Fprintf(w, "FAIL  %s: %s\n", file.path, c.name)
			fmt.Fprintf(w, "  step %d of %d, %s (%s)\n", i+1, len(c.steps), st.input(), st.pos)
			for _, f := range fails {
				fmt.Fprintln(w, indent(f, "    "))
			}
			if i+1 < len(c.steps) {
				fmt.Fprintf(w, "  the %s after it did not run\n", plural(len(c.steps)-i-1, "step"))
			}
			return
		}
		if r.verbose {
			log = append(log, fmt.Sprintf("step %d, %s → state %s", i+1, st.input(), sb.Session().State))
			for _, ev := range res.Events {
				if rep, ok := ev.Effect.(flows.Reply); ok {
					log = append(log, "  bot: "+strings.ReplaceAll(rep.Text, "\n", "\n       "))
				}
			}
		}
	}
	r.passed++
	fmt.Fprintf(r.e.stdout, "ok    %s: %s (%s, %s)\n", file.path, c.name, plural(len(c.steps), "step"), time.Since(start).Round(time.Millisecond))
	for _, l := range log {
		fmt.Fprintln(r.e.stdout, indent(l, "    "))
	}
}

// testConfig is a deployment config used by test files, loaded once.
type testConfig struct {
	dep *sandbox.Deployment
	err error
}

// loadConfig loads a test's deployment config. Tests never read the
// environment: every ${NAME} is a placeholder, so a test means the same on
// every machine.
func (r *testRunner) loadConfig(path string) *testConfig {
	key := filepath.Clean(path)
	if tc, ok := r.configs[key]; ok {
		return tc
	}
	tc := &testConfig{}
	tc.dep, tc.err = sandbox.LoadDeployment(path, nil, false)
	if tc.err != nil {
		tc.err = fmt.Errorf("%s does not load:\n%s", path, indent(strings.TrimRight(tc.err.Error(), "\n"), "  "))
	}
	r.configs[key] = tc
	return tc
}

func runTestStep(ctx context.Context, sb *sandbox.Sandbox, st *testStep) *sandbox.Step {
	switch st.kind {
	case "user":
		return sb.User(ctx, st.value)
	case "button":
		return sb.Button(ctx, st.value)
	case "media":
		return sb.Media(ctx, st.media)
	case "wait":
		return sb.Wait(ctx, st.wait)
	case "agent":
		return sb.Agent(ctx, st.value)
	case "ticket":
		return sb.Ticket(ctx, flows.TicketStatus(st.value))
	case "close":
		return sb.Do(ctx, flows.Input{Kind: flows.InputClose})
	}
	return &sandbox.Step{Problems: []string{"the step has no input"}}
}

func (r *testRunner) printCoverage() {
	for _, key := range r.order {
		tf := r.flows[key]
		if tf.cov != nil {
			tf.cov.print(r.e.stdout, tf.path)
		}
	}
}

// kindName says what a YAML file that is not a test is, for messages.
func kindName(k dsl.Kind) string {
	switch k {
	case dsl.KindFlow:
		return "a flow, not a conversation test"
	case dsl.KindFragment:
		return "a file included by flows, not a conversation test"
	}
	return "not a conversation test (a deployment config?)"
}

// validateHint points at 'baton validate' for flows and included files.
func validateHint(k dsl.Kind, path string) string {
	if k == dsl.KindFlow || k == dsl.KindFragment {
		return "; check it with 'baton validate " + path + "'"
	}
	return ""
}
