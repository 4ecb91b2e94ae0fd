package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/batonbot/baton/convtest"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/replay"
)

var replayCmd = &command{
	name:    "replay",
	usage:   "replay --flow NEW.yaml [--baseline OLD.yaml] EVENTS-or-TRANSCRIPTS... [--html FILE] [--json] [--max-changed 1%]",
	summary: "re-run recorded conversations on a new flow and report what would end differently",
}

func init() {
	replayCmd.run = runReplay
	register(replayCmd)
}

const replayAbout = `
Runs recorded conversations again on the flow --flow, and on --baseline
when given (else compares with what was recorded), and reports where they
end differently: contained or handed off, the team, the priority, the
states reached (and states the new flow no longer has), the replies, new
no-matches, the end, errors. The last line of the text report sums it up.

The conversations come from analytics event streams (JSONL, written with
texts: --events-text, or events.text: true in baton.yaml) or from
conversation test files such as 'baton chat --record' writes (a directory
gives the test files under it), in the order given; the events files
are one stream (a host's rotated files, oldest first; - reads standard
input). Each conversation runs on the engine with the times it was
recorded at: timeouts fire as they fell due, HTTP actions get the answers
recorded then (or the flow's sandbox: responses); nothing is sent.

Thresholds make a CI guard of it: the exit status is 1 when one is
crossed. Each takes a share of the conversations replayed (1%) or a
number of them (10).

Exit status: 0 done and no threshold crossed; 1 a threshold crossed, a
flow or input file with errors, or nothing replayed (every conversation
skipped, or none read); 2 usage errors (a file that does not exist
too); 3 a file that cannot be read or written. docs/replay.md says more.`

