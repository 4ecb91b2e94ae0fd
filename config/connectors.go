package config

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

func (d *decoder) connectors(n *yaml.Node) handoff.ConfigConnectors {
	var c handoff.ConfigConnectors
	var defNode *yaml.Node
	for _, f := range d.mapping(n, "connectors", connectorsKeys...) {
		switch f.key.Value {
		case "default":
			defNode = f.val
			c.Default = d.str(f.val, "connectors.default")
		case "zendesk":
			z := &handoff.ConfigZendesk{}
			var behalf *yaml.Node
			for _, g := range d.mapping(f.val, "connectors.zendesk", zendeskKeys...) {
				w := "connectors.zendesk." + g.key.Value
				switch g.key.Value {
				case "subdomain":
					z.Subdomain = d.str(g.val, w)
				case "base_url":
					z.BaseURL = d.url(g.val, w)
				case "email":
					z.Email = d.str(g.val, w)
				case "token":
					z.Token = d.str(g.val, w)
				case "oauth_token":
					z.OAuthToken = d.str(g.val, w)
				case "requester_updates":
					behalf = g.val
					z.RequesterUpdates = d.boolean(g.val, w)
				case "groups":
					z.Groups = d.groups(g.val, w)
				case "fields":
					z.Fields, z.MaskedFields = d.fields(g.val, w)
				case "conversation_field":
					z.ConversationField = d.str(g.val, w)
				case "tags":
					z.Tags = d.list(g.val, w)
				}
			}
			if z.Subdomain == "" && z.BaseURL == "" {
				d.errorf(f.key, "connectors.zendesk needs subdomain (acme for acme.zendesk.com) or base_url")
			}
			if z.OAuthToken == "" && (z.Email == "" || z.Token == "") {
				d.errorf(f.key, "connectors.zendesk needs email and token (an API token: token: ${BATON_ZENDESK_TOKEN}), or oauth_token")
			}
			if z.RequesterUpdates && z.OAuthToken == "" {
				d.errorf(behalf, "connectors.zendesk.requester_updates needs oauth_token: an OAuth token with the impersonate scope, so the customer's messages are the requester's own updates")
			}
			c.Zendesk = z
		case "freshdesk":
			fd := &handoff.ConfigFreshdesk{}
			for _, g := range d.mapping(f.val, "connectors.freshdesk", freshdeskKeys...) {
				w := "connectors.freshdesk." + g.key.Value
				switch g.key.Value {
				case "domain":
					fd.Domain = d.str(g.val, w)
				case "base_url":
					fd.BaseURL = d.url(g.val, w)
				case "api_key":
					fd.APIKey = d.str(g.val, w)
				case "groups":
					fd.Groups = d.groups(g.val, w)
				case "fields":
					fd.Fields, fd.MaskedFields = d.fields(g.val, w)
				case "conversation_field":
					fd.ConversationField = d.str(g.val, w)
				case "tags":
					fd.Tags = d.list(g.val, w)
				case "search_window":
					if fd.SearchWindow = d.duration(g.val, w); fd.SearchWindow > time.Hour {
						d.errorf(g.val, "%s is at most 1h: an open waits that long before it may create a ticket", w)
					}
				case "unique_external_id":
					fd.UniqueExternalID = d.boolean(g.val, w)
				}
			}
			if fd.Domain == "" && fd.BaseURL == "" {
				d.errorf(f.key, "connectors.freshdesk needs domain (acme.freshdesk.com) or base_url")
			}
			if fd.APIKey == "" {
				d.errorf(f.key, "connectors.freshdesk needs api_key (api_key: ${BATON_FRESHDESK_API_KEY})")
			}
			c.Freshdesk = fd
		case "webhook":
			w := &handoff.ConfigWebhook{}
			for _, g := range d.mapping(f.val, "connectors.webhook", webhookKeys...) {
				switch g.key.Value {
				case "url":
					w.URL = d.url(g.val, "connectors.webhook.url")
				case "secret":
					w.Secret = d.str(g.val, "connectors.webhook.secret")
					if w.Secret != "" && !IsPlaceholder(w.Secret) && !webhookSecret(w.Secret) {
						d.errorf(g.val, "connectors.webhook.secret must be a Standard Webhooks secret: whsec_ followed by base64 (e.g. whsec_%s)",
							base64.StdEncoding.EncodeToString([]byte("a random secret 24 bytes")))
					}
				case "media_url":
					w.MediaURL = d.url(g.val, "connectors.webhook.media_url")
					if u, err := url.Parse(w.MediaURL); err == nil && strings.Trim(u.Path, "/") == "" {
						d.errorf(g.val, "connectors.webhook.media_url needs a path, such as https://baton.example.com/media: baton serves the files under it")
					}
				case "media_link_ttl":
					if w.MediaLinkTTL = d.duration(g.val, "connectors.webhook.media_link_ttl"); w.MediaLinkTTL > 7*24*time.Hour {
						d.errorf(g.val, "connectors.webhook.media_link_ttl is at most 7d: the channel keeps media about that long")
					}
				}
			}
			if w.URL == "" {
				d.errorf(f.key, "connectors.webhook needs url")
			}
			c.Webhook = w
		}
	}
	c.Custom = d.customConnectors(n)
	names := c.Names()
	switch {
	case c.Default == "" && len(names) == 1:
		c.Default = names[0]
	case c.Default == "" && len(names) > 1:
		d.errorf(n, "connectors: %s are configured; say which one handoffs go to with default: %s", strings.Join(names, " and "), names[0])
	case c.Default != "" && !cfgContains(names, c.Default):
		d.unknownConnector(cfgResolve(defNode), c.Default, "connectors.default", names)
	}
	return c
}

// customConnectors returns the names given to WithConnectors, reporting
// those a connector of the config's own already has (at n, the
// connectors section, or the file's start).
func (d *decoder) customConnectors(n *yaml.Node) []string {
	var out []string
	for _, name := range d.custom {
		switch {
		case name == "" || slices.Contains(connectorsKeys, name):
			d.errorf(n, "the program names a connector of its own %q, which is a key of connectors:; name it otherwise (config.WithConnectors)", name)
		case slices.Contains(out, name):
			d.errorf(n, "the program names its connector %q twice (config.WithConnectors)", name)
		default:
			out = append(out, name)
		}
	}
	return out
}

// groups reads team → group id, recording the teams for crossCheck.
func (d *decoder) groups(n *yaml.Node, where string) map[string]string {
	out := map[string]string{}
	for _, f := range d.mapping(n, where) {
		out[f.key.Value] = d.str(f.val, where+"."+f.key.Value)
		d.teamRefs = append(d.teamRefs, cfgRef{node: f.key, name: f.key.Value, where: where})
	}
	return out
}

func (d *decoder) unknownConnector(n *yaml.Node, name, where string, names []string) {
	msg := fmt.Sprintf("%s: connector %q is not configured", where, name)
	if s := flows.Suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		if len(names) > 0 {
			msg += "; configured: " + strings.Join(names, ", ") + "; or,"
		} else {
			msg += "; add it under connectors:, or,"
		}
		// A connector of a program's own (README, "Extending Baton").
		msg += fmt.Sprintf(" when a program of your own provides it, load the config with config.WithConnectors(%q) (baton validate --connector %s)", name, name)
	}
	d.report(dsl.Error, d.pos(n), msg)
}
