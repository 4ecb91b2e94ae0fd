package whatsapp

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// WhatsApp's limits on what a message may carry (Cloud API messages
// reference); the whatsapptest server refuses what breaks them, as Graph
// does.
const (
	MaxTextLen        = 4096 // text.body
	MaxBodyLen        = 1024 // interactive.body.text
	MaxButtons        = 3    // reply buttons
	MaxButtonTitleLen = 20
	MaxButtonIDLen    = 256
	MaxListRows       = 10 // rows across all sections
	MaxRowTitleLen    = 24
	MaxRowDescLen     = 72
	MaxRowIDLen       = 200
	MaxListButtonLen  = 20 // the button that opens the list
)

// The Messages API request body.
type outMessage struct {
	MessagingProduct string          `json:"messaging_product"`
	RecipientType    string          `json:"recipient_type,omitempty"`
	To               string          `json:"to,omitempty"`
	Recipient        string          `json:"recipient,omitempty"`
	Type             string          `json:"type"`
	Text             *outText        `json:"text,omitempty"`
	Interactive      *outInteractive `json:"interactive,omitempty"`
	Template         *outTemplate    `json:"template,omitempty"`
	// CallbackData names the recipient as Baton keys it (callbackData);
	// Meta returns it in the message's statuses.
	CallbackData string `json:"biz_opaque_callback_data,omitempty"`
}

type outText struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

type outInteractive struct {
	Type string `json:"type"` // button | list
	Body struct {
		Text string `json:"text"`
	} `json:"body"`
	Action outAction `json:"action"`
}

type outAction struct {
	Button   string       `json:"button,omitempty"`
	Buttons  []outButton  `json:"buttons,omitempty"`
	Sections []outSection `json:"sections,omitempty"`
}

