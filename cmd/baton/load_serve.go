package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/batonbot/baton/loadgen"
	"github.com/batonbot/baton/sandbox"
)

// `baton load --serve URL TESTS...`: the customer messages of the test
// files, sent to a running `baton serve` through its web chat (package
// loadgen).

// scriptsUsable reports the problems of reading the test files, and none
// with user steps, as `baton load` exits on them.
func scriptsUsable(e *env, problems []string, n int, paths []string) (int, bool) {
	for _, p := range problems {
		fmt.Fprintln(e.stderr, p)
	}
	if len(problems) > 0 {
		return exitFailed, false
	}
	if n == 0 {
		fmt.Fprintln(e.stderr, "baton load: no conversation with user steps in", paths)
		return exitUsage, false
	}
	return exitOK, true
}

func runLoadServe(ctx context.Context, e *env, url string, paths []string, workers int, d time.Duration, convs int64, asJSON bool) int {
	scripts, problems := loadgen.ServeScripts(paths)
	if code, ok := scriptsUsable(e, problems, len(scripts), paths); !ok {
		return code
	}
	fmt.Fprintf(e.stderr, "baton load: counting the replies of %d conversations against %s, then %s of load\n", len(scripts), url, sandbox.FormatDuration(d))
	rep, err := loadgen.Run(ctx, loadgen.Options{URL: url, Concurrency: workers, Duration: d, Conversations: convs}, scripts)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton load: %v\n", err)
		return exitRuntime
	}
	if asJSON {
		b, _ := json.Marshal(rep)
		fmt.Fprintln(e.stdout, string(b))
	} else {
		fmt.Fprintf(e.stdout, "baton load: %d scripted conversations against %s, %d customers at once, %.1fs\n", rep.Scripts, rep.URL, rep.Concurrency, rep.Seconds)
		fmt.Fprintf(e.stdout, "conversations  %d\n", rep.Conversations)
		fmt.Fprintf(e.stdout, "turns          %d (%.0f turns/s), %d replies\n", rep.Turns, rep.TurnsPerSec, rep.Replies)
		fmt.Fprintf(e.stdout, "first reply    p50 %.2fms  p95 %.2fms  p99 %.2fms  max %.2fms\n", rep.P50, rep.P95, rep.P99, rep.Max)
		if rep.Mismatches > 0 {
			fmt.Fprintf(e.stdout, "mismatches     %d (messages answered with more or fewer replies than the first run: sampled surveys, random choices)\n", rep.Mismatches)
		}
		fmt.Fprintf(e.stdout, "errors         %d\n", rep.Errors)
		if rep.FirstError != "" {
			fmt.Fprintf(e.stdout, "first error    %s\n", rep.FirstError)
		}
	}
	if rep.Errors > 0 {
		return exitFailed
	}
	return exitOK
}
