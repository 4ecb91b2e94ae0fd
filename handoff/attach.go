package handoff

import (
	"context"
	"errors"
	"fmt"

	"github.com/batonbot/baton/flows"
)

// Media the customer sends after the handoff (a WhatsApp photo, voice
// note, document) goes to the ticket with the message: downloaded through
// the channel's flows.MediaFetcher (WithMedia) and attached (Zendesk: an
// upload whose token the comment names; Freshdesk: a multipart note) or,
// for the generic webhook, linked with a signed, expiring URL (MediaLinks).
// A file over the size cap, or one the channel no longer has, is not
// attached: the update says so in a line of its own, so the agent knows
// to ask. Media sent to the bot before the handoff is described in the
// transcript ("[image] broken box").

// DefaultMaxAttachment caps a file attached to a ticket (10 MiB).
const DefaultMaxAttachment = 10 << 20

// MediaFetchers returns the fetcher of a conversation's customer media
// (the conversation's channel account), or nil when none can fetch it.
type MediaFetchers func(conversationID string) flows.MediaFetcher

// WithMedia attaches the customer's media to tickets, fetched through
// fetchers (a host's channel accounts).
func WithMedia(fetchers MediaFetchers) ConnectorOption {
	return func(o *connOptions) { o.media = fetchers }
}

// WithMaxAttachment caps a file attached to a ticket (default 10 MiB);
// a larger one is not attached and the update says so.
func WithMaxAttachment(max int64) ConnectorOption {
	return func(o *connOptions) {
		if max > 0 {
			o.maxMedia = max
		}
	}
}

// isFile reports whether media is a file to attach (not a location or
// contact cards).
func isFile(m *flows.Media) bool {
	if m == nil || m.ID == "" {
		return false
	}
	switch m.Kind {
	case flows.MediaLocation, flows.MediaContacts:
		return false
	}
	return true
}

// fetchAttachments downloads the files of msgs. A file that cannot be
// attached for good (too large, gone, no channel to fetch it) becomes a
// line in skipped; a failure that may pass (the channel's API down) is
// returned, so the whole update is retried.
func (o *connOptions) fetchAttachments(ctx context.Context, connector string, msgs []flows.TicketMessage) (files []flows.MediaFile, skipped []string, err error) {
	a, _ := AttemptFrom(ctx)
	for _, m := range msgs {
		md := m.Message.Media
		if !isFile(md) {
			continue
		}
		name := md.Filename
		if name == "" {
			name = md.Kind
		}
		var fetcher flows.MediaFetcher
		if o.media != nil {
			fetcher = o.media(a.Conversation)
		}
		if fetcher == nil {
			skipped = append(skipped, fmt.Sprintf("(%s not attached: Baton cannot download media from this channel; ask the customer to send it another way)", name))
			continue
		}
		f, ferr := fetcher.FetchMedia(ctx, *md, o.maxMedia)
		switch {
		case ferr == nil:
			if f.Name == "" {
				f.Name = name
			}
			files = append(files, f)
		case errors.Is(ferr, flows.ErrMediaTooLarge):
			skipped = append(skipped, fmt.Sprintf("(%s not attached: it is over the %s limit; ask the customer for a smaller file or another way)", name, byteSize(o.maxMedia)))
		default:
			if _, temporary := flows.RetryAfter(ferr); temporary || ctx.Err() != nil {
				return nil, nil, &Error{Connector: connector, Op: "append.media", Retryable: true,
					Err: fmt.Errorf("downloading the customer's %s: %w", md.Kind, ferr)}
			}
			skipped = append(skipped, fmt.Sprintf("(%s not attached: the channel did not give it: %s)", name, clip(Redact(ferr.Error()), 200)))
		}
	}
	return files, skipped, nil
}

// byteSize writes n bytes the way people read it.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