type outButton struct {
	Type  string `json:"type"`
	Reply struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"reply"`
}

type outSection struct {
	Title string   `json:"title,omitempty"`
	Rows  []outRow `json:"rows"`
}

type outRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type outTemplate struct {
	Name     string `json:"name"`
	Language struct {
		Code string `json:"code"`
	} `json:"language"`
	Components []outComponent `json:"components,omitempty"`
}

type outComponent struct {
	Type       string     `json:"type"`
	Parameters []outParam `json:"parameters"`
}

type outParam struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// render turns a reply into the messages that carry it: the text in parts
// of at most 4,096 characters, the last one carrying the menu as reply
// buttons (at most 3, titles of at most 20) or a list (at most 10 rows,
// titles of at most 24), or, for a menu that fits neither or asks for
// text, a numbered list in the text.
func (s *Sender) render(r flows.Reply, lang string) []outMessage {
	text := strings.TrimSpace(r.Text)
	kind := menuKind(r)
	if kind == "text" {
		text = strings.TrimSpace(text + "\n\n" + numbered(r.Options))
	}
	if kind != "button" && kind != "list" {
		parts := flows.SplitText(text, MaxTextLen)
		out := make([]outMessage, 0, len(parts))
		for _, p := range parts {
			out = append(out, textMessage(p))
		}
		return out
	}
	if text == "" { // an interactive message needs a body
		text = numbered(r.Options)
	}
	parts := flows.SplitText(text, MaxTextLen)
	if last := parts[len(parts)-1]; utf8.RuneCountInString(last) > MaxBodyLen {
		parts = append(parts[:len(parts)-1], flows.SplitText(last, MaxBodyLen)...)
	}
	out := make([]outMessage, 0, len(parts))
	for _, p := range parts[:len(parts)-1] {
		out = append(out, textMessage(p))
	}
	in := &outInteractive{Type: kind}
	in.Body.Text = parts[len(parts)-1]
	if kind == "button" {
		for _, o := range r.Options {
			b := outButton{Type: "reply"}
			b.Reply.ID, b.Reply.Title = choiceID(o.ID, MaxButtonIDLen), o.Title
			in.Action.Buttons = append(in.Action.Buttons, b)
		}
	} else {
		in.Action.Button = s.listButton(lang)
		rows := make([]outRow, 0, len(r.Options))
		for _, o := range r.Options {
			rows = append(rows, outRow{ID: choiceID(o.ID, MaxRowIDLen), Title: o.Title, Description: flows.Clip(o.Description, MaxRowDescLen)})
		}
		// Meta's list reference requires a section title even for a single
		// section, which WhatsApp does not show: the button's label fits
		// (20 characters, a title 24).
		in.Action.Sections = []outSection{{Title: in.Action.Button, Rows: rows}}
	}
	return append(out, outMessage{MessagingProduct: "whatsapp", RecipientType: "individual", Type: "interactive", Interactive: in})
}

func textMessage(body string) outMessage {
	return outMessage{
		MessagingProduct: "whatsapp",
		RecipientType:    "individual",
		Type:             "text",
		Text:             &outText{Body: body, PreviewURL: strings.Contains(body, "https://") || strings.Contains(body, "http://")},
	}
}

// menuKind picks how a reply's menu goes out: "" (no menu), "button",
// "list" or "text". The reply's style is honoured when the options fit
// it; otherwise the next richer form that fits is used, and text when
// none does.
func menuKind(r flows.Reply) string {
	if len(r.Options) == 0 {
		return ""
	}
	switch r.Style {
	case flows.MenuText:
		return "text"
	case flows.MenuList:
		if fits(r.Options, MaxListRows, MaxRowTitleLen, MaxRowIDLen) {
			return "list"
		}
		return "text"
	}
	switch {
	case fits(r.Options, MaxButtons, MaxButtonTitleLen, MaxButtonIDLen):
		return "button"
	case fits(r.Options, MaxListRows, MaxRowTitleLen, MaxRowIDLen):
		return "list"
	}
	return "text"
}

// choiceID is what a reply button or list row whose id holds at most max
// bytes carries for the option id: the id, or its flows.OptionToken (which
// the engine reads back as the id) when it is longer or has spaces around
// it (Graph refuses those on reply buttons).
func choiceID(id string, max int) string {
	if strings.TrimSpace(id) != id {
		return flows.OptionToken(id)
	}
	return flows.ButtonID(id, max)
}

// fits reports whether opts make valid interactive choices: at most n,
// each with a non-empty title of at most titleLen characters and a
// non-empty id (sent as choiceID), no two with the same id or title.
func fits(opts []flows.ReplyOption, n, titleLen, idLen int) bool {
	if len(opts) > n {
		return false
	}
	seen := make(map[string]bool, 2*len(opts))
	for _, o := range opts {
		t := strings.TrimSpace(o.Title)
		if t == "" || t != o.Title || utf8.RuneCountInString(t) > titleLen || o.ID == "" {
			return false
		}
		k, id := "t:"+strings.ToLower(t), "i:"+choiceID(o.ID, idLen)
		if seen[k] || seen[id] {
			return false
		}
		seen[k], seen[id] = true, true
	}
	return true
}

// numbered writes options one a line: "1. Title", with " – description"
// when there is one.
func numbered(opts []flows.ReplyOption) string {
	var b strings.Builder
	for i, o := range opts {
		if i > 0 {
			b.WriteByte('\n')
		}
		n := o.Number
		if n == 0 {
			n = i + 1
		}
		b.WriteString(strconv.Itoa(n))
		b.WriteString(". ")
		b.WriteString(o.Title)
		if o.Description != "" {
			b.WriteString(" – ")
			b.WriteString(o.Description)
		}
	}
	return b.String()
}

// listButtons are the built-in labels of a list's button.
var listButtons = map[string]string{
	"en": "Choose",
	"it": "Scegli",
	"es": "Elegir",
	"fr": "Choisir",
	"de": "Auswählen",
	"pt": "Escolher",
	"nl": "Kiezen",
}

// listButton returns the list button's label for lang ("it", "it-IT").
func (s *Sender) listButton(lang string) string {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	base, _, _ = strings.Cut(base, "_")
	for _, m := range []map[string]string{s.o.listButton, listButtons} {
		for _, k := range []string{lang, base} {
			if l := m[k]; l != "" {
				return flows.Clip(l, MaxListButtonLen)
			}
		}
	}
	if l := s.o.listButton[""]; l != "" {
		return flows.Clip(l, MaxListButtonLen)
	}
	return listButtons["en"]
}
