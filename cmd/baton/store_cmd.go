package main

import (
	"context"
	"fmt"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
)

var storeCmd = &command{
	name:    "store",
	usage:   "store migrate OLD.json NEW.db",
	summary: "carry a JSON file store of an earlier Baton over to a store file",
}

func init() {
	storeCmd.run = runStore
	register(storeCmd)
}

const storeAbout = `
  baton store migrate OLD.json NEW.db
      copies the sessions, the outbox (dead letters included, with their
      attempts and errors), the tickets and the agents' loads of the JSON
      file store earlier Batons wrote ('baton chat --live --store FILE')
      into the bbolt store file NEW.db (created when missing). What NEW.db
      holds already is kept; migrating twice copies nothing more. OLD.json
      is left as it was.

Exit status: 0 ok, 2 for usage errors (an old store that does not exist
too), 3 when a file cannot be read or written.`

func runStore(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		return usageError(e, storeCmd, "say what to do: migrate")
	}
	switch args[0] {
	case "migrate":
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(e.stdout, "usage: baton %s\n%s\n", storeCmd.usage, storeAbout)
		return exitOK
	default:
		return usageError(e, storeCmd, "unknown subcommand %q (migrate)", args[0])
	}
	fs := newFlagSet(storeCmd, storeAbout, e.stderr)
	pos, code, done := parseFlags(e, fs, args[1:])
	if done {
		return code
	}
	if len(pos) != 2 {
		return usageError(e, storeCmd, "migrate takes the old JSON store and the new store file, got %d arguments", len(pos))
	}
	from, to := pos[0], pos[1]
	if code, bad := missingPaths(e, storeCmd, from); bad {
		return code
	}
	s, err := bolt.Open(to)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton store: %v\n", err)
		return exitRuntime
	}
	n, err := s.ImportJSON(ctx, from)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "baton store: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(e.stdout, "migrated %s to %s: %s, %s, %s, %s", from, to, flows.Plural(n.Sessions, "session"), flows.Plural(n.Items, "outbox item"),
		flows.Plural(n.Tickets, "ticket"), flows.Plural(n.Loads, "agent load"))
	if n.Skipped > 0 {
		fmt.Fprintf(e.stdout, " (%d already there, kept)", n.Skipped)
	}
	fmt.Fprintln(e.stdout)
	return exitOK
}
