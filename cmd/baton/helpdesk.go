package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/batonbot/baton/handoff"
)

// The deployment config (baton.yaml) in the CLI: loading it for the sandbox
// (where a missing secret is a placeholder, since nothing is sent) or for
// --live (where it is an error). handoff.Connectors and handoff.Recorders
// build its connectors.

// deployment is a loaded deployment config and what loading it noticed.
type deployment struct {
	cfg *handoff.Config
	// placeholders are the environment variables the config references
	// that are not set; the sandbox stands in "${NAME}" for them.
	placeholders []string
}

// placeholderRef matches the sandbox's stand-in for an unset variable.
var placeholderRef = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)

// loadDeployment reads the deployment config at path. getenv reads the
// environment ("" means unset). In the sandbox (live false) an unset
// variable is not an error: it reads as the placeholder "${NAME}" (a URL
// for names ending in URL, so URL checks pass), which is redacted wherever
// it would show, since nothing is sent. With live true every referenced
// variable must be set.
func loadDeployment(path string, getenv func(string) string, live bool) (*deployment, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the deployment config: %w; give the path of a baton.yaml (examples/baton.yaml is a complete one)", err)
	}
	d := &deployment{}
	lookup := func(name string) (string, bool) {
		if getenv != nil {
			if v := getenv(name); v != "" {
				return v, true
			}
		}
		if live {
			return "", false
		}
		if !contains(d.placeholders, name) {
			d.placeholders = append(d.placeholders, name)
		}
		return placeholderFor(name), true
	}
	cfg, err := handoff.ParseConfig(path, src, lookup)
	if err != nil {
		return nil, err
	}
	sort.Strings(d.placeholders)
	if w := cfg.Connectors.Webhook; w != nil && !live && isPlaceholder(w.Secret) {
		w.Secret = sandboxWebhookSecret // nothing is sent: any valid secret signs
	}
	d.cfg = cfg
	return d, nil
}

// placeholderFor is what an unset variable reads as in the sandbox.
func placeholderFor(name string) string {
	if strings.HasSuffix(strings.ToUpper(name), "URL") {
		return "https://env.invalid/" + name
	}
	return "${" + name + "}"
}

func isPlaceholder(s string) bool {
	return placeholderRef.MatchString(s) || strings.HasPrefix(s, "https://env.invalid/")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sandboxWebhookSecret signs webhook requests in the sandbox when the real
// secret is not set: the signature's shape is what matters there.
var sandboxWebhookSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("baton sandbox placeholder"))
