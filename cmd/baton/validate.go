package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
)

var validateCmd = &command{
	name:    "validate",
	usage:   "validate [--config baton.yaml [--connector NAME]] [FLOW|DIR...]",
	summary: "check flow files and report every problem at once",
}

func init() {
	validateCmd.run = runValidate
	register(validateCmd)
}

const validateAbout = `
Checks each flow file and reports every problem at once, sorted by file and
line, as "path:line:col: error: message" (or "warning:") on stderr, then one
summary line per file with problems.

With --config, the deployment config is checked too, on its own or with the
flows: every section (connectors, teams, routing, server, store, channels,
bridge), the flow files its channels name, and the ${NAME} secrets it reads
(an unset one is a warning: baton serve and chat --live need it). A config
for a program of your own that serves with its own connector (README,
"Extending Baton") is checked with --connector naming it.

A file meant to be included by flows (only vars, include, hours, nlu,
triggers and states) is checked alone: the states and variables it uses
from the flows that include it are taken on trust. A directory is searched
for .yaml and .yml files (not in hidden directories, testdata, vendor or
node_modules): flows and included files are checked, conversation tests
and deployment configs are skipped.

Exit status: 0 when every flow is valid (warnings allowed), 1 when any has
errors, 2 for usage errors (a file or directory that does not exist, or a
directory with no flow file, too).`

func runValidate(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(validateCmd, validateAbout, e.stderr)
	cfgPath := fs.String("config", "", "also check this deployment `config` (baton.yaml) and the flows its channels name")
	var custom listFlag
	fs.Var(&custom, "connector", "with --config, a connector `name` a program of your own provides (config.WithConnectors), which the config may route handoffs to; repeatable")
	paths, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	if len(paths) == 0 && *cfgPath == "" {
		return usageError(e, validateCmd, "no flow file given (or --config baton.yaml)")
	}
	if len(custom) > 0 && *cfgPath == "" {
		return usageError(e, validateCmd, "--connector names a connector of the deployment config: give --config baton.yaml too")
	}
	if *cfgPath != "" {
		if msg := pathProblem("config", *cfgPath); msg != "" {
			return usageError(e, validateCmd, "%s", msg)
		}
	}
	if code, bad := missingPaths(e, validateCmd, paths...); bad {
		return code
	}
	var cv *configCheck
	if *cfgPath != "" {
		cv = checkConfig(*cfgPath, e.getenv, paths, custom...)
		paths = append(paths, cv.flows...)
	}
	failed := false
	type result struct {
		path     string
		flow     *flows.Flow
		fragment bool
		diags    dsl.Diagnostics
		errors   int
		warns    int
	}
	var all dsl.Diagnostics
	var results []result
	targets, skipped, bad := validateTargets(paths)
	if bad != "" {
		return usageError(e, validateCmd, "%s", bad)
	}
	for _, tg := range targets {
		p := tg.path
		var f *flows.Flow
		var diags dsl.Diagnostics
		switch tg.kind {
		case dsl.KindFragment:
			diags = dsl.LoadFragment(p)
		case dsl.KindTest:
			diags = dsl.Diagnostics{{Severity: dsl.Error, Pos: flows.Pos{File: p}, Summary: "a conversation test file, not a flow: run it with baton test " + p}}
		case dsl.KindOther:
			diags = dsl.Diagnostics{{Severity: dsl.Error, Pos: flows.Pos{File: p}, Summary: "not a flow file: a flow has flow:, languages:, start: and states:, an included file only vars, include, hours, nlu, triggers and states; a deployment config is checked with baton validate --config " + p}}
		default:
			f, diags = dsl.LoadFile(p)
		}
		if cv != nil && f != nil {
			diags = append(diags, cv.teams(f)...)
		}
		r := result{path: p, flow: f, fragment: tg.kind == dsl.KindFragment, diags: diags}
		r.errors, r.warns = diags.Count()
		if r.errors > 0 || (f == nil && !r.fragment) {
			failed = true
		}
		if cv != nil {
			diags = cv.located(p, diags)
		}
		all = append(all, diags...)
		results = append(results, r)
	}
	if cv != nil {
		all = append(all, cv.diags...)
		failed = failed || cv.diags.HasErrors()
	}
	all.Print(e.stderr)
	if cv != nil {
		cv.report(e)
	}
	for _, r := range results {
		switch {
		case r.errors > 0 || r.warns > 0:
			fmt.Fprintf(e.stderr, "%s: %s, %s\n", r.path, flows.Plural(r.errors, "error"), flows.Plural(r.warns, "warning"))
		case r.flow == nil && !r.fragment:
			fmt.Fprintf(e.stderr, "%s: the flow did not load\n", r.path)
		}
		switch {
		case r.errors > 0:
		case r.flow != nil:
			fmt.Fprintf(e.stdout, "%s: valid: %s\n", r.path, r.flow.Describe())
		case r.fragment:
			fmt.Fprintf(e.stdout, "%s: valid: an included file (the states and variables it uses from the flows that include it are checked with them)\n", r.path)
		}
	}
	if skipped > 0 {
		what := "YAML files that are not flows"
		if skipped == 1 {
			what = "YAML file that is not a flow"
		}
		fmt.Fprintf(e.stdout, "skipped %d %s (conversation tests, deployment configs)\n", skipped, what)
	}
	if failed {
		return exitFailed
	}
	return exitOK
}

