package host

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// MediaFetcher is the fetcher of a conversation's customer media: its
// channel account's sender, when that can download files (WhatsApp,
// Telegram); nil otherwise. Connectors attach the files to tickets with it.
func (h *Host) MediaFetcher(conversation string) flows.MediaFetcher {
	a, err := h.account(conversation)
	if err != nil || a.Sender == nil {
		return nil
	}
	f, _ := a.Sender.(flows.MediaFetcher)
	return f
}

// media mounts the endpoint the generic webhook's media links point at
// (connectors.webhook.media_url), when the config has one.
func (s *Server) media() error {
	links, err := s.cfg.Handoff.MediaLinks()
	if err != nil {
		return fmt.Errorf("connectors.webhook.media_url: %w", err)
	}
	if links == nil {
		return nil
	}
	h, err := handoff.NewMediaHandler(links, s.Host.MediaFetcher, s.cfg.Handoff.Delivery.MaxAttachment)
	if err != nil {
		return err
	}
	u, _ := url.Parse(s.cfg.Handoff.Connectors.Webhook.MediaURL)
	p := strings.TrimRight(u.Path, "/") + "/"
	s.mux.Handle("GET "+p, h)
	s.spared = append(s.spared, p) // signed links, fetched with the public URL's name
	return nil
}