func runReplay(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(replayCmd, replayAbout, e.stderr)
	flow := fs.String("flow", "", "the new `flow` to replay the conversations on (required)")
	base := fs.String("baseline", "", "the old `flow` to compare with (default: what was recorded)")
	asJSON := fs.Bool("json", false, "write the report as JSON on stdout")
	htmlPath := fs.String("html", "", "also write the report as a self-contained HTML `file`")
	show := fs.Int("show", 10, "how many changed conversations the text report details (--json and --html have all)")
	limits := map[string]*string{}
	for _, t := range replayThresholds {
		limits[t.name] = fs.String(t.name, "", t.help)
	}
	pos, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	switch {
	case *flow == "":
		return usageError(e, replayCmd, "--flow FILE is required: the flow to replay the conversations on")
	case len(pos) == 0:
		return usageError(e, replayCmd, "give the events files or test files to replay")
	}
	var ts []replay.Threshold
	for _, t := range replayThresholds {
		if v := *limits[t.name]; v != "" {
			th, err := replay.ParseThreshold(t.name, t.kinds, v)
			if err != nil {
				return usageError(e, replayCmd, "%v", err)
			}
			ts = append(ts, th)
		}
	}
	for _, p := range []struct{ flag, path string }{{"flow", *flow}, {"baseline", *base}} {
		if p.path != "" {
			if msg := pathProblem(p.flag, p.path); msg != "" {
				return usageError(e, replayCmd, "%s", msg)
			}
		}
	}
	// An input given twice is replayed once, as baton test runs a test
	// file once: its conversations would be counted twice, an events
	// file's doubled.
	pos = slices.DeleteFunc(pos, seenPath(map[string]bool{}))
	files := slices.DeleteFunc(slices.Clone(pos), func(p string) bool { return p == "-" }) // - is standard input
	if code, bad := missingPaths(e, replayCmd, files...); bad {
		return code
	}
	if *htmlPath != "" {
		// Checked before anything is read: a replay can take minutes,
		// and an input named by mistake (--html ev1.jsonl ev2.jsonl)
		// would be replaced by the page.
		inputs := map[string]os.FileInfo{}
		for _, p := range append([]string{*flow, *base}, files...) {
			if fi, err := os.Stat(p); err == nil && p != "" {
				inputs[p] = fi
			}
		}
		if msg := pageProblem(*htmlPath, inputs); msg != "" {
			return usageError(e, replayCmd, "%s", msg)
		}
		if msg := outputProblem(*htmlPath); msg != "" {
			fmt.Fprintf(e.stderr, "baton replay: --html %s; write the report somewhere else\n", msg)
			return exitRuntime
		}
	}
	sources := slices.Clone(pos)
	if i := slices.Index(sources, "-"); i >= 0 {
		sources[i] = "stdin"
	}
	o := replay.Options{FlowPath: *flow, BaselinePath: *base, Sources: sources}
	if o.Flow = loadFlow(e.stderr, *flow, false); o.Flow == nil {
		return exitFailed
	}
	if *base != "" {
		if o.Baseline = loadFlow(e.stderr, *base, false); o.Baseline == nil {
			return exitFailed
		}
	}
	// A replay allocates much and keeps little (the conversations under
	// way and the changed ones): the collector runs less often, about 12%
	// less CPU on a 100,000-conversation log, unless GOGC says otherwise.
	if e.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	// Test files are parsed first (their errors stop the command before
	// anything runs); the inputs are then read in the order given.
	tests := map[string][]*convtest.File{}
	seenTest := seenPath(map[string]bool{}) // a test file also given by its directory
	for _, p := range pos {
		if info, err := os.Stat(p); err == nil && (info.IsDir() || strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			tfs, code := replayTests(e, p, seenTest)
			if code != exitOK {
				return code
			}
			tests[p] = tfs
		}
	}
	// A test file names its flow: the tests of another flow than --flow
	// (and --baseline) are skipped, as an events file's conversations are.
	flowNames, flowLangs := map[string]string{}, map[string]string{}
	for _, tfs := range tests {
		for _, tf := range tfs {
			if _, ok := flowNames[tf.FlowPath]; !ok {
				if f, diags := dsl.LoadFile(tf.FlowPath); !diags.HasErrors() && f != nil {
					flowNames[tf.FlowPath], flowLangs[tf.FlowPath] = f.Name, f.DefaultLanguage()
				} else {
					flowNames[tf.FlowPath] = ""
				}
			}
		}
	}
	idle := replay.Idle(o.Flow, o.Baseline)
	inputErr := exitOK
	rep, err := replay.ReplayFeed(ctx, o, func(emit func(*replay.Conversation)) error {
		// The events files are one stream: a conversation may go on from
		// one rotated file into the next.
		stream := replay.NewStream(idle, emit)
		future := newFutureEvents(e, "replay", "its conversation is skipped")
		stream.LeaveOut = future.leaveOut
		defer stream.Close()
		defer future.close()
		for _, p := range pos {
			if tfs, ok := tests[p]; ok {
				for _, tf := range tfs {
					name := flowNames[tf.FlowPath]
					for _, c := range tf.Replay(*base != "", flowLangs[tf.FlowPath]) {
						c.Flow = name
						emit(c)
					}
				}
				continue
			}
			if p == "-" {
				if err := stream.Read(e.stdin, "stdin"); err != nil {
					inputErr = exitFailed
					return err
				}
				continue
			}
			f, err := os.Open(p)
			if err != nil {
				inputErr = exitRuntime
				return err
			}
			err = stream.Read(f, p)
			f.Close()
			if err != nil {
				inputErr = exitFailed
				return err
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "baton replay: %v\n", err)
		if inputErr != exitOK {
			return inputErr
		}
		return exitRuntime
	}
	crossed := rep.Check(ts)
	if *htmlPath != "" {
		if err := writeFileWith(*htmlPath, func(f *os.File) error { return replay.WriteHTML(f, rep) }); err != nil {
			fmt.Fprintf(e.stderr, "baton replay: %v\n", err)
			return exitRuntime
		}
	}
	if *asJSON {
		if err := replay.WriteJSON(e.stdout, rep); err != nil {
			fmt.Fprintf(e.stderr, "baton replay: %v\n", err)
			return exitRuntime
		}
	} else {
		replay.WriteText(e.stdout, rep, *show)
	}
	if rep.Replayed == 0 {
		// A CI guard that replayed nothing guards nothing: "0 of 0"
		// passes every threshold.
		switch n := rep.Conversations; n {
		case 0:
			fmt.Fprintf(e.stderr, "baton replay: nothing was replayed: no conversation was read; check the events or test files given\n")
		case 1:
			fmt.Fprintf(e.stderr, "baton replay: nothing was replayed: the 1 conversation read was skipped (the report says why)\n")
		default:
			fmt.Fprintf(e.stderr, "baton replay: nothing was replayed: the %d conversations read were skipped (the report says why)\n", n)
		}
		return exitFailed
	}
	if crossed {
		return exitFailed
	}
	return exitOK
}

// replayThresholds are the --max-* flags: the change kinds each counts
// (none: any change).
var replayThresholds = []struct {
	name  string
	kinds []string
	help  string
}{
	{"max-changed", nil, "fail when more conversations than this `limit` (1% or 10) change in any way"},
	{"max-handoffs", []string{replay.ChangeHandedOff}, "fail when more than this `limit` now hand off instead of being contained"},
	{"max-contained", []string{replay.ChangeContained}, "fail when more than this `limit` are now contained instead of handing off"},
	{"max-routing", []string{replay.ChangeTeam, replay.ChangePriority}, "fail when more than this `limit` hand off to another team or at another priority"},
	{"max-gone-states", []string{replay.ChangeGone}, "fail when more than this `limit` reached a state the new flow no longer has"},
	{"max-no-match", []string{replay.ChangeNoMatch}, "fail when more than this `limit` have new no-matches"},
	{"max-errors", []string{replay.ChangeError}, "fail when more than this `limit` hit errors on the new flow"},
}

// seenPath reports whether path was seen before, by its cleaned absolute
// path, and marks it seen.
func seenPath(seen map[string]bool) func(path string) bool {
	return func(p string) bool {
		key := filepath.Clean(p)
		if abs, err := filepath.Abs(p); err == nil && p != "-" {
			key = abs
		}
		if seen[key] {
			return true
		}
		seen[key] = true
		return false
	}
}

// replayTests parses the conversation test files at path (a file, or the
// test files under a directory), but those seen already.
func replayTests(e *env, path string, seen func(string) bool) ([]*convtest.File, int) {
	files, _, err := convtest.Files([]string{path})
	if err != nil {
		fmt.Fprintf(e.stderr, "baton replay: %v\n", err)
		return nil, exitUsage
	}
	var out []*convtest.File
	for _, f := range files {
		if seen(f) {
			continue
		}
		if k := dsl.SniffFile(f); k == dsl.KindFlow || k == dsl.KindFragment {
			// A flow given as an input, not a recording: parsed as a
			// test, it would be refused key by key.
			fmt.Fprintf(e.stderr, "%s: %s: replay reads events files and conversation tests; a flow goes in --flow (or --baseline)\n", f, convtest.NotATest(k))
			return nil, exitFailed
		}
		tf, errs := convtest.Parse(f)
		if len(errs) > 0 {
			for _, msg := range errs {
				fmt.Fprintln(e.stderr, msg)
			}
			return nil, exitFailed
		}
		out = append(out, tf)
	}
	return out, exitOK
}

// writeFileWith writes a file through write, removing it when that fails.
// outputProblem says why a file cannot be written at path (starting
// with the path), or "" when it can be: a directory, or a directory that
// does not exist or takes no new file.
func outputProblem(path string) string {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return path + " is a directory"
	}
	dir := filepath.Dir(path)
	probe, err := os.CreateTemp(dir, ".baton-out-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Sprintf("%s: cannot write in %s: %v", path, dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return ""
}

func writeFileWith(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