// validateTarget is a file to validate and what it is.
type validateTarget struct {
	path string
	kind dsl.Kind
}

// validateTargets expands the command line: a file is checked as what it
// is (a flow, or an included file); a directory is searched for YAML files
// (skipping hidden directories, testdata, vendor and node_modules), of
// which flows and included files are checked and the others (conversation
// tests, deployment configs) skipped and counted. A directory with no flow
// and no included file checks nothing: bad says so.
//
// A file named twice (alike, as ./path, or also in a directory named) is
// checked once.
func validateTargets(paths []string) (targets []validateTarget, skipped int, bad string) {
	seen := map[string]bool{}
	once := func(path string) bool {
		c := filepath.Clean(path)
		if seen[c] {
			return false
		}
		seen[c] = true
		return true
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil || !info.IsDir() {
			if once(p) {
				targets = append(targets, validateTarget{p, dsl.SniffFile(p)})
			}
			continue
		}
		found, others := 0, 0
		dsl.WalkYAML(p, func(path string, kind dsl.Kind) {
			if kind == dsl.KindTest || kind == dsl.KindOther {
				others++
				if once(path) {
					skipped++
				}
				return
			}
			found++
			if once(path) {
				targets = append(targets, validateTarget{path, kind})
			}
		})
		if found == 0 && bad == "" {
			bad = p + ": no flow files in this directory"
			switch others {
			case 0:
			case 1:
				bad += " (1 YAML file that is not a flow: conversation tests, deployment configs)"
			default:
				bad += fmt.Sprintf(" (%d YAML files that are not flows: conversation tests, deployment configs)", others)
			}
			bad += "; a flow has flow:, languages:, start: and states:"
		}
	}
	return targets, skipped, bad
}

// loadFlow loads a flow for chat, test and graph: on errors it prints the
// diagnostics to w and returns nil (for an included file, that it is one);
// warnings are printed only when showWarnings is set.
func loadFlow(w io.Writer, path string, showWarnings bool, opts ...dsl.Option) *flows.Flow {
	f, diags := dsl.LoadFile(path, opts...)
	if diags.HasErrors() || f == nil {
		switch dsl.SniffFile(path) {
		case dsl.KindFragment:
			// Its errors would be the flow: it lacks and what it takes from
			// the flows that include it, not what is wrong.
			fmt.Fprintf(w, "%s: an included file (only vars, include, hours, nlu, triggers and states), not a flow: name the flow that includes it instead\n", path)
			return nil
		case dsl.KindTest:
			fmt.Fprintf(w, "%s: a conversation test file, not a flow: run it with baton test %s, or give the flow its flow: names\n", path, path)
			return nil
		}
	}
	if diags.HasErrors() || f == nil {
		diags.Print(w)
		errs, warns := diags.Count()
		fmt.Fprintf(w, "%s: %s, %s; fix them and try again (baton validate %s)\n", path, flows.Plural(errs, "error"), flows.Plural(warns, "warning"), path)
		return nil
	}
	if showWarnings {
		diags.Print(w)
	}
	return f
}
