package studio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/batonbot/baton/channel/telegram"
	"github.com/batonbot/baton/channel/whatsapp"
	"github.com/batonbot/baton/flows"
)

// preview shows a reply as a channel sends it: the channel's own sender
// (package channel/whatsapp, channel/telegram) runs against a transport
// that keeps the request bodies and answers as the provider does, so the
// page draws exactly the messages a customer would get: the text split
// where the channel splits it, a menu as reply buttons, a list or
// numbered text by the channel's limits. Nothing leaves the machine.
type preview struct {
	mu  sync.Mutex
	tr  *captureTransport
	wa  *whatsapp.Sender
	tg  *telegram.Sender
	seq int
}

// Message is one message a channel would send for a reply: the provider
// API's request body (WhatsApp Cloud API /messages, Telegram sendMessage;
// for the web chat, the reply as the page receives it).
type Message = json.RawMessage

func newPreview() (*preview, error) {
	tr := &captureTransport{}
	client := &http.Client{Transport: tr}
	wa, err := whatsapp.NewSender("100000000000001", "sandbox", whatsapp.WithHTTPClient(client), whatsapp.WithGraphURL("http://whatsapp.invalid"))
	if err != nil {
		return nil, err
	}
	tg, err := telegram.NewSender("sandbox_bot", "1:sandbox", telegram.WithHTTPClient(client), telegram.WithBaseURL("http://telegram.invalid"))
	if err != nil {
		return nil, err
	}
	return &preview{tr: tr, wa: wa, tg: tg}, nil
}

// render returns the messages channel would send for r.
func (p *preview) render(channel string, r flows.Reply, lang string) ([]Message, error) {
	var send flows.Channel
	to := flows.Contact{ID: "393331234567", Phone: "+393331234567"}
	switch channel {
	case flows.ChannelWhatsApp:
		send = p.wa
	case flows.ChannelTelegram:
		send, to = p.tg, flows.Contact{ID: "123456789"}
	default: // the web chat sends the reply as it is
		b, err := json.Marshal(r)
		return []Message{b}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	p.tr.reset()
	err := send.Send(context.Background(), flows.Outbound{ID: fmt.Sprintf("preview-%d", p.seq), To: to, Reply: r, Lang: lang})
	return p.tr.bodies(), err
}

// notes say how a channel's limits shaped a menu: why it did not go out
// in the style the flow asked for.
func notes(channel string, r flows.Reply, msgs []Message) []string {
	if len(r.Options) == 0 {
		return nil
	}
	var out []string
	switch channel {
	case flows.ChannelWhatsApp:
		kind := whatsappKind(msgs)
		long := func(n int) []string {
			var titles []string
			for _, o := range r.Options {
				if utf8.RuneCountInString(o.Title) > n {
					titles = append(titles, fmt.Sprintf("%q (%d)", o.Title, utf8.RuneCountInString(o.Title)))
				}
			}
			return titles
		}
		switch {
		case r.Style == flows.MenuText && len(r.Options) > whatsapp.MaxListRows:
			// style: auto resolves to text beyond a list's rows.
			out = append(out, fmt.Sprintf("%d options: a list holds at most %d rows, so the options are numbered in the text", len(r.Options), whatsapp.MaxListRows))
		case r.Style == flows.MenuText:
			out = append(out, "the flow asks for a numbered list in the text")
		case kind == "list" && r.Style != flows.MenuList:
			if len(r.Options) > whatsapp.MaxButtons {
				out = append(out, fmt.Sprintf("%d options: reply buttons hold at most %d, so WhatsApp shows a list", len(r.Options), whatsapp.MaxButtons))
			} else if t := long(whatsapp.MaxButtonTitleLen); len(t) > 0 {
				out = append(out, fmt.Sprintf("button titles hold at most %d characters (%s), so WhatsApp shows a list", whatsapp.MaxButtonTitleLen, strings.Join(t, ", ")))
			}
		case kind == "text":
			if len(r.Options) > whatsapp.MaxListRows {
				out = append(out, fmt.Sprintf("%d options: a list holds at most %d rows, so the options are numbered in the text", len(r.Options), whatsapp.MaxListRows))
			} else if t := long(whatsapp.MaxRowTitleLen); len(t) > 0 {
				out = append(out, fmt.Sprintf("list rows hold titles of at most %d characters (%s), so the options are numbered in the text", whatsapp.MaxRowTitleLen, strings.Join(t, ", ")))
			} else {
				out = append(out, "the options do not fit reply buttons or a list (empty or repeated titles or ids), so they are numbered in the text")
			}
		}
		for _, o := range r.Options {
			if kind == "list" && utf8.RuneCountInString(o.Description) > whatsapp.MaxRowDescLen {
				out = append(out, fmt.Sprintf("the description of %q is cut to %d characters", o.Title, whatsapp.MaxRowDescLen))
			}
		}
	case flows.ChannelTelegram:
		if r.Style != flows.MenuText && !telegramKeyboard(msgs) {
			out = append(out, "an option has no id or no title, so the options are numbered in the text")
		}
	}
	if len(msgs) > 1 {
		out = append(out, fmt.Sprintf("the reply goes out as %d messages", len(msgs)))
	}
	return out
}

func whatsappKind(msgs []Message) string {
	if len(msgs) == 0 {
		return ""
	}
	var m struct {
		Type        string `json:"type"`
		Interactive struct {
			Type string `json:"type"`
		} `json:"interactive"`
	}
	if json.Unmarshal(msgs[len(msgs)-1], &m) != nil || m.Type != "interactive" {
		return "text"
	}
	if m.Interactive.Type == "button" {
		return "button"
	}
	return m.Interactive.Type
}

func telegramKeyboard(msgs []Message) bool {
	if len(msgs) == 0 {
		return false
	}
	var m struct {
		ReplyMarkup *json.RawMessage `json:"reply_markup"`
	}
	return json.Unmarshal(msgs[len(msgs)-1], &m) == nil && m.ReplyMarkup != nil
}

// captureTransport keeps the bodies of the requests it is given and
// answers each as its provider answers a message accepted.
type captureTransport struct {
	mu  sync.Mutex
	got []Message
}

func (c *captureTransport) reset() {
	c.mu.Lock()
	c.got = nil
	c.mu.Unlock()
}

func (c *captureTransport) bodies() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.got...)
}

func (c *captureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	c.mu.Lock()
	c.got = append(c.got, append(Message(nil), body...))
	n := len(c.got)
	c.mu.Unlock()
	answer := fmt.Sprintf(`{"messaging_product":"whatsapp","contacts":[{"input":"393331234567","wa_id":"393331234567"}],"messages":[{"id":"wamid.preview%d"}]}`, n)
	if strings.HasSuffix(r.URL.Host, "telegram.invalid") {
		answer = fmt.Sprintf(`{"ok":true,"result":{"message_id":%d,"date":0,"chat":{"id":123456789,"type":"private"}}}`, n)
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(bytes.NewReader([]byte(answer))),
		Request:    r,
	}, nil
}
