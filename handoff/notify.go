package handoff

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// Notifier posts urgent handoffs to a Slack and/or Microsoft Teams
// incoming webhook, so someone looks at them now. Hosts call Notify from
// the Deliverer's OnSettled hook once the open is delivered (the message
// then links the ticket), when Wants(priority) holds.
type Notifier struct {
	cfg    ConfigNotify
	link   string
	mask   bool
	client *http.Client
	// pause waits between attempts (tests record instead).
	pause func(ctx context.Context, d time.Duration) error
}

// A webhook that answers 429 or 5xx, or cannot be reached, is tried
// notifyAttempts times in all, notifyWait apart (doubling; a Retry-After
// is honoured up to notifyMaxWait), so one hiccup of Slack or Teams does
// not lose an urgent handoff's notification, and a webhook that stays
// down holds the delivery worker a bounded time: no new attempt starts
// notifyBudget after the first (a slow webhook's timeouts count).
const (
	notifyAttempts = 3
	notifyWait     = time.Second
	notifyMaxWait  = 5 * time.Second
	notifyBudget   = 15 * time.Second
)

// NotifyOption configures a Notifier.
type NotifyOption func(*Notifier)

// NotifyHTTPClient sets the HTTP client (default: a 10s timeout).
func NotifyHTTPClient(c *http.Client) NotifyOption {
	return func(n *Notifier) {
		if c != nil {
			n.client = c
		}
	}
}

// NewNotifier returns a Notifier for the config's notify section, its
// conversation link and masking.
func NewNotifier(cfg *Config, opts ...NotifyOption) *Notifier {
	n := &Notifier{client: &http.Client{Timeout: 10 * time.Second}, pause: notifyPause}
	if cfg != nil {
		n.cfg, n.link, n.mask = cfg.Notify, cfg.Link, cfg.Masking
	}
	if n.cfg.MinPriority == "" {
		n.cfg.MinPriority = flows.PriorityUrgent
	}
	for _, o := range opts {
		if o != nil {
			o(n)
		}
	}
	return n
}

// Wants reports whether a handoff of priority p is notified: a webhook is
// configured and p reaches notify.min_priority.
func (n *Notifier) Wants(p flows.Priority) bool {
	return n != nil && (n.cfg.Slack != "" || n.cfg.Teams != "") && routeRank(p) >= routeRank(n.cfg.MinPriority)
}

// Notify posts h (routed: Team and Priority set) to every configured
// webhook; ticket, when known, is linked. It returns the failures joined,
// each saying which webhook to check.
func (n *Notifier) Notify(ctx context.Context, h *flows.Handoff, ticket flows.TicketRef) error {
	if n == nil || h == nil {
		return nil
	}
	a := n.alert(h, ticket)
	var errs []error
	if n.cfg.Slack != "" {
		errs = append(errs, n.postRetry(ctx, "Slack", "notify.slack", n.cfg.Slack, a.slack()))
	}
	if n.cfg.Teams != "" {
		body := a.adaptiveCard()
		if n.cfg.TeamsFormat == "messagecard" {
			body = a.messageCard()
		}
		errs = append(errs, n.postRetry(ctx, "Teams", "notify.teams", n.cfg.Teams, body))
	}
	return errors.Join(errs...)
}

// notifyAlert is what a notification says.
type notifyAlert struct {
	title string
	lines []string
	facts [][2]string
	links [][2]string // label, url
}

func (n *Notifier) alert(h *flows.Handoff, ticket flows.TicketRef) notifyAlert {
	p := h.Priority
	if p == "" {
		p = flows.PriorityNormal
	}
	team := h.Team
	if team == "" {
		team = "no team"
	}
	a := notifyAlert{title: fmt.Sprintf("%s handoff to %s", notifyTitle(string(p)), team)}
	text := func(s string) string {
		if n.mask {
			s = flows.MaskPII(s)
		}
		return clipText(strings.TrimSpace(s), 300)
	}
	if h.Summary != "" {
		s := text(h.Summary)
		if h.SummaryBy == flows.SummaryByModel {
			s += " (summary written by a model)"
		}
		a.lines = append(a.lines, s)
	} else if last := notifyLastUser(h.Transcript); last != "" {
		a.lines = append(a.lines, "“"+text(last)+"”")
	}
	if h.Reason != "" {
		a.facts = append(a.facts, [2]string{"Reason", text(h.Reason)})
	}
	customer := h.Contact.Name
	if customer == "" || n.mask {
		customer = h.Contact.ID
		if n.mask {
			customer = "(masked)"
		}
	}
	if customer != "" {
		a.facts = append(a.facts, [2]string{"Customer", customer})
	}
	if h.Channel != "" {
		a.facts = append(a.facts, [2]string{"Channel", h.Channel})
	}
	if len(h.Tags) > 0 {
		a.facts = append(a.facts, [2]string{"Tags", strings.Join(h.Tags, ", ")})
	}
	if !h.InHours {
		a.facts = append(a.facts, [2]string{"Hours", "outside the team's hours"})
	}
	if ticket.URL != "" {
		a.links = append(a.links, [2]string{"Open ticket", ticket.URL})
	} else if ticket.ID != "" {
		a.facts = append(a.facts, [2]string{"Ticket", ticket.Connector + " #" + ticket.ID})
	}
	if n.link != "" && h.ConversationID != "" {
		a.links = append(a.links, [2]string{"Open conversation", strings.ReplaceAll(n.link, "{id}", url.PathEscape(h.ConversationID))})
	}
	return a
}

func notifyTitle(p string) string {
	if p == "" {
		return ""
	}
	return strings.ToUpper(p[:1]) + p[1:]
}

