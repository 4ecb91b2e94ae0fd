package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

var versionCmd = &command{name: "version", usage: "version", summary: "print Baton's version"}

func init() {
	versionCmd.run = runVersion
	register(versionCmd)
}

func runVersion(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(versionCmd, "Prints Baton's version, its platform and the Go version it was built with.", e.stderr)
	pos, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, versionCmd, "takes no arguments, got %q", strings.Join(pos, " "))
	}
	v := version
	if v == "dev" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	fmt.Fprintf(e.stdout, "baton %s %s/%s %s\n", v, runtime.GOOS, runtime.GOARCH, runtime.Version())
	return exitOK
}
