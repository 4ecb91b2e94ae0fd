package main

import (
	"os"

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
	return dsl.PathError(what, err).Error()
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
