package sandbox

import (
	"strings"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/handoff"
)

// The deployment config (baton.yaml) in the CLI: loading it for the sandbox
// (where a missing secret is a placeholder, since nothing is sent) or for
// --live (where it is an error). handoff.Connectors and handoff.Recorders
// build its connectors.

// Deployment is a loaded deployment config and what loading it noticed.
type Deployment struct {
	All     *config.Config
	Handoff *handoff.Config
	// placeholders are the environment variables the config references
	// that are not set; the sandbox stands in "${NAME}" for them.
	Placeholders []string
}

// LoadDeployment reads the deployment config at path. getenv reads the
// environment ("" means unset). In the sandbox (live false) an unset
// variable is not an error: it reads as a placeholder (config.Placeholder),
// which is redacted wherever it would show, since nothing is sent. With
// live true every referenced variable must be set. extra are further
// options of config.Load (config.WithReadFile).
func LoadDeployment(path string, getenv func(string) string, live bool, extra ...config.Option) (*Deployment, error) {
	opts := []config.Option{config.WithEnv(func(name string) (string, bool) {
		if getenv == nil {
			return "", false
		}
		v := getenv(name)
		return v, v != ""
	})}
	if !live {
		opts = append(opts, config.WithPlaceholders())
	}
	c, diags := config.Load(path, append(opts, extra...)...)
	if diags.HasErrors() {
		return nil, diags.Err()
	}
	d := &Deployment{All: c, Handoff: c.Handoff}
	for _, p := range c.Placeholders {
		if !handoffKey(p.Where) {
			continue // serve's sections: the chat does not use them
		}
		if !contains(d.Placeholders, p.Name) {
			d.Placeholders = append(d.Placeholders, p.Name)
		}
	}
	return d, nil
}

// handoffKey reports whether a config key belongs to the helpdesk side
// the chat uses (not serve's server, store, channels and bridge).
func handoffKey(where string) bool {
	for _, p := range []string{"server.", "store.", "channels.", "bridge."} {
		if strings.HasPrefix(where, p) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
