// Package config decodes a deployment's configuration (baton.yaml) with
// the same diagnostics as flows: every problem at once, each as
// `path:line:col: error: message` with "did you mean" for misspelt keys.
//
// A config has the helpdesk side, decoded into the plain values package
// handoff runs on (handoff.Config: connectors, teams, routing, priority,
// SLA, notifications, NLU, masking, messages), and the sections of
// `baton serve`: server (listen address, shutdown and worker limits),
// store (memory, bolt or valkey), channels (WhatsApp phone numbers,
// Telegram bots, web widgets, each with its flow) and bridge (the secrets
// of the endpoints helpdesks call back).
//
// Secrets are never written in the file: ${NAME} is replaced by the
// environment variable NAME (WithEnv), also unquoted inside a flow mapping
// such as {secret: ${X}}. An unset variable is an error naming it, or with
// WithPlaceholders a placeholder the sandbox and `baton validate` accept.
//
// config is a wiring package: it may import handoff, dsl and the channel
// and store packages; they never import it.
package config
