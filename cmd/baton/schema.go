package main

import (
	"context"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/dsl"
)

var schemaCmd = &command{
	name:    "schema",
	usage:   "schema flow|config",
	summary: "print the JSON Schema of flow files or deployment configs, for editors",
}

func init() {
	schemaCmd.run = runSchema
	register(schemaCmd)
}

const schemaAbout = `
Prints a JSON Schema (draft 2020-12) on stdout: "flow" for flow files and
the files they include, "config" for deployment configs (baton.yaml). Each
is generated from the definitions the loader itself uses, so it always
matches what baton validate accepts. Save it next to your flows and point
your editor at it; with VS Code's YAML extension, a first line

  # yaml-language-server: $schema=./flow.schema.json

gives completion and checks while you type.

Exit status: 0, or 2 for usage errors.`

func runSchema(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(schemaCmd, schemaAbout, e.stderr)
	pos, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, schemaCmd, "name one schema: flow or config")
	}
	switch pos[0] {
	case "flow":
		_, _ = e.stdout.Write(dsl.Schema())
	case "config":
		_, _ = e.stdout.Write(configSchema())
	default:
		if s := suggest(pos[0], []string{"flow", "config"}); s != "" {
			return usageError(e, schemaCmd, "unknown schema %q; did you mean %q?", pos[0], s)
		}
		return usageError(e, schemaCmd, "unknown schema %q: use flow or config", pos[0])
	}
	return exitOK
}

// configSchema is the deployment config's schema (package config).
func configSchema() []byte { return config.Schema() }
