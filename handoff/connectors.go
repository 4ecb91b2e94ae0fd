package handoff

import (
	"errors"
	"fmt"
	"strings"

	"github.com/batonbot/baton/flows"
)

// Connectors from a deployment config: what `connectors:` and the teams'
// agents say, turned into the connectors a host delivers with.

// NewConnector builds the connector name (zendesk, freshdesk or webhook) of
// cfg: its credentials, groups, custom fields, tags, conversation field,
// the agents' helpdesk ids (WithAssignees), masking and the conversation
// link. opts come after those (WithHTTPClient, WithClock, DryRun...).
func NewConnector(cfg *Config, name string, opts ...ConnectorOption) (flows.Connector, error) {
	if cfg == nil {
		return nil, errors.New("handoff: NewConnector needs a config; load baton.yaml with config.Load")
	}
	common := ConfigOptions(cfg)
	cc := cfg.Connectors
	switch name {
	case "zendesk":
		z := cc.Zendesk
		if z == nil {
			break
		}
		o := append(common, WithGroups(z.Groups), WithCustomFields(z.Fields), WithMaskedFields(z.MaskedFields...), WithTags(z.Tags...),
			WithAssignees(cfg.Assignees(name)), WithRequesterUpdates(z.RequesterUpdates))
		if z.BaseURL != "" {
			o = append(o, WithBaseURL(z.BaseURL))
		}
		if z.ConversationField != "" {
			o = append(o, WithConversationField(z.ConversationField))
		}
		auth := ZendeskAPIToken(z.Email, z.Token)
		if z.OAuthToken != "" {
			auth = ZendeskOAuth(z.OAuthToken)
		}
		return NewZendesk(z.Subdomain, auth, append(o, opts...)...)
	case "freshdesk":
		f := cc.Freshdesk
		if f == nil {
			break
		}
		o := append(common, WithGroups(f.Groups), WithCustomFields(f.Fields), WithMaskedFields(f.MaskedFields...), WithTags(f.Tags...),
			WithAssignees(cfg.Assignees(name)), WithSearchWindow(f.SearchWindow), WithUniqueExternalID(f.UniqueExternalID))
		if f.BaseURL != "" {
			o = append(o, WithBaseURL(f.BaseURL))
		}
		if f.ConversationField != "" {
			o = append(o, WithConversationField(f.ConversationField))
		}
		return NewFreshdesk(f.Domain, f.APIKey, append(o, opts...)...)
	case "webhook":
		w := cc.Webhook
		if w == nil {
			break
		}
		links, err := cfg.MediaLinks()
		if err != nil {
			return nil, fmt.Errorf("connectors.webhook.media_url: %w", err)
		}
		if links != nil {
			common = append(common, WithMediaLinks(links))
		}
		return NewWebhook(w.URL, w.Secret, append(common, opts...)...)
	}
	return nil, fmt.Errorf("connector %q is not configured in %s; configured: %s", name, cfg.Source, strings.Join(cc.Names(), ", "))
}

// Connectors builds every built-in connector cfg configures, by name, for
// a Deliverer (Router.Resolver); the custom ones (ConfigConnectors.Custom)
// are the program's to build. It reports every connector that could not
// be built, and an error when cfg configures none.
func Connectors(cfg *Config, opts ...ConnectorOption) (map[string]flows.Connector, error) {
	return buildAll(cfg, func(name string) (flows.Connector, error) { return NewConnector(cfg, name, opts...) })
}

// Recorders builds a Recorder per connector cfg configures: the same
// connectors in dry-run mode, which send nothing and record what they
// would send (a sandbox, `baton chat`, tests). opts are passed to each
// connector (WithClock for the webhook's timestamps).
func Recorders(cfg *Config, opts ...ConnectorOption) (map[string]*Recorder, error) {
	return buildAll(cfg, func(name string) (*Recorder, error) {
		return NewRecorder(func(dry ConnectorOption) (flows.Connector, error) {
			return NewConnector(cfg, name, append([]ConnectorOption{dry}, opts...)...)
		})
	})
}

func buildAll[T any](cfg *Config, build func(name string) (T, error)) (map[string]T, error) {
	if cfg == nil {
		return nil, errors.New("handoff: building connectors needs a config; load baton.yaml with config.Load")
	}
	out := map[string]T{}
	var errs []error
	for _, name := range cfg.Connectors.builtin() {
		c, err := build(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[name] = c
	}
	if len(out) == 0 && len(errs) == 0 {
		return nil, fmt.Errorf("%s configures no connector; add zendesk, freshdesk or webhook under connectors", cfg.Source)
	}
	return out, errors.Join(errs...)
}
