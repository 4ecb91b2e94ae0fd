package whatsapptest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// Sign returns the X-Hub-Signature-256 value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Deliver posts a notification to an in-process handler, signed with the
// server's app secret, as Meta does.
func (s *Server) Deliver(h http.Handler, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", Sign(s.AppSecret, body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Post posts a signed notification to a listening server's webhook url.
func (s *Server) Post(ctx context.Context, url string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", Sign(s.AppSecret, body))
	return http.DefaultClient.Do(req)
}

// Inbound is one customer message for Notification. Set one of Text,
// ButtonID, ListID, Media, Location or Contacts.
type Inbound struct {
	ID       string // the wamid; made up when empty
	From     string // the customer's phone number; empty for a username-only user
	UserID   string // from_user_id, the business-scoped user id
	Username string
	Name     string    // profile name
	At       time.Time // the timestamp; now when zero

	Text                  string
	ButtonID, ButtonTitle string // a tapped reply button
	ListID, ListTitle     string // a chosen list row
	// Media is an image, audio, video, document or sticker.
	Media    *Media
	Location *Location
	Contacts []Card
	// Type overrides the message type (e.g. "reaction", "unsupported").
	Type string
}

// Media is a file a customer sent.
type Media struct {
	Type, ID, MIME, Caption, Filename string
}

// Location is a shared place.
type Location struct {
	Latitude, Longitude float64
	Name, Address       string
}

// Card is a shared contact.
type Card struct{ Name, Phone, Email string }

// Status is a delivery status for StatusNotification.
type Status struct {
	MessageID string
	Recipient string // recipient_id (a phone number)
	UserID    string // recipient_user_id
	// CallbackData is the biz_opaque_callback_data the message was sent
	// with (Message.CallbackData), which Meta returns in its statuses.
	CallbackData string
	Status       string // sent, delivered, read, failed
	ErrorCode    int
	ErrorTitle   string
	At           time.Time
}

// Notification builds a messages webhook for the server's phone number
// carrying msgs, the way Meta writes it.
func (s *Server) Notification(msgs ...Inbound) []byte {
	return s.NotificationFor(s.PhoneNumberID, msgs...)
}

// NotificationFor is Notification for another phone number id.
func (s *Server) NotificationFor(number string, msgs ...Inbound) []byte {
	var contacts, messages []any
	for i, m := range msgs {
		if m.ID == "" {
			s.mu.Lock()
			s.seq++
			m.ID = fmt.Sprintf("wamid.IN%06d", s.seq)
			s.mu.Unlock()
		}
		c := map[string]any{"profile": profile(m)}
		msg := map[string]any{"id": m.ID, "timestamp": unix(m.At)}
		if m.From != "" {
			c["wa_id"], msg["from"] = m.From, m.From
		}
		if m.UserID != "" {
			c["user_id"], msg["from_user_id"] = m.UserID, m.UserID
		}
		if i == 0 || msgs[i-1].From != m.From || msgs[i-1].UserID != m.UserID {
			contacts = append(contacts, c)
		}
		fill(msg, m)
		messages = append(messages, msg)
	}
	return s.envelope(number, map[string]any{"contacts": contacts, "messages": messages})
}

func profile(m Inbound) map[string]string {
	p := map[string]string{"name": m.Name}
	if m.Username != "" {
		p["username"] = m.Username
	}
	return p
}

func fill(msg map[string]any, m Inbound) {
	switch {
	case m.ButtonID != "":
		msg["type"] = "interactive"
		msg["interactive"] = map[string]any{"type": "button_reply", "button_reply": map[string]string{"id": m.ButtonID, "title": m.ButtonTitle}}
	case m.ListID != "":
		msg["type"] = "interactive"
		msg["interactive"] = map[string]any{"type": "list_reply", "list_reply": map[string]string{"id": m.ListID, "title": m.ListTitle}}
	case m.Media != nil:
		f := map[string]string{"id": m.Media.ID, "mime_type": m.Media.MIME, "sha256": "bm90IGEgcmVhbCBoYXNo"}
		if m.Media.Caption != "" {
			f["caption"] = m.Media.Caption
		}
		if m.Media.Filename != "" {
			f["filename"] = m.Media.Filename
		}
		msg["type"] = m.Media.Type
		msg[m.Media.Type] = f
	case m.Location != nil:
		msg["type"] = "location"
		msg["location"] = map[string]any{"latitude": m.Location.Latitude, "longitude": m.Location.Longitude, "name": m.Location.Name, "address": m.Location.Address}
	case len(m.Contacts) > 0:
		var cards []any
		for _, c := range m.Contacts {
			card := map[string]any{"name": map[string]string{"formatted_name": c.Name}}
			if c.Phone != "" {
				card["phones"] = []any{map[string]string{"phone": c.Phone, "type": "CELL"}}
			}
			if c.Email != "" {
				card["emails"] = []any{map[string]string{"email": c.Email, "type": "WORK"}}
			}
			cards = append(cards, card)
		}
		msg["type"] = "contacts"
		msg["contacts"] = cards
	default:
		msg["type"] = "text"
		msg["text"] = map[string]string{"body": m.Text}
	}
	if m.Type != "" {
		msg["type"] = m.Type
	}
}

// StatusNotification builds a messages webhook with delivery statuses.
func (s *Server) StatusNotification(sts ...Status) []byte {
	var statuses []any
	for _, st := range sts {
		x := map[string]any{"id": st.MessageID, "status": st.Status, "timestamp": unix(st.At)}
		if st.Recipient != "" { // left out for a user known only by a username
			x["recipient_id"] = st.Recipient
		}
		if st.UserID != "" {
			x["recipient_user_id"] = st.UserID
		}
		if st.CallbackData != "" {
			x["biz_opaque_callback_data"] = st.CallbackData
		}
		if st.ErrorCode != 0 {
			x["errors"] = []any{map[string]any{"code": st.ErrorCode, "title": st.ErrorTitle, "message": st.ErrorTitle,
				"error_data": map[string]string{"details": st.ErrorTitle}}}
		}
		statuses = append(statuses, x)
	}
	return s.envelope(s.PhoneNumberID, map[string]any{"statuses": statuses})
}

func (s *Server) envelope(number string, value map[string]any) []byte {
	value["messaging_product"] = "whatsapp"
	value["metadata"] = map[string]string{"display_phone_number": "15550783881", "phone_number_id": number}
	b, err := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{
			"id":      "102290129340398",
			"changes": []any{map[string]any{"field": "messages", "value": value}},
		}},
	})
	if err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	return b
}

func unix(t time.Time) string {
	if t.IsZero() {
		t = time.Now()
	}
	return strconv.FormatInt(t.Unix(), 10)
}
