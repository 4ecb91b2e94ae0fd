package whatsapp

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/batonbot/baton/flows"
)

// The webhook payload, as far as Baton reads it (Meta's "messages" webhook
// reference: entry[].changes[].value with metadata, contacts, messages,
// statuses and errors).
type notification struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string   `json:"id"`
		Changes []change `json:"changes"`
	} `json:"entry"`
}

type change struct {
	Field string `json:"field"`
	Value struct {
		MessagingProduct string `json:"messaging_product"`
		Metadata         struct {
			DisplayPhoneNumber string `json:"display_phone_number"`
			PhoneNumberID      string `json:"phone_number_id"`
		} `json:"metadata"`
		Contacts []waContact `json:"contacts"`
		Messages []waMessage `json:"messages"`
		Statuses []waStatus  `json:"statuses"`
		Errors   []graphErr  `json:"errors"`
	} `json:"value"`
}

type waContact struct {
	Profile struct {
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"profile"`
	WaID   string `json:"wa_id"`
	UserID string `json:"user_id"`
}

type waMessage struct {
	ID         string `json:"id"`
	From       string `json:"from"`
	FromUserID string `json:"from_user_id"`
	GroupID    string `json:"group_id"`
	Timestamp  string `json:"timestamp"`
	Type       string `json:"type"`
	Text       *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image    *waMedia    `json:"image"`
	Audio    *waMedia    `json:"audio"`
	Voice    *waMedia    `json:"voice"`
	Video    *waMedia    `json:"video"`
	Document *waMedia    `json:"document"`
	Sticker  *waMedia    `json:"sticker"`
	Location *waLocation `json:"location"`
	Contacts []waCard    `json:"contacts"`
	Button   *struct {
		Text    string `json:"text"`
		Payload string `json:"payload"`
	} `json:"button"`
	Interactive *struct {
		Type        string `json:"type"`
		ButtonReply *reply `json:"button_reply"`
		ListReply   *reply `json:"list_reply"`
	} `json:"interactive"`
	Errors []graphErr `json:"errors"`
}

type reply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type waMedia struct {
	ID       string `json:"id"`
	MIMEType string `json:"mime_type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type waLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name"`
	Address   string  `json:"address"`
}

type waCard struct {
	Name struct {
		FormattedName string `json:"formatted_name"`
		FirstName     string `json:"first_name"`
		LastName      string `json:"last_name"`
	} `json:"name"`
	Phones []struct {
		Phone string `json:"phone"`
		WaID  string `json:"wa_id"`
	} `json:"phones"`
	Emails []struct {
		Email string `json:"email"`
	} `json:"emails"`
}

type waStatus struct {
	ID              string     `json:"id"`
	Status          string     `json:"status"`
	Timestamp       string     `json:"timestamp"`
	RecipientID     string     `json:"recipient_id"`
	RecipientUserID string     `json:"recipient_user_id"`
	CallbackData    string     `json:"biz_opaque_callback_data"`
	Errors          []graphErr `json:"errors"`
}

// graphErr is an error object, in a send's answer or a webhook.
type graphErr struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

// Reasons a webhook or one of its items is not processed, for logs and
// metrics (see WithRejectHook and the table in the package doc).
const (
	RejectMethod        = "method"          // not GET or POST: 405
	RejectVerify        = "verify_token"    // handshake with a wrong token or mode: 403
	RejectSignature     = "signature"       // missing or wrong X-Hub-Signature-256: 401
	RejectTooLarge      = "too_large"       // body over the limit: 413
	RejectMalformed     = "malformed"       // not JSON of Meta's shape: 400
	RejectUnknownNumber = "unknown_number"  // a phone_number_id this handler does not serve: 200, skipped
	RejectStale         = "stale"           // older than the dedupe window (WithMaxAge): 200, skipped
	RejectDuplicate     = "duplicate"       // a wamid twice in one delivery: 200, the second skipped
	RejectUnsupported   = "unsupported"     // a message type Baton does not read (reaction, order...): 200, skipped
	RejectNoSender      = "no_sender"       // a message with neither from nor from_user_id: 200, skipped
	RejectGroup         = "group"           // a group message: 200, skipped
	RejectUnknownStatus = "unknown_status"  // a status other than sent/delivered/read/failed: 200, skipped
	RejectReceiver      = "receiver_failed" // the Receiver failed: 500, Meta delivers again
)

// item is one thing a notification carries: an inbound message, a
// delivery status, or something skipped with a reason.
type item struct {
	number string // the business phone_number_id it is for
	// in is the inbound message when isIn: held in the item, not behind
	// a pointer of its own, a heap allocation per message fewer.
	in     flows.Inbound
	isIn   bool
	status *flows.DeliveryStatus
	skip   string
	id     string // the wamid, for logs
	age    time.Time
}

// errMalformed wraps what makes a body not a WhatsApp notification.
var errMalformed = errors.New("not a WhatsApp Business Account notification")

// decode reads a notification body into its items, appended to items
// (the caller's array: most notifications carry one message), in the
// order Meta wrote them: for each entry and change, its messages then
// its statuses. now stands in for a missing or unreadable timestamp.
func decode(body []byte, now time.Time, items []item) ([]item, error) {
	var n notification
	// encoding/json/v2's decoder (the module it is developed in) with
	// encoding/json's semantics: field names matched without case,
	// invalid UTF-8 replaced, the last of duplicate names kept; about
	// twice as fast as encoding/json, with half the allocations.
	if err := jsonv2.Unmarshal(body, &n, jsonv1.DefaultOptionsV1()); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if n.Object != "whatsapp_business_account" {
		return nil, fmt.Errorf("%w: object is %q, want \"whatsapp_business_account\"", errMalformed, n.Object)
	}
	count := 0 // items are large: the slice is made once, to size
	for _, e := range n.Entry {
		for i := range e.Changes {
			count += len(e.Changes[i].Value.Messages) + len(e.Changes[i].Value.Statuses)
		}
	}
	items = slices.Grow(items, count)
	for _, e := range n.Entry {
		for i := range e.Changes {
			c := &e.Changes[i]
			if c.Field != "" && c.Field != "messages" { // template, quality, account updates: not ours
				continue
			}
			number := c.Value.Metadata.PhoneNumberID
			for j := range c.Value.Messages {
				items = append(items, decodeMessage(number, c, &c.Value.Messages[j], now))
			}
			for j := range c.Value.Statuses {
				items = append(items, decodeStatus(number, &c.Value.Statuses[j], now))
			}
		}
	}
	return items, nil
}

func decodeMessage(number string, c *change, m *waMessage, now time.Time) item {
	it := item{number: number, id: m.ID}
	at := timestamp(m.Timestamp, now)
	it.age = at
	switch {
	case m.ID == "":
		it.skip = RejectMalformed
		return it
	case m.GroupID != "":
		it.skip = RejectGroup
		return it
	case m.From == "" && m.FromUserID == "":
		it.skip = RejectNoSender
		return it
	}
	// The turn runs at the receive time, on the clock of its timers and
	// SLA; Meta's timestamp (Inbound.At) is for the stale check.
	in := flows.Input{Kind: flows.InputMessage, At: now}
	if !readContent(m, &in) {
		it.skip = RejectUnsupported
		return it
	}
	contact := sender(m, c.Value.Contacts)
	it.isIn = true
	it.in = flows.Inbound{
		ID:             m.ID,
		Channel:        flows.ChannelWhatsApp,
		Account:        number,
		ConversationID: flows.ConversationID(flows.ChannelWhatsApp, number, contact.ID),
		Contact:        contact,
		Input:          in,
		At:             at,
	}
	return it
}

// sender keys the customer by from_user_id (the business-scoped user id,
// stable when a user hides their number behind a username) when present,
// else by from (the phone number); Phone is set only from a phone number.
func sender(m *waMessage, contacts []waContact) flows.Contact {
	c := flows.Contact{ID: m.FromUserID, Phone: m.From}
	if c.ID == "" {
		c.ID = m.From
	}
	if !isPhone(c.Phone) {
		c.Phone = "" // a BSUID in from ("US.1234")
	}
	for _, k := range contacts {
		if (m.FromUserID != "" && k.UserID == m.FromUserID) || (m.From != "" && k.WaID == m.From) {
			c.Name = k.Profile.Name
			if k.Profile.Username != "" {
				c.Meta = map[string]string{"username": k.Profile.Username}
			}
			break
		}
	}
	return c
}

// readContent fills in from the message's type, and reports whether Baton
// reads that type.
func readContent(m *waMessage, in *flows.Input) bool {
	file := func(kind string, f *waMedia) bool {
		if f == nil || f.ID == "" {
			return false
		}
		in.Text = f.Caption
		in.Media = &flows.Media{Kind: kind, ID: f.ID, MIME: f.MIMEType, Caption: f.Caption, Filename: f.Filename}
		return true
	}
	switch m.Type {
	case "text":
		if m.Text == nil || m.Text.Body == "" {
			return false
		}
		in.Text = m.Text.Body
		return true
	case "interactive": // a tapped reply button or list row: its id, never its title
		if m.Interactive == nil {
			return false
		}
		r := m.Interactive.ButtonReply
		if m.Interactive.Type == "list_reply" || r == nil {
			r = m.Interactive.ListReply
		}
		if r == nil || r.ID == "" {
			return false
		}
		in.Payload = r.ID
		return true
	case "button": // a template's quick-reply button
		if m.Button == nil {
			return false
		}
		in.Payload = m.Button.Payload
		if in.Payload == "" {
			in.Text = m.Button.Text
		}
		return in.Payload != "" || in.Text != ""
	case "image":
		return file(flows.MediaImage, m.Image)
	case "audio":
		return file(flows.MediaAudio, m.Audio)
	case "voice":
		return file(flows.MediaAudio, m.Voice)
	case "video":
		return file(flows.MediaVideo, m.Video)
	case "document":
		return file(flows.MediaDocument, m.Document)
	case "sticker":
		return file(flows.MediaSticker, m.Sticker)
	case "location":
		if m.Location == nil {
			return false
		}
		l := m.Location
		in.Media = &flows.Media{Kind: flows.MediaLocation, Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address}
		return true
	case "contacts":
		if len(m.Contacts) == 0 {
			return false
		}
		md := &flows.Media{Kind: flows.MediaContacts, Contacts: make([]flows.Contact, 0, len(m.Contacts))}
		for _, k := range m.Contacts {
			c := flows.Contact{Name: k.Name.FormattedName}
			if c.Name == "" {
				c.Name = strings.TrimSpace(k.Name.FirstName + " " + k.Name.LastName)
			}
			if len(k.Phones) > 0 {
				c.Phone = k.Phones[0].Phone
				c.ID = k.Phones[0].WaID
			}
			if len(k.Emails) > 0 {
				c.Email = k.Emails[0].Email
			}
			md.Contacts = append(md.Contacts, c)
		}
		in.Media = md
		return true
	}
	return false // reaction, order, system, unsupported, request_welcome...
}

func decodeStatus(number string, s *waStatus, now time.Time) item {
	it := item{number: number, id: s.ID}
	at := timestamp(s.Timestamp, now)
	it.age = at
	switch s.Status {
	case flows.StatusSent, flows.StatusDelivered, flows.StatusRead, flows.StatusFailed:
	default: // "deleted", "warning", "played"...
		it.skip = RejectUnknownStatus
		return it
	}
	if s.ID == "" {
		it.skip = RejectMalformed
		return it
	}
	ds := &flows.DeliveryStatus{
		Channel:   flows.ChannelWhatsApp,
		Account:   number,
		MessageID: s.ID,
		Recipient: s.RecipientUserID,
		Status:    s.Status,
		At:        at,
	}
	if ds.Recipient == "" {
		ds.Recipient = s.RecipientID
	}
	if id, ok := strings.CutPrefix(s.CallbackData, callbackDataPrefix); ok && id != "" {
		// The contact id Baton sent to, which keys its conversation
		// whichever ids the status carries.
		ds.Recipient = id
	}
	if len(s.Errors) > 0 {
		e := s.Errors[0]
		ds.ErrorCode = e.Code
		ds.ErrorTitle = e.Title
		if ds.ErrorTitle == "" {
			ds.ErrorTitle = e.Message
		}
	}
	it.status = ds
	return it
}

// timestamp reads Meta's Unix time string (seconds; milliseconds are
// tolerated), or returns now.
func timestamp(s string, now time.Time) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return now
	}
	if n >= 1e12 {
		return time.UnixMilli(n).UTC()
	}
	return time.Unix(n, 0).UTC()
}

func isPhone(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
