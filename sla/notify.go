package sla

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"strconv"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// Notifier sends SLA alerts to a Slack incoming webhook, a Microsoft
// Teams incoming webhook and/or a webhook of one's own, each message with
// a link to the ticket.
type Notifier struct {
	Slack   string
	Teams   string
	Webhook string
	// Sign, when set, signs webhook requests with Standard Webhooks headers
	// (handoff.SignWebhook with the secret).
	Sign   func(id string, ts time.Time, body []byte) (string, error)
	Client *http.Client

	// sent holds the destinations that took an alert whose Alert failed
	// elsewhere, so the caller's retry posts it only where it failed.
	mu   sync.Mutex
	sent map[string]bool
}

// maxSent bounds Notifier.sent (alerts that kept failing somewhere).
const maxSent = 10000

var _ flows.Alerter = (*Notifier)(nil)

// Configured reports whether n sends anywhere.
func (n *Notifier) Configured() bool {
	return n != nil && (n.Slack != "" || n.Teams != "" || n.Webhook != "")
}

// Alert posts a to every configured destination; the errors of those that
// failed are joined.
func (n *Notifier) Alert(ctx context.Context, a flows.SLAAlert) error {
	if n == nil {
		return nil
	}
	var errs []error
	id := a.HandoffID + "\x00" + strconv.Itoa(a.Threshold) + "\x00" + a.Target + "\x00"
	var keys []string
	send := func(name, url string, body func() any, sign func(string, time.Time, []byte) (string, error)) {
		if url == "" {
			return
		}
		key := id + name
		keys = append(keys, key)
		n.mu.Lock()
		done := n.sent[key]
		n.mu.Unlock()
		if done {
			return // taken on an earlier try of this alert
		}
		err := n.post(ctx, name, url, body(), sign)
		if err == nil {
			n.mu.Lock()
			if n.sent == nil || len(n.sent) >= maxSent {
				n.sent = map[string]bool{}
			}
			n.sent[key] = true
			n.mu.Unlock()
		}
		errs = append(errs, err)
	}
	send("slack", n.Slack, func() any { return slackMessage(a) }, nil)
	send("teams", n.Teams, func() any { return teamsMessage(a) }, nil)
	send("webhook", n.Webhook, func() any { return webhookMessage(a) }, n.Sign)
	err := errors.Join(errs...)
	if err == nil {
		// Delivered everywhere: no retry will come.
		n.mu.Lock()
		for _, k := range keys {
			delete(n.sent, k)
		}
		n.mu.Unlock()
	}
	return err
}

// Text is the alert in one sentence: the wait as people write it ("48
// min", "26 h", "1 h 5 min") and the due time in the zone a.Due is in,
// named (the watcher gives it in the team's zone, else UTC).
func Text(a flows.SLAAlert) string {
	who := a.Team
	if who == "" {
		who = "the team"
	}
	waited := Wait(a.At.Sub(a.RequestedAt))
	due := a.Due.Format("Jan 2 15:04 MST")
	if a.Threshold >= 100 {
		return fmt.Sprintf("SLA breached: a %s handoff to %s has waited %s for a first reply (due %s).",
			a.Priority, who, waited, due)
	}
	return fmt.Sprintf("SLA at %d%%: a %s handoff to %s has waited %s for a first reply; it is due at %s.",
		a.Threshold, a.Priority, who, waited, due)
}

// Wait writes d to the minute as people do: "48 min", "26 h", "1 h 5
// min", "under 1 min".
func Wait(d time.Duration) string {
	m := int64(d.Round(time.Minute) / time.Minute)
	switch h := m / 60; {
	case m < 1:
		return "under 1 min"
	case h == 0:
		return strconv.FormatInt(m, 10) + " min"
	case m%60 == 0:
		return strconv.FormatInt(h, 10) + " h"
	default:
		return strconv.FormatInt(h, 10) + " h " + strconv.FormatInt(m%60, 10) + " min"
	}
}

func slackMessage(a flows.SLAAlert) any {
	text := Text(a)
	if a.Link != "" {
		label := "Open the conversation"
		if a.Ticket.ID != "" {
			label = "Open ticket " + a.Ticket.ID
		}
		text += " <" + a.Link + "|" + label + ">"
	}
	return map[string]any{"text": text}
}

// teamsMessage is an Adaptive Card as the attachment of a message: what
// Teams workflow webhooks take (they do not take the legacy MessageCard
// of Office 365 connectors, which are retired), and what the remaining
// incoming webhooks take too. TextBlocks, like the handoff notifier's
// cards.
func teamsMessage(a flows.SLAAlert) any {
	color := "Warning"
	if a.Threshold >= 100 {
		color = "Attention"
	}
	title := "SLA " + strconv.Itoa(a.Threshold) + "%"
	if a.Team != "" {
		title += ": " + a.Team
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body": []any{
			map[string]any{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "color": color, "wrap": true},
			map[string]any{"type": "TextBlock", "text": Text(a), "wrap": true},
		},
	}
	if a.Link != "" {
		name := "Open the conversation"
		if a.Ticket.ID != "" {
			name = "Open ticket " + a.Ticket.ID
		}
		card["actions"] = []any{map[string]any{"type": "Action.OpenUrl", "title": name, "url": a.Link}}
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content":     card,
		}},
	}
}

func webhookMessage(a flows.SLAAlert) any {
	return map[string]any{"type": "sla.alert", "alert": a, "text": Text(a)}
}

func (n *Notifier) post(ctx context.Context, name, url string, body any, sign func(string, time.Time, []byte) (string, error)) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("sla alert to %s: %w; check its URL", name, withoutURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	if sign != nil {
		if a, ok := body.(map[string]any)["alert"].(flows.SLAAlert); ok {
			id := "sla_" + a.HandoffID + "_" + strconv.Itoa(a.Threshold)
			ts := time.Now()
			sig, err := sign(id, ts, b)
			if err != nil {
				return fmt.Errorf("sla alert to %s: signing: %w", name, err)
			}
			req.Header.Set("webhook-id", id)
			req.Header.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
			req.Header.Set("webhook-signature", sig)
		}
	}
	client := n.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("sla alert to %s (%s): %w", name, req.URL.Host, withoutURL(err))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sla alert to %s: %s: %s", name, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// withoutURL is err without the URL net/url and net/http quote: a Slack
// or Teams incoming-webhook URL is its own secret (in its path, or a sig=
// in its query), and the error reaches the log.
func withoutURL(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
