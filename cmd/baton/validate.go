package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
)

var validateCmd = &command{
	name:    "validate",
	usage:   "validate [--config baton.yaml] [FLOW...]",
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
(an unset one is a warning: baton serve and chat --live need it).

Exit status: 0 when every flow is valid (warnings allowed), 1 when any has
errors, 2 for usage errors.`

func runValidate(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(validateCmd, validateAbout, e.stderr)
	cfgPath := fs.String("config", "", "also check this deployment `config` (baton.yaml) and the flows its channels name")
	paths, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	if len(paths) == 0 && *cfgPath == "" {
		return usageError(e, validateCmd, "no flow file given (or --config baton.yaml)")
	}
	var cv *configCheck
	if *cfgPath != "" {
		cv = checkConfig(*cfgPath, e.getenv, paths)
		paths = append(paths, cv.flows...)
	}
	failed := false
	type result struct {
		path   string
		flow   *flows.Flow
		diags  dsl.Diagnostics
		errors int
		warns  int
	}
	var all []*dsl.Diagnostic
	var results []result
	for _, p := range paths {
		f, diags := dsl.LoadFile(p)
		r := result{path: p, flow: f, diags: diags}
		for _, d := range diags {
			if d.Severity == dsl.Error {
				r.errors++
			} else {
				r.warns++
			}
		}
		if r.errors > 0 || f == nil {
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
	printDiagnostics(e.stderr, all)
	if cv != nil {
		cv.report(e)
	}
	for _, r := range results {
		switch {
		case r.errors > 0 || r.warns > 0:
			fmt.Fprintf(e.stderr, "%s: %s, %s\n", r.path, plural(r.errors, "error"), plural(r.warns, "warning"))
		case r.flow == nil:
			fmt.Fprintf(e.stderr, "%s: the flow did not load\n", r.path)
		}
		if r.flow != nil && r.errors == 0 {
			fmt.Fprintf(e.stdout, "%s: valid: %s\n", r.path, describeFlow(r.flow))
		}
	}
	if failed {
		return exitFailed
	}
	return exitOK
}

// describeFlow is a one-line summary of a loaded flow.
func describeFlow(f *flows.Flow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "flow %q", f.Name)
	if f.Version != "" {
		fmt.Fprintf(&b, " version %s", f.Version)
	}
	fmt.Fprintf(&b, ", %s, languages %s", plural(len(f.States), "state"), strings.Join(f.Languages, ", "))
	return b.String()
}

// printDiagnostics writes diags sorted by file, line and column, each as
// "path:line:col: severity: summary", with its detail indented below.
func printDiagnostics(w io.Writer, diags []*dsl.Diagnostic) {
	sorted := append([]*dsl.Diagnostic(nil), diags...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i].Pos, sorted[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	for _, d := range sorted {
		fmt.Fprintln(w, d.String())
		if det := strings.TrimSpace(d.Detail); det != "" {
			for _, line := range strings.Split(det, "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
	}
}

// loadFlow loads a flow for chat, test and graph: on errors it prints the
// diagnostics to w and returns nil; warnings are printed only when
// showWarnings is set.
func loadFlow(w io.Writer, path string, showWarnings bool) *flows.Flow {
	f, diags := dsl.LoadFile(path)
	if diags.HasErrors() || f == nil {
		printDiagnostics(w, diags)
		errs, warns := 0, 0
		for _, d := range diags {
			if d.Severity == dsl.Error {
				errs++
			} else {
				warns++
			}
		}
		fmt.Fprintf(w, "%s: %s, %s; fix them and try again (baton validate %s)\n", path, plural(errs, "error"), plural(warns, "warning"), path)
		return nil
	}
	if showWarnings {
		printDiagnostics(w, diags)
	}
	return f
}
