package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/batonbot/baton/scaffold"
)

var initCmd = &command{
	name:    "init",
	usage:   "init [--lang it|en|es] [--name NAME] [--force] [DIR]",
	summary: "start a new bot: a flow, its tests, a deployment config and a README",
}

func init() {
	initCmd.run = runInit
	register(initCmd)
}

const initAbout = `
Writes a new project into DIR (default: the current directory; created
when missing) for a conversation designer to start from:

  flows/bot.yaml       the flow: a welcome menu, opening hours, an email
                       question, a handoff to a person (a ticket out of
                       hours) and a satisfaction survey
  tests/bot.yaml       its conversation tests
  baton.yaml           the deployment config: handoffs to a signed webhook,
                       the team's hours, the store, the web chat (WhatsApp
                       and Telegram commented out)
  README.md            what to run next
  flow.schema.json, config.schema.json   for editors' completion

The flow speaks the language given with --lang (it, en or es; several as
it,en, the first the default); on a terminal, init asks, else it is en.
It passes 'baton validate' and 'baton test' as written. A DIR with files
in it (a .git alone does not count) is refused unless --force, which
replaces the files of the same names and keeps the others.

Exit status: 0 when written, 2 for usage errors (an unknown language, a
DIR that is not empty or is a file), 3 when a file cannot be written.`

func runInit(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(initCmd, initAbout, e.stderr)
	lang := fs.String("lang", "", "the bot's `languages`: it, en or es, or several as it,en (the first is the default)")
	force := fs.Bool("force", false, "write into a directory that is not empty, replacing the files of the same names")
	name := fs.String("name", "", "the bot's `name`, as customers read it; the flow is named after it (default: the directory's name)")
	pos, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	if len(pos) > 1 {
		return usageError(e, initCmd, "give one directory, not %d", len(pos))
	}
	dir := "."
	if len(pos) == 1 {
		dir = pos[0]
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return usageError(e, initCmd, "%s is a file, not a directory; give the directory of the new project (baton init my-bot)", dir)
	}
	var ask func(string) string
	if isTerminal(e.stdin) && isTerminal(e.stderr) {
		ask = func(q string) string { return askLine(e, q) }
	}
	langs, err := initLangs(e, *lang, ask)
	if err != nil {
		return usageError(e, initCmd, "--lang: %v", err)
	}
	files, err := scaffold.Write(scaffold.Options{Dir: dir, Langs: langs, Name: *name, Force: *force})
	switch {
	case errors.Is(err, scaffold.ErrNotEmpty):
		return usageError(e, initCmd, "%s is not empty; give a new directory (baton init my-bot), or add --force to write into it, replacing the files of the same names", dir)
	case err != nil:
		fmt.Fprintf(e.stderr, "baton init: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(e.stdout, "Created a bot in %s (%s):\n", dir, strings.Join(langs, ", "))
	for _, f := range files {
		fmt.Fprintf(e.stdout, "  %s\n", f.Path)
	}
	fmt.Fprintln(e.stdout, "Next:")
	if dir != "." {
		fmt.Fprintf(e.stdout, "  cd %s\n", dir)
	}
	fmt.Fprintln(e.stdout, "  baton chat --watch flows/bot.yaml   # talk to it; saving the flow reloads it")
	fmt.Fprintln(e.stdout, "  baton test tests/                   # its conversation tests")
	fmt.Fprintln(e.stdout, "  baton validate --config baton.yaml  # the deployment config and its flow")
	return exitOK
}

// initLangs is the --lang value, or on a terminal (ask) the answer to a
// question, asked again until it names known languages; otherwise en.
func initLangs(e *env, flag string, ask func(string) string) ([]string, error) {
	if flag != "" {
		return scaffold.ParseLangs(flag)
	}
	if ask == nil {
		fmt.Fprintln(e.stderr, "baton init: the bot speaks English (--lang it, en or es chooses)")
		return []string{"en"}, nil
	}
	for range 5 {
		answer := ask("Which language will the bot speak? it (Italian), en (English) or es (Spanish); several as it,en [en]: ")
		if answer == "" {
			return []string{"en"}, nil
		}
		langs, err := scaffold.ParseLangs(answer)
		if err == nil {
			return langs, nil
		}
		fmt.Fprintf(e.stderr, "%v\n", err)
	}
	return nil, errors.New("no language chosen")
}
