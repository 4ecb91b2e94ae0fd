package convtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/replay"
	"github.com/batonbot/baton/sandbox"
)

// Options say how a Runner runs the tests and where it reports.
type Options struct {
	// Out gets the report: ok or FAIL per conversation (a failure with
	// the file, the step and its input, what was expected against what
	// happened), the coverage, and the last line "N passed, N failed".
	Out io.Writer
	// Verbose also shows the steps of passing conversations.
	Verbose bool
	// Filter, when set, runs only the conversations whose name matches.
	Filter *regexp.Regexp
	// Coverage lists the states and transitions of each flow that no
	// conversation exercised.
	Coverage bool
	// Recorder, when set, gives each conversation a recorder for its
	// analytics events; scope ("t1.", "t2.", ...) prefixes their ids, as
	// every test conversation is test-1.
	Recorder func(scope string) *analytics.Recorder
	// LoadFlow loads a flow under test: on errors it writes the
	// diagnostics to w and returns nil. Nil: dsl.LoadFile (reading
	// through ReadFile), its errors one a line.
	LoadFlow func(w io.Writer, path string) *flows.Flow
	// ReadFile reads the test files, the deployment configs and the
	// files the flows include besides (nil: dsl.ReadLimited), each at
	// most dsl.MaxFileSize+1 bytes: `baton test --watch` remembers what
	// a run read. A LoadFlow of one's own reads the flows itself.
	ReadFile func(name string) ([]byte, error)
}

// Result is what a run found.
type Result struct {
	Passed, Failed int
	// Interrupted is set when the context ended the run early.
	Interrupted bool
	// Read are the files the run read besides the test files: the flows
	// and the files they include, the deployment configs.
	Read []string
}

// OK reports whether every conversation passed and the run was not
// interrupted.
func (r Result) OK() bool { return r.Failed == 0 && !r.Interrupted }

// A Runner runs conversation test files against their flows in the
// sandbox. Its conversations' events are scoped apart across runs.
type Runner struct {
	o     Options
	nconv int // conversations run, scoping their events
}

// NewRunner returns a runner with options o.
func NewRunner(o Options) *Runner {
	if o.ReadFile == nil {
		o.ReadFile = dsl.ReadLimited
	}
	if o.LoadFlow == nil {
		o.LoadFlow = func(w io.Writer, path string) *flows.Flow { return loadFlow(w, path, o.ReadFile) }
	}
	return &Runner{o: o}
}

// loadFlow is Options.LoadFlow's default.
func loadFlow(w io.Writer, path string, read func(string) ([]byte, error)) *flows.Flow {
	f, diags := dsl.LoadFile(path, dsl.WithReadFile(read))
	if diags.HasErrors() || f == nil {
		fmt.Fprintln(w, diags.Err())
		return nil
	}
	return f
}

// run is one run of a Runner: the flows and configs it loaded, once each.
type run struct {
	*Runner
	out     io.Writer
	flows   map[string]*testFlow
	configs map[string]*testConfig
	order   []string // flow paths in the order first used
	passed  int
	failed  int
}

// testFlow is a flow under test, loaded once for all the files using it.
type testFlow struct {
	path  string
	flow  *flows.Flow
	diags string // the diagnostics when it did not load
	cov   *coverage
}

// Run runs the test files (Files expands directories), in order, and
// writes the report to Options.Out.
func (rn *Runner) Run(ctx context.Context, files []string) Result {
	r := &run{Runner: rn, out: rn.o.Out, flows: map[string]*testFlow{}, configs: map[string]*testConfig{}}
	for _, f := range files {
		if ctx.Err() != nil {
			fmt.Fprintln(r.out, "interrupted")
			break
		}
		r.runFile(ctx, f)
	}
	if r.o.Coverage {
		r.printCoverage()
	}
	fmt.Fprintf(r.out, "%d passed, %d failed\n", r.passed, r.failed)
	return Result{Passed: r.passed, Failed: r.failed, Interrupted: ctx.Err() != nil, Read: r.read()}
}

