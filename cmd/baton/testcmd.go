package main

import (
	"context"
	"fmt"
	"io"
	"regexp"

	"github.com/batonbot/baton/convtest"
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

With --watch, the tests run again each time one of their files is saved
with a content other than the last run read: a test file (or a YAML file
under a directory given), a flow they test or a file it includes, a
deployment config they name (a save during a run counts once it is
over). A flow's errors show inline, as its tests' failures; a new test
file in a directory given runs at once. Ctrl-C stops.

Exit status: 0 when every conversation passes, 1 when any fails (a test
file or its flow with errors too), 2 for usage errors (a file or directory
that does not exist, a --run pattern that matches no conversation too), 3 when the --events file cannot be written. With
--watch, the status of the last run.`

// testRunner is `baton test`'s options and the runner they make.
type testRunner struct {
	e      *env
	events eventsFlags
	evs    *eventsOut
	opts   convtest.Options
	run    *convtest.Runner
	// contents, with --watch, is what each run read.
	contents *contents
}

func runTest(ctx context.Context, e *env, args []string) int {
	r := &testRunner{e: e}
	var run string
	var watch bool
	fset := newFlagSet(testCmd, testAbout, e.stderr)
	fset.BoolVar(&watch, "watch", false, "run the tests again each time a test file, a flow (or a file it includes) or a config is saved")
	fset.BoolVar(&r.opts.Verbose, "v", false, "also show the steps of passing conversations")
	fset.BoolVar(&r.opts.Coverage, "coverage", false, "list the states and transitions of each flow that no conversation exercised")
	fset.StringVar(&run, "run", "", "run only the conversations whose name matches this `regexp`")
	r.events.register(fset)
	paths, code, done := parseFlags(e, fset, args)
	if done {
		return code
	}
	if len(paths) == 0 {
		return usageError(e, testCmd, "no test file or directory given")
	}
	if msg := r.events.textAlone(); msg != "" {
		return usageError(e, testCmd, "%s", msg)
	}
	if run != "" {
		re, err := regexp.Compile(run)
		if err != nil {
			return usageError(e, testCmd, "--run: %v", err)
		}
		r.opts.Filter = re
	}
	files, skipped, err := convtest.Files(paths)
	if err != nil {
		return usageError(e, testCmd, "%v", err)
	}
	if r.opts.Verbose {
		for _, p := range skipped {
			fmt.Fprintf(e.stdout, "skip  %s: %s\n", p, convtest.NotATest(dsl.SniffFile(p)))
		}
	}
	if r.evs, err = r.events.open(e.stderr); err != nil {
		fmt.Fprintf(e.stderr, "baton test: %v\n", err)
		return exitRuntime
	}
	defer r.evs.close()
	r.opts.Out = e.stdout
	if r.evs != nil {
		r.opts.Recorder = r.evs.recorder
	}
	r.opts.LoadFlow = func(w io.Writer, path string) *flows.Flow { return loadFlow(w, path, false) }
	if watch {
		// Every file a run reads is remembered as read (contents).
		r.contents = newContents()
		r.opts.ReadFile = r.contents.read
		r.opts.LoadFlow = func(w io.Writer, path string) *flows.Flow {
			return loadFlow(w, path, false, dsl.WithReadFile(r.contents.read))
		}
		r.run = convtest.NewRunner(r.opts)
		return r.watch(ctx, paths, files, skipped)
	}
	r.run = convtest.NewRunner(r.opts)
	code, _ = r.runAll(ctx, files)
	return code
}

// runAll runs the test files and returns the exit code and the files the
// run read besides them (flows, included files, configs).
func (r *testRunner) runAll(ctx context.Context, files []string) (int, []string) {
	res := r.run.Run(ctx, files)
	if !res.OK() {
		return exitFailed, res.Read
	}
	if r.opts.Filter != nil && res.Passed == 0 {
		// A mistyped pattern in a CI job would test nothing and pass.
		fmt.Fprintf(r.e.stderr, "baton test: --run %q matches no conversation of %s: nothing was tested; check the pattern against their name: (baton test without --run lists them)\n", r.opts.Filter.String(), flows.Plural(len(files), "test file"))
		return exitUsage, res.Read
	}
	return exitOK, res.Read
}
