package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/batonbot/baton/dsl"
)

// newFlagSet returns a flag set for a command whose usage (the command's
// synopsis, a description and the options) goes to w.
func newFlagSet(c *command, about string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: baton %s\n\n%s\n", c.usage, strings.TrimSpace(about))
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintln(w, "\nOptions:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args allowing flags after positional arguments
// (`baton graph FLOW --format dot`). On --help it prints the usage to
// stdout and returns done with exitOK; on a bad flag it prints the problem
// and the usage to stderr and returns done with exitUsage.
func parseFlags(e *env, fs *flag.FlagSet, args []string) (positional []string, code int, done bool) {
	var flagArgs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flagArgs = append(flagArgs, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) && i+1 < len(args) {
			i++
			flagArgs = append(flagArgs, args[i])
		}
	}
	for _, a := range flagArgs {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return nil, exitOK, true
		}
	}
	fs.SetOutput(io.Discard) // a mistake is one line, not the whole help
	if err := fs.Parse(flagArgs); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitOK, true
		}
		fmt.Fprintf(e.stderr, "baton %s: %s\n", fs.Name(), flagProblem(fs, err))
		fmt.Fprintf(e.stderr, "Usage: baton %s\nRun 'baton %s --help' for the options.\n", usageLine(fs), fs.Name())
		return nil, exitUsage, true
	}
	return positional, exitOK, false
}

// usageLine is the synopsis of the command fs parses the flags of.
func usageLine(fs *flag.FlagSet) string {
	if c, ok := commands[fs.Name()]; ok {
		return c.usage
	}
	return fs.Name() + " [options]"
}

// flagProblem words a flag parsing error in one line: an unknown flag with
// the closest one ("did you mean --record?"), else the flag package's
// message with flags written the way the help writes them.
func flagProblem(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		out := fmt.Sprintf("unknown flag --%s", name)
		if s := suggest(name, names); s != "" {
			out += fmt.Sprintf("; did you mean --%s?", s)
		}
		return out
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return fmt.Sprintf("--%s needs a value", strings.TrimLeft(name, "-"))
	}
	if m := badFlagValue.FindStringSubmatch(msg); m != nil {
		name, val, why := m[2], m[1], m[3]
		if f := fs.Lookup(name); f != nil {
			if g, ok := f.Value.(flag.Getter); ok {
				switch g.Get().(type) {
				case bool:
					why = "write true or false"
				case time.Duration:
					why = "not a duration; write it like 30s, 10m or 2h"
				case int, int64, uint, uint64:
					why = "not a whole number"
				case float64:
					why = "not a number"
				}
			}
		}
		return fmt.Sprintf("--%s %q: %s", name, val, why)
	}
	return msg
}

// badFlagValue matches the flag package's message for a value its flag
// does not take: `invalid value "x" for flag -now: ...`.
var badFlagValue = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-(\S+): (.*)$`)

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// usageError prints msg and a hint to run --help, and returns exitUsage.
func usageError(e *env, c *command, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "baton %s: %s\n", c.name, fmt.Sprintf(format, args...))
	fmt.Fprintf(e.stderr, "Usage: baton %s\nRun 'baton %s --help' for the options.\n", c.usage, c.name)
	return exitUsage
}

// oneFlowFile returns the one flow file a command takes from its
// positional arguments; with none or several it prints the usage error
// and reports false (the command then exits with exitUsage).
func oneFlowFile(e *env, c *command, pos []string) (string, bool) {
	switch len(pos) {
	case 1:
		if fi, err := os.Stat(pos[0]); err == nil && fi.IsDir() {
			usageError(e, c, "%s is a directory; give a flow file in it, e.g. baton %s flows/bot.yaml", pos[0], c.name)
			return "", false
		}
		return pos[0], true
	case 0:
		usageError(e, c, "no flow file given")
	default:
		usageError(e, c, "one flow file at a time, got %d: %s", len(pos), strings.Join(pos, " "))
	}
	return "", false
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// langHint is the "; did you mean" of a --lang the flow does not speak
// (eng for en), or "".
func langHint(lang string, speaks []string) string {
	if m := dsl.MeantLanguage(lang, speaks); m != "" {
		return fmt.Sprintf("; did you mean %q?", m)
	}
	return ""
}
