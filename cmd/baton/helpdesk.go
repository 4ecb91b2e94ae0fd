package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// The deployment config (baton.yaml) in the CLI: loading it for the sandbox
// (where a missing secret is a placeholder, since nothing is sent) or for
// --live (where it is an error), and building its connectors.

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

// buildConnector builds the connector name of cfg with opts (DryRun in the
// sandbox, WithHTTPClient in tests).
func buildConnector(cfg *handoff.Config, name string, opts ...handoff.ConnectorOption) (flows.Connector, error) {
	common := []handoff.ConnectorOption{handoff.WithMasking(cfg.Masking)}
	if cfg.Link != "" {
		common = append(common, handoff.WithConversationURL(strings.ReplaceAll(cfg.Link, "{id}", "{conversation_id}")))
	}
	cc := cfg.Connectors
	switch name {
	case "zendesk":
		z := cc.Zendesk
		if z == nil {
			break
		}
		o := append(common, handoff.WithGroups(z.Groups), handoff.WithCustomFields(z.Fields), handoff.WithTags(z.Tags...),
			handoff.WithAssignees(cfg.Assignees(name)))
		if z.BaseURL != "" {
			o = append(o, handoff.WithBaseURL(z.BaseURL))
		}
		if z.ConversationField != "" {
			o = append(o, handoff.WithConversationField(z.ConversationField))
		}
		return handoff.NewZendesk(z.Subdomain, handoff.ZendeskAPIToken(z.Email, z.Token), append(o, opts...)...)
	case "freshdesk":
		f := cc.Freshdesk
		if f == nil {
			break
		}
		o := append(common, handoff.WithGroups(f.Groups), handoff.WithCustomFields(f.Fields), handoff.WithTags(f.Tags...),
			handoff.WithAssignees(cfg.Assignees(name)))
		if f.BaseURL != "" {
			o = append(o, handoff.WithBaseURL(f.BaseURL))
		}
		if f.ConversationField != "" {
			o = append(o, handoff.WithConversationField(f.ConversationField))
		}
		return handoff.NewFreshdesk(f.Domain, f.APIKey, append(o, opts...)...)
	case "webhook":
		w := cc.Webhook
		if w == nil {
			break
		}
		secret := w.Secret
		if isPlaceholder(secret) {
			secret = sandboxWebhookSecret
		}
		return handoff.NewWebhook(w.URL, secret, append(common, opts...)...)
	}
	return nil, fmt.Errorf("connector %q is not configured in %s; configured: %s", name, cfg.Source, strings.Join(cc.Names(), ", "))
}

// buildConnectors builds every configured connector.
func buildConnectors(cfg *handoff.Config, opts ...handoff.ConnectorOption) (map[string]flows.Connector, error) {
	out := map[string]flows.Connector{}
	var errs []error
	for _, name := range cfg.Connectors.Names() {
		c, err := buildConnector(cfg, name, opts...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[name] = c
	}
	if len(out) == 0 && len(errs) == 0 {
		return nil, fmt.Errorf("%s configures no connector: add zendesk, freshdesk or webhook under connectors:", cfg.Source)
	}
	return out, errors.Join(errs...)
}

// recorders builds a Recorder per configured connector: the sandbox's
// connectors, which send nothing and record what they would send, with
// the sandbox's clock (webhook timestamps).
func recorders(cfg *handoff.Config, now func() time.Time) (map[string]*handoff.Recorder, error) {
	out := map[string]*handoff.Recorder{}
	var errs []error
	for _, name := range cfg.Connectors.Names() {
		rec, err := handoff.NewRecorder(func(dry handoff.ConnectorOption) (flows.Connector, error) {
			return buildConnector(cfg, name, dry, handoff.WithClock(now))
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[name] = rec
	}
	if len(out) == 0 && len(errs) == 0 {
		return nil, fmt.Errorf("%s configures no connector: add zendesk, freshdesk or webhook under connectors:", cfg.Source)
	}
	return out, errors.Join(errs...)
}
