package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/dsl"
)

// pathProblem says what is wrong with a path named on the command line, ""
// when it exists. Every command checks its paths with it before doing
// anything, so a missing file is a usage error (exit 2) everywhere, worded
// alike; a file that exists but cannot be read is exitRuntime (3) later.
// flagName is the flag that gave the path, "" for an argument.
func pathProblem(flagName, path string) string {
	_, err := os.Stat(path)
	if err == nil {
		return ""
	}
	what := path
	if flagName != "" {
		what = "--" + flagName + " " + path
	}
	if errors.Is(err, fs.ErrNotExist) {
		return what + ": no such file or directory"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Sprintf("%s: %v", what, err)
}

// missingPaths checks paths named on the command line (arguments) and
// prints a usage error for the first missing one.
func missingPaths(e *env, c *command, paths ...string) (code int, bad bool) {
	for _, p := range paths {
		if msg := pathProblem("", p); msg != "" {
			return usageError(e, c, "%s", msg), true
		}
	}
	return exitOK, false
}

// skipDir reports whether a directory under the one named on the command
// line is left out of a search for a project's YAML files: hidden ones,
// "_" ones, testdata, vendor and node_modules.
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "node_modules"
}

// walkYAML calls fn for every .yaml and .yml file under dir (sorted, not in
// the directories skipDir leaves out) with what it is (dsl.Sniff). A file
// or directory that cannot be read is passed as a flow, so loading it says
// why.
func walkYAML(dir string, fn func(path string, kind dsl.Kind)) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			fn(path, dsl.KindFlow)
			return nil
		}
		if d.IsDir() {
			if path != dir && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		fn(path, sniffFile(path))
		return nil
	})
}

// sniffFile is dsl.Sniff on the file at path; a file that cannot be read
// is a flow (loading it says why). A file that is not valid YAML as it is
// and has none of a flow's top-level keys is not a flow: a deployment
// config, whose ${NAME} references make it YAML only once they are
// replaced.
func sniffFile(path string) dsl.Kind {
	src, err := os.ReadFile(path)
	if err != nil {
		return dsl.KindFlow
	}
	k := dsl.Sniff(src)
	if k != dsl.KindFlow || isYAML(src) {
		return k
	}
	keys := topLevelKey.FindAllSubmatch(src, -1)
	if len(keys) == 0 {
		return k
	}
	for _, m := range keys {
		if slices.Contains(flowKeys, string(m[1])) {
			return k
		}
	}
	return dsl.KindOther
}

// flowKeys are top-level keys only flows and included files have.
var flowKeys = []string{"flow", "languages", "start", "states", "triggers", "include", "hours", "subflows", "no_match", "timeouts", "on_reload"}

// topLevelKey is a key at the start of a line.
var topLevelKey = regexp.MustCompile(`(?m)^([A-Za-z_][A-Za-z0-9_]*)[ \t]*:`)

// isYAML reports whether src reads as YAML.
func isYAML(src []byte) bool {
	var v any
	return yaml.Unmarshal(src, &v) == nil
}

// readsAsYAML reports whether the file at path reads as YAML.
func readsAsYAML(path string) bool {
	src, err := os.ReadFile(path)
	return err == nil && isYAML(src)
}