func notifyLastUser(ms []flows.Message) string {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].From == flows.RoleUser && strings.TrimSpace(ms[i].Text) != "" {
			return ms[i].Text
		}
	}
	return ""
}

// clipText shortens s to at most n runes.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slack is an incoming-webhook message: {"text": ...} in mrkdwn.
func (a notifyAlert) slack() any {
	var b strings.Builder
	b.WriteString(":rotating_light: *" + slackEscape(a.title) + "*")
	for _, l := range a.lines {
		b.WriteString("\n" + slackEscape(l))
	}
	for _, f := range a.facts {
		b.WriteString("\n*" + f[0] + ":* " + slackEscape(f[1]))
	}
	for _, l := range a.links {
		b.WriteString("\n<" + l[1] + "|" + l[0] + ">")
	}
	return map[string]string{"text": b.String()}
}

// Teams renders Markdown in a card's TextBlock and Fact values and in a
// connector card's text (learn.microsoft.com/microsoftteams/platform/
// task-modules-and-cards/cards/cards-format): a customer's
// "[Reset your password](https://evil.example)" would become a link in
// the team's channel. Customer text therefore goes where Teams does not
// parse it: TextRuns of a RichTextBlock in an Adaptive Card, and a
// section with "markdown": false, its text HTML-escaped, in a connector
// card.

// messageCard is the legacy Office 365 connector card.
func (a notifyAlert) messageCard() any {
	facts := make([]map[string]string, 0, len(a.facts))
	for _, f := range a.facts {
		facts = append(facts, map[string]string{"name": f[0], "value": htmlEscaper.Replace(f[1])})
	}
	actions := make([]any, 0, len(a.links))
	for _, l := range a.links {
		actions = append(actions, map[string]any{
			"@type": "OpenUri", "name": l[0],
			"targets": []map[string]string{{"os": "default", "uri": l[1]}},
		})
	}
	lines := make([]string, len(a.lines))
	for i, l := range a.lines {
		lines[i] = htmlEscaper.Replace(l)
	}
	return map[string]any{
		"@type":           "MessageCard",
		"@context":        "https://schema.org/extensions",
		"summary":         a.title,
		"themeColor":      "D93025",
		"title":           a.title,
		"sections":        []any{map[string]any{"text": strings.Join(lines, "<br>"), "facts": facts, "markdown": false}},
		"potentialAction": actions,
	}
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// textRun is an Adaptive Card TextRun: plain text, never Markdown.
func textRun(s string, bold bool) map[string]any {
	r := map[string]any{"type": "TextRun", "text": s}
	if bold {
		r["weight"] = "Bolder"
	}
	return r
}

// adaptiveCard is the message Teams workflow webhooks take: an Adaptive
// Card as an attachment. Customer text and facts are TextRuns.
func (a notifyAlert) adaptiveCard() any {
	body := []any{map[string]any{"type": "TextBlock", "text": a.title, "weight": "Bolder", "size": "Medium", "color": "Attention", "wrap": true}}
	for _, l := range a.lines {
		body = append(body, map[string]any{"type": "RichTextBlock", "inlines": []any{textRun(l, false)}})
	}
	for _, f := range a.facts {
		body = append(body, map[string]any{"type": "RichTextBlock", "inlines": []any{textRun(f[0]+": ", true), textRun(f[1], false)}})
	}
	actions := make([]any, 0, len(a.links))
	for _, l := range a.links {
		actions = append(actions, map[string]any{"type": "Action.OpenUrl", "title": l[0], "url": l[1]})
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
	}
	if len(actions) > 0 {
		card["actions"] = actions
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

func notifyPause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// postRetry posts, trying again after a transient failure (see
// notifyAttempts).
func (n *Notifier) postRetry(ctx context.Context, service, key, target string, payload any) error {
	wait, start := notifyWait, time.Now()
	for attempt := 1; ; attempt++ {
		again, after, err := n.post(ctx, service, key, target, payload)
		if err == nil || !again || attempt >= notifyAttempts {
			return err
		}
		d := min(max(wait, after), notifyMaxWait)
		if time.Since(start)+d > notifyBudget {
			return err
		}
		if perr := n.pause(ctx, d); perr != nil {
			return err
		}
		wait *= 2
	}
}

// post posts once; again reports a failure worth another try (429, 5xx,
// no answer), after the wait the service asked for (Retry-After), if any.
func (n *Notifier) post(ctx context.Context, service, key, target string, payload any) (again bool, after time.Duration, err error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return false, 0, fmt.Errorf("notify %s: encode: %w", service, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, 0, fmt.Errorf("notify %s: %s is not a usable URL; check it in baton.yaml", service, key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		// The URL holds the webhook's secret: name only its host.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return ctx.Err() == nil, 0, fmt.Errorf("notify %s (%s): %w", service, req.URL.Host, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		again = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		if secs, perr := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); perr == nil && secs > 0 {
			after = time.Duration(secs) * time.Second
		}
		msg := strings.TrimSpace(string(snippet))
		hint := "check " + key + " in baton.yaml"
		switch resp.StatusCode {
		case http.StatusNotFound, http.StatusGone, http.StatusForbidden, http.StatusUnauthorized:
			hint = "the webhook was removed or revoked: create a new one and update " + key + " in baton.yaml"
		case http.StatusTooManyRequests:
			hint = "rate limited: too many notifications"
		case http.StatusBadRequest:
			hint = "the service rejected the message"
		}
		return again, after, fmt.Errorf("notify %s: %s answered %d %s: %q; %s", service, req.URL.Host, resp.StatusCode, http.StatusText(resp.StatusCode), clipText(msg, 200), hint)
	}
	return false, 0, nil
}
