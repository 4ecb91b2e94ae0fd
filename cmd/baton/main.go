// Command baton runs, checks and tests Baton flows. See `baton help`.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"

	"github.com/batonbot/baton/flows"
)

// Exit codes shared by every command.
const (
	exitOK      = 0
	exitFailed  = 1 // the command ran and found problems (invalid flow, failing test)
	exitUsage   = 2 // the command line is wrong
	exitRuntime = 3 // something outside broke (file unreadable, server down)
)

// env is what a command may touch of the outside world; tests give fakes.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// getenv reads the process environment (secrets, config).
	getenv func(string) string
}

// command is one `baton NAME` subcommand. Each lives in its own file and
// registers itself in init.
type command struct {
	name    string
	usage   string // e.g. "validate FLOW..."
	summary string // one line for `baton help`
	run     func(ctx context.Context, e *env, args []string) int
}

var commands = map[string]*command{}

// suggest is the "did you mean" every command uses, shared with the flow
// loader and the deployment config so all three suggest alike.
var suggest = flows.Suggest

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("baton: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run dispatches args to a command and returns the exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run(ctx, e, []string{"--help"})
			}
		}
		usage(e.stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.stderr, "baton: unknown command %q", name)
		if s := suggest(name, commandNames()); s != "" {
			fmt.Fprintf(e.stderr, "; did you mean %q?", s)
		}
		fmt.Fprintln(e.stderr, "\nRun 'baton help' for the list of commands.")
		return exitUsage
	}
	return c.run(ctx, e, args[1:])
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Baton runs customer-support bots written as YAML flows.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  baton COMMAND [options] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, n := range commandNames() {
		c := commands[n]
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'baton COMMAND --help' for a command's options.")
}
