package handoff

import (
	"strings"

	"github.com/batonbot/baton/flows"
)

// What a connector of a program's own needs to treat a deployment's
// tickets as the built-in connectors do (examples/connector).

// ConfigOptions returns the options cfg gives every connector: masking
// (masking:), the team's time zone and the default team's for tickets of
// none, the link back to the conversation (link:), the call timeout and
// the attachment limit (delivery:). A program passes them to its own
// connector, before its own options, so that its tickets honour the
// config as the built-in ones do.
func ConfigOptions(cfg *Config) []ConnectorOption {
	if cfg == nil {
		return nil
	}
	opts := []ConnectorOption{WithMasking(cfg.Masking), WithTeamLocations(cfg.TeamLocations())}
	if cfg.Delivery.CallTimeout > 0 {
		opts = append(opts, WithCallTimeout(cfg.Delivery.CallTimeout))
	}
	if cfg.Delivery.MaxAttachment > 0 {
		opts = append(opts, WithMaxAttachment(cfg.Delivery.MaxAttachment))
	}
	if def := cfg.Teams[cfg.Routing.DefaultTeam]; def != nil && def.Hours != nil && def.Hours.Location != nil {
		opts = append(opts, WithLocation(def.Hours.Location)) // tickets of no team
	}
	if cfg.Link != "" {
		opts = append(opts, WithConversationURL(strings.ReplaceAll(cfg.Link, "{id}", "{conversation_id}")))
	}
	return opts
}

// ForTicket returns h as a ticket may show it: its Summary filled
// (Summarize, unless the flow or a model wrote one) and, with
// WithMasking(true), its transcript, variables, signals' entities and
// summary masked (flows.MaskPII); the contact is left as it is, for the
// helpdesk to know its requester. h is not modified. A connector that
// renders its own format renders ForTicket(h, opts...), as
// TranscriptHTML and the webhook connector do.
func ForTicket(h *flows.Handoff, opts ...ConnectorOption) *flows.Handoff {
	if h == nil {
		return nil
	}
	return maskedCopy(h, buildOptions(opts).render.mask)
}

// ForTicketMessage returns a customer's later message (Connector.Append)
// as a ticket may show it: with WithMasking(true), its text and choice
// masked.
func ForTicketMessage(m flows.Message, opts ...ConnectorOption) flows.Message {
	if buildOptions(opts).render.mask {
		m.Text, m.Choice = flows.MaskPII(m.Text), flows.MaskPII(m.Choice)
	}
	return m
}
