package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// Window is WhatsApp's customer-service window: free-form messages may be
// sent only this long after the customer last wrote.
const Window = 24 * time.Hour

// Template is an approved message template, sent instead of a reply when
// the customer-service window has closed (a "we have answered you, write
// to us to read it" message).
type Template struct {
	Name string
	// Language is the template's language code as approved ("en_US", "it").
	Language string
	// TextParam puts the reply's text in the template's single body
	// parameter {{1}}, so the customer reads the answer itself.
	TextParam bool
}

// Sender sends replies from one WhatsApp Business phone number through the
// Cloud API (POST {graph_url}/{version}/{phone_number_id}/messages with a
// Bearer token). It implements flows.Channel, flows.MediaFetcher and
// flows.Typer, and is safe for concurrent use.
type Sender struct {
	number string
	token  string
	o      options
	done   *flows.PartsSent
	// url is the messages endpoint and auth the Authorization header's
	// value, made once: every send used to build both again.
	url  string
	auth []string
}

var (
	_ flows.Channel      = (*Sender)(nil)
	_ flows.MediaFetcher = (*Sender)(nil)
	_ flows.Typer        = (*Sender)(nil)
)

var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// NewSender returns the sender for the phone number phoneNumberID, with
// the system user's accessToken.
func NewSender(phoneNumberID, accessToken string, opts ...Option) (*Sender, error) {
	s := &Sender{number: phoneNumberID, token: accessToken, o: buildOptions(opts), done: flows.NewPartsSent(4096)}
	switch {
	case phoneNumberID == "":
		return nil, errors.New("whatsapp: NewSender needs the phone_number_id")
	case accessToken == "":
		return nil, fmt.Errorf("whatsapp: phone number %s has no access_token", phoneNumberID)
	case !versionRE.MatchString(s.o.version):
		return nil, fmt.Errorf("whatsapp: api_version %q is not a Graph API version like %s", s.o.version, DefaultAPIVersion)
	}
	s.o.graphURL = strings.TrimRight(s.o.graphURL, "/")
	s.url = s.o.graphURL + "/" + s.o.version + "/" + s.number + "/messages"
	s.auth = []string{"Bearer " + s.token}
	return s, nil
}

// Send delivers m. Outside the 24-hour window since m.LastUserAt (or when
// Graph answers 131047) it sends the configured template instead, or fails
// with flows.ErrOutsideWindow when there is none. A reply that takes
// several messages (long text, text then a menu) resumes after the parts a
// failed attempt already delivered when Send is called again with the same
// m.ID.
func (s *Sender) Send(ctx context.Context, m flows.Outbound) error {
	to, recipient, err := address(m.To)
	if err != nil {
		return err
	}
	if !m.LastUserAt.IsZero() && s.o.now().Sub(m.LastUserAt) >= Window {
		return s.outsideWindow(ctx, m, to, recipient, nil)
	}
	msgs := s.render(m.Reply, m.Lang)
	for i := s.done.Done(m.ID); i < len(msgs); i++ {
		msgs[i].To, msgs[i].Recipient, msgs[i].CallbackData = to, recipient, callbackData(m.To)
		wamid, err := s.deliver(ctx, &msgs[i], s.recording(m, to))
		if err != nil {
			var ce *flows.ChannelError
			if errors.As(err, &ce) && ce.Code == codeReEngagement {
				return s.outsideWindow(ctx, m, to, recipient, ce)
			}
			return err
		}
		s.reportSent(ctx, m, to, wamid)
		s.done.Sent(m.ID, i+1, len(msgs))
	}
	return nil
}

// outsideWindow sends the template, or explains why nothing was sent.
func (s *Sender) outsideWindow(ctx context.Context, m flows.Outbound, to, recipient string, graph *flows.ChannelError) error {
	t := s.o.template
	if t == nil {
		ce := &flows.ChannelError{Channel: flows.ChannelWhatsApp, Err: flows.ErrOutsideWindow,
			Message: "the customer last wrote at " + m.LastUserAt.UTC().Format(time.RFC3339)}
		if graph != nil {
			ce.Status, ce.Code, ce.Message = graph.Status, graph.Code, graph.Message
		}
		return ce
	}
	tm := &outTemplate{Name: t.Name}
	tm.Language.Code = t.Language
	if t.TextParam {
		tm.Components = []outComponent{{Type: "body", Parameters: []outParam{{Type: "text", Text: templateText(m.Reply)}}}}
	}
	msg := outMessage{MessagingProduct: "whatsapp", RecipientType: "individual", To: to, Recipient: recipient, Type: "template", Template: tm,
		CallbackData: callbackData(m.To)}
	wamid, err := s.deliver(ctx, &msg, s.recording(m, to))
	if err == nil {
		s.reportSent(ctx, m, to, wamid)
	}
	return err
}

// recording reports whether a message of m sent to the phone number to
// goes to WithSent's function: only when the conversation's contact id is
// not that number, the one case a failed status (which names the phone
// alone) cannot be attributed without it.
func (s *Sender) recording(m flows.Outbound, to string) bool {
	return s.o.sent != nil && to != "" && m.To.ID != to
}

// reportSent hands a message of m sent to to, which Graph accepted as
// wamid, to WithSent's function when recording says so.
func (s *Sender) reportSent(ctx context.Context, m flows.Outbound, to, wamid string) {
	if wamid == "" || !s.recording(m, to) {
		return
	}
	s.o.sent(ctx, m.ConversationID, wamid)
}

// templateText flattens a reply for a template parameter, which may not
// hold new lines, tabs or more than four spaces in a row.
func templateText(r flows.Reply) string {
	t := r.Text
	if len(r.Options) > 0 {
		t += " " + strings.ReplaceAll(numbered(r.Options), "\n", "; ")
	}
	return flows.Clip(strings.Join(strings.Fields(t), " "), MaxBodyLen)
}

// callbackDataPrefix starts the biz_opaque_callback_data Baton sends: the
// rest is the contact id its conversation is keyed by.
const callbackDataPrefix = "baton:contact:"

// callbackData is the biz_opaque_callback_data of a message to c: Meta
// returns it in the message's statuses, so a status names the
// conversation's contact even when it carries neither recipient_id nor
// recipient_user_id (a user known only by a username). Empty when the id
// would pass Meta's 512 characters.
func callbackData(c flows.Contact) string {
	if c.ID == "" || len(callbackDataPrefix)+utf8.RuneCountInString(c.ID) > 512 {
		return ""
	}
	return callbackDataPrefix + c.ID
}

// address picks "to" (a phone number) or "recipient" (a business-scoped
// user id, for users known only by a username) for contact c.
func address(c flows.Contact) (to, recipient string, err error) {
	if p := strings.TrimPrefix(strings.ReplaceAll(c.Phone, " ", ""), "+"); isPhone(p) {
		return p, "", nil
	}
	switch {
	case c.ID == "":
		return "", "", &flows.ChannelError{Channel: flows.ChannelWhatsApp, Message: "the contact has no id or phone number to send to"}
	case isPhone(c.ID):
		return c.ID, "", nil
	}
	return "", c.ID, nil
}