// diagFiles are the files other than path that the diagnostics of the
// flow at path point into: where the errors of a flow that does not load
// are (an included file's), so a watch sees them fixed.
func diagFiles(path string, read func(string) ([]byte, error)) []string {
	_, diags := dsl.LoadFile(path, dsl.WithReadFile(read))
	var out []string
	for _, d := range diags {
		if f := d.Pos.File; f != "" && f != path && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// read lists the flows the run loaded, the files they include and the
// deployment configs.
func (r *run) read() []string {
	var out []string
	for _, key := range r.order {
		tf := r.flows[key]
		out = append(out, tf.path)
		if tf.flow != nil {
			out = append(out, tf.flow.Files...)
		} else {
			out = append(out, diagFiles(tf.path, r.o.ReadFile)...)
		}
	}
	return append(out, slices.Sorted(maps.Keys(r.configs))...)
}

// Files expands paths to the test files to run: a file is run as a test
// file, whatever it is (Run says when it is a flow or a config); a
// directory gives the conversation test files under it, sorted, found by
// their shape (dsl.Sniff) the way 'baton validate DIR' finds flows, so flows,
// included files and deployment configs next to the tests are skipped.
// A path that does not exist is an error, worded as the command line's.
func Files(paths []string) (files, skipped []string, err error) {
	// A file given twice, or also by its directory, is run once.
	seen := map[string]bool{}
	add := func(p string) {
		key := filepath.Clean(p)
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			files = append(files, p)
		}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, dsl.PathError(p, err)
		}
		if !info.IsDir() {
			add(p)
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
		for _, f := range found {
			add(f)
		}
	}
	return files, skipped, nil
}

func (r *run) failFile(path string, errs []string) {
	r.failed++
	fmt.Fprintf(r.out, "FAIL  %s: the test file has %s\n", path, flows.Plural(len(errs), "error"))
	for _, e := range errs {
		fmt.Fprintf(r.out, "  %s\n", strings.ReplaceAll(e, "\n", "\n  "))
	}
}

func (r *run) loadFlow(path string) *testFlow {
	key := filepath.Clean(path)
	if tf, ok := r.flows[key]; ok {
		return tf
	}
	var diags bytes.Buffer
	f := r.o.LoadFlow(&diags, path)
	tf := &testFlow{path: path, flow: f, diags: diags.String()}
	if f != nil {
		tf.cov = newCoverage(f)
	}
	r.flows[key] = tf
	r.order = append(r.order, key)
	return tf
}

func (r *run) runFile(ctx context.Context, path string) {
	if info, err := os.Stat(path); err != nil || info.IsDir() {
		// A test file removed since Files found it (baton test --watch),
		// or a directory without test files.
		if _, _, err := Files([]string{path}); err != nil {
			r.failed++
			fmt.Fprintf(r.out, "FAIL  %v\n", err)
			return
		}
	}
	if k := dsl.SniffFile(path); k != dsl.KindTest && (k != dsl.KindFlow || dsl.ReadsAsYAML(path)) {
		// A file named on the command line that is plainly something else
		// (a broken test file is parsed, to show its errors).
		r.failed++
		fmt.Fprintf(r.out, "FAIL  %s: %s: 'baton test' runs conversation test files (flow: and conversations:, docs/testing.md)%s\n", path, NotATest(k), validateHint(k, path))
		return
	}
	file, errs := parse(path, r.o.ReadFile)
	if len(errs) > 0 {
		r.failFile(path, errs)
		return
	}
	if _, err := os.Stat(file.FlowPath); err != nil {
		r.failFile(path, []string{fmt.Sprintf("%s: flow: %s does not exist; the path is relative to the test file", file.FlowPos, file.FlowPath)})
		return
	}
	tf := r.loadFlow(file.FlowPath)
	if tf.flow == nil {
		r.failFile(path, []string{fmt.Sprintf("%s: flow: %s does not load:\n%s", file.FlowPos, file.FlowPath, strings.TrimRight(tf.diags, "\n"))})
		return
	}
	// Setups are checked against the flow: languages and variables.
	var setupErrs []string
	for _, c := range file.Conversations {
		if c.Setup.Lang != "" && !slices.Contains(tf.flow.Languages, c.Setup.Lang) {
			hint := ""
			if m := dsl.MeantLanguage(c.Setup.Lang, tf.flow.Languages); m != "" {
				hint = fmt.Sprintf("; did you mean %q?", m)
			}
			setupErrs = append(setupErrs, fmt.Sprintf("%s: lang: %q is not one of the flow's languages (%s)%s", c.Setup.LangPos, c.Setup.Lang, strings.Join(tf.flow.Languages, ", "), hint))
		}
		for _, name := range slices.Sorted(maps.Keys(c.Setup.Vars)) {
			if _, ok := tf.flow.Vars[name]; !ok {
				setupErrs = append(setupErrs, fmt.Sprintf("%s: vars: %v", c.Setup.VarPos[name], sandbox.UnknownVarError(tf.flow, name)))
			} else if err := sandbox.VarTypeError(tf.flow, name, c.Setup.Vars[name]); err != nil {
				setupErrs = append(setupErrs, fmt.Sprintf("%s: vars: %v: write it as the flow declares it", c.Setup.VarPos[name], err))
			}
		}
		if c.Setup.Config != "" {
			if tc := r.loadConfig(c.Setup.Config); tc.err != nil {
				setupErrs = append(setupErrs, fmt.Sprintf("%s: config: %s", c.Setup.ConfigPos, tc.err))
			}
		}
	}
	if len(setupErrs) > 0 {
		r.failFile(path, dedupe(setupErrs))
		return
	}
	for _, c := range file.Conversations {
		if r.o.Filter != nil && !r.o.Filter.MatchString(c.Name) {
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

func (r *run) runConv(ctx context.Context, file *File, tf *testFlow, c *Conversation) {
	start := time.Now()
	cfg := sandbox.Config{
		Flow:       tf.flow,
		Lang:       c.Setup.Lang,
		Channel:    c.Setup.Channel,
		Vars:       c.Setup.Vars,
		Now:        c.Setup.Start(),
		Fixed:      true,
		Canned:     c.Setup.HTTP,
		IDPrefix:   "test",
		CannedHint: "(or an http: response to the test file)",
		Contact:    c.Setup.Contact(tf.flow.DefaultLanguage()),
	}
	if c.Setup.Config != "" {
		cfg.Deployment = r.loadConfig(c.Setup.Config).dep
	}
	if r.o.Recorder != nil {
		// Every test conversation is test-1: scope its events by file and
		// conversation so one events file keeps them apart.
		r.nconv++
		cfg.Recorder = r.o.Recorder(replay.TestScope(r.nconv))
	}
	sb, err := sandbox.New(cfg)
	if err != nil {
		r.failed++
		fmt.Fprintf(r.out, "FAIL  %s: %s\n  %v\n", file.Path, c.Name, err)
		return
	}
	cs := &convState{}
	var log []string
	for i, st := range c.Steps {
		var res *sandbox.Step
		if tf.cov != nil {
			// The engine's trace says which option or rule made each move.
			tr := &engine.Trace{}
			res = runTestStep(engine.WithTrace(ctx, tr), sb, st)
			tf.cov.observe(res, tr)
		} else {
			res = runTestStep(ctx, sb, st)
		}
		fails := checkStep(tf.flow, st, res, sb.Session(), sb.Vars(), cs)
		if len(fails) > 0 {
			r.failed++
			w := r.out
			fmt.Fprintf(w, "FAIL  %s: %s\n", file.Path, c.Name)
			fmt.Fprintf(w, "  step %d of %d, %s (%s)\n", i+1, len(c.Steps), st.Input(), st.Pos)
			for _, f := range fails {
				fmt.Fprintln(w, indent(f, "    "))
			}
			if i+1 < len(c.Steps) {
				fmt.Fprintf(w, "  the %s after it did not run\n", flows.Plural(len(c.Steps)-i-1, "step"))
			}
			return
		}
		if r.o.Verbose {
			log = append(log, fmt.Sprintf("step %d, %s → state %s", i+1, st.Input(), sb.Session().State))
			for _, ev := range res.Events {
				if rep, ok := ev.Effect.(flows.Reply); ok {
					log = append(log, "  bot: "+strings.ReplaceAll(rep.Text, "\n", "\n       "))
				}
			}
		}
	}
	r.passed++
	fmt.Fprintf(r.out, "ok    %s: %s (%s, %s)\n", file.Path, c.Name, flows.Plural(len(c.Steps), "step"), time.Since(start).Round(time.Millisecond))
	for _, l := range log {
		fmt.Fprintln(r.out, indent(l, "    "))
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
func (r *run) loadConfig(path string) *testConfig {
	key := filepath.Clean(path)
	if tc, ok := r.configs[key]; ok {
		return tc
	}
	tc := &testConfig{}
	tc.dep, tc.err = sandbox.LoadDeployment(path, nil, false, config.WithReadFile(r.o.ReadFile))
	if tc.err != nil {
		tc.err = fmt.Errorf("%s does not load:\n%s", path, indent(strings.TrimRight(tc.err.Error(), "\n"), "  "))
	}
	r.configs[key] = tc
	return tc
}

func runTestStep(ctx context.Context, sb *sandbox.Sandbox, st *Step) *sandbox.Step {
	if st.After <= 0 {
		return runInput(ctx, sb, st)
	}
	// The time passes first: the timeouts due by then fire in the step.
	res := sb.Wait(ctx, st.After)
	in := runInput(ctx, sb, st)
	res.Events = append(res.Events, in.Events...)
	res.Problems = append(res.Problems, in.Problems...)
	return res
}

// runInput runs the step's input.
func runInput(ctx context.Context, sb *sandbox.Sandbox, st *Step) *sandbox.Step {
	switch st.Kind {
	case "":
		return &sandbox.Step{Problems: []string{"the step has no input"}}
	case sandbox.StepMedia:
		return sb.Media(ctx, st.Media)
	case sandbox.StepButton:
		// A tap on no button of the menu shown is a mistake in the test
		// (a typo, a menu that changed), not a message the flow gets.
		if err := sb.CheckButton(st.Value); err != nil {
			return &sandbox.Step{Problems: []string{"button: " + err.Error()}}
		}
	}
	return sb.Run(ctx, st.Kind, st.Value)
}

func (r *run) printCoverage() {
	for _, key := range r.order {
		tf := r.flows[key]
		if tf.cov != nil {
			tf.cov.print(r.out, tf.path)
		}
	}
}

// NotATest says what a YAML file that is not a test is, for messages.
func NotATest(k dsl.Kind) string {
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
