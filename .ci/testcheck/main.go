// Command testcheck reads `go test -json` on stdin, as the tests run, and
// fails CI when the run did not prove what it must: a test failed, a test
// skipped (only the opt-in reports named by -allow-skip may, and the tests
// whose skip message matches -allow-skip-if: data that lives outside the
// repository), or a test named by -require did not pass (the tests that
// need redis-server or Chromium, which must run in CI, never skip). It
// prints each package's result as it ends, the output of what failed, and
// the slowest tests.
//
//	go test -race ./... -json | go run ./.ci/testcheck -require pkg.TestX,... -allow-skip pkg.TestY,... -allow-skip-if REGEXP
//
// A test is named by its package path below the module and its name, with
// its subtests: store/valkey.TestConformance/cluster.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

const module = "github.com/batonbot/baton"

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // of build-output and build-fail
	Test       string
	Elapsed    float64
	Output     string
}

func main() {
	require := flag.String("require", "", "comma-separated tests that must pass (pkg.TestName[/sub])")
	allowSkip := flag.String("allow-skip", "", "comma-separated tests that may skip (opt-in reports)")
	allowSkipIf := flag.String("allow-skip-if", "", "a regexp: tests whose skip message matches it may skip (data absent from a clean clone)")
	slowest := flag.Int("slowest", 10, "how many of the slowest tests to list")
	flag.Parse()
	c := checks{require: list(*require), allowSkip: list(*allowSkip), slowest: *slowest}
	if *allowSkipIf != "" {
		re, err := regexp.Compile(*allowSkipIf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testcheck: -allow-skip-if: %v\n", err)
			os.Exit(2)
		}
		c.allowSkipIf = re
	}
	if !c.check(os.Stdin, os.Stdout) {
		os.Exit(1)
	}
}

// checks is what a run must prove.
type checks struct {
	require     []string       // tests that must pass
	allowSkip   []string       // tests that may skip
	allowSkipIf *regexp.Regexp // tests whose output matching it may skip; nil: none
	slowest     int            // how many of the slowest tests to list
}

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

type timed struct {
	name    string
	elapsed float64
}

// check reads the events and reports; it returns whether CI may pass.
func (c checks) check(r io.Reader, w io.Writer) bool {
	require, allowSkip, slowest := c.require, c.allowSkip, c.slowest
	output := map[string]*strings.Builder{} // test (or package) → its output
	passed := map[string]bool{}
	var failed, skipped, bad []string
	var times []timed
	pkgs, failedPkgs := 0, 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Not test2json (a build error the go command printed itself).
			fmt.Fprintf(w, "%s\n", line)
			bad = append(bad, string(line))
			continue
		}
		pkg := e.Package
		if pkg == "" {
			pkg = e.ImportPath
		}
		name := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		if name == "" {
			name = "."
		}
		if e.Test != "" {
			name += "." + e.Test
		}
		switch e.Action {
		case "output", "build-output":
			b := output[name]
			if b == nil {
				b = &strings.Builder{}
				output[name] = b
			}
			b.WriteString(e.Output)
		case "pass":
			passed[name] = true
			if e.Test != "" && !strings.Contains(e.Test, "/") {
				times = append(times, timed{name, e.Elapsed})
			}
			if e.Test == "" {
				pkgs++
				fmt.Fprintf(w, "ok    %-40s %6.1fs\n", name, e.Elapsed)
			}
		case "skip":
			if e.Test == "" {
				continue // a package without tests
			}
			skipped = append(skipped, name)
		case "fail", "build-fail":
			failed = append(failed, name)
			if e.Test == "" {
				failedPkgs++
				fmt.Fprintf(w, "FAIL  %-40s %6.1fs\n", name, e.Elapsed)
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(w, "reading the test events: %v\n", err)
		return false
	}
	ok := len(bad) == 0 && pkgs > 0
	for _, name := range failed {
		ok = false
		// A failed package's own output holds what no test caught (a
		// panic, TestMain, a build error); a failed test's, its log.
		if b := output[name]; b != nil {
			fmt.Fprintf(w, "\n=== %s failed:\n%s", name, b)
		}
	}
	for _, name := range skipped {
		if slices.Contains(allowSkip, name) {
			continue
		}
		if b := output[name]; c.allowSkipIf != nil && b != nil && c.allowSkipIf.MatchString(b.String()) {
			fmt.Fprintf(w, "skipped %s: %s\n", name, c.allowSkipIf.FindString(b.String()))
			continue
		}
		ok = false
		fmt.Fprintf(w, "\n=== %s skipped; in CI every test runs (install what it needs in .ci/run):\n%s", name, output[name])
	}
	for _, name := range require {
		if !passed[name] {
			ok = false
			fmt.Fprintf(w, "\n=== %s did not pass: CI must run it (was it renamed? then update .ci/run)\n", name)
		}
	}
	if pkgs == 0 {
		fmt.Fprintln(w, "no package passed: did the tests run at all?")
	}
	slices.SortFunc(times, func(a, b timed) int {
		switch {
		case a.elapsed > b.elapsed:
			return -1
		case a.elapsed < b.elapsed:
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	if n := min(slowest, len(times)); n > 0 {
		fmt.Fprintf(w, "\nthe %d slowest tests:\n", n)
		for _, t := range times[:n] {
			fmt.Fprintf(w, "  %6.1fs %s\n", t.elapsed, t.name)
		}
	}
	fmt.Fprintf(w, "\n%d packages passed, %d failed; the %d required tests and skips checked\n", pkgs, failedPkgs, len(require))
	return ok
}
