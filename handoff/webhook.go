package handoff

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonbot/baton/flows"
)

// Webhook is the generic connector: it POSTs each handoff event as JSON to
// a URL, signed per the Standard Webhooks specification, for helpdesks
// Baton has no connector for (or a team's own service).
type Webhook struct {
	url string
	// macs keeps HMAC-SHA256 hashers keyed with the secret (webhookMAC),
	// reset after each signature: keying a new one cost more than hashing
	// an event.
	macs sync.Pool
	// size is the last event's size: the next one's buffer starts there.
	size atomic.Int64
	o    *connOptions
	s    *sender
}

var _ flows.Connector = (*Webhook)(nil)

// Event types the webhook connector sends.
const (
	EventHandoffOpen   = "handoff.open"
	EventHandoffAppend = "handoff.append"
	EventHandoffClose  = "handoff.close"
)

// WebhookEvent is the body the webhook connector sends, in the
// {type, timestamp, data} shape Standard Webhooks recommends. Data is the
// flows.Handoff (masked when asked, Summary filled) for handoff.open, and
// a WebhookUpdate for handoff.append and handoff.close.
type WebhookEvent struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// WebhookUpdate is the data of handoff.append (with Message) and
// handoff.close.
type WebhookUpdate struct {
	Ticket  flows.TicketRef `json:"ticket"`
	Message *flows.Message  `json:"message,omitempty"`
	// Attachments link the customer's files (WithMediaLinks): signed URLs
	// that expire.
	Attachments []WebhookAttachment `json:"attachments,omitempty"`
}

// NewWebhook returns a connector that posts to endpoint, signing with
// secret ("whsec_" followed by base64, as Standard Webhooks defines it).
func NewWebhook(endpoint, secret string, opts ...ConnectorOption) (*Webhook, error) {
	o := buildOptions(opts)
	if o.baseURL != "" {
		endpoint = o.baseURL
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook: URL %q is not an http(s) URL: set connectors.webhook.url", Redact(endpoint))
	}
	key, err := webhookKey(secret)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w: set connectors.webhook.secret", err)
	}
	w := &Webhook{url: endpoint, o: o}
	w.macs.New = func() any { return &webhookMAC{m: hmac.New(sha256.New, key)} }
	w.s = &sender{connector: "webhook", opts: o, secretQuery: secretQueryKeys(endpoint), hints: ClientHints{
		Auth:     "the receiver rejected the signature: check that it uses the secret of connectors.webhook.secret",
		NotFound: "check connectors.webhook.url",
		Invalid:  "the receiver rejected the event; see its message",
	}}
	return w, nil
}

// webhookKey decodes a "whsec_<base64>" secret into the HMAC key.
func webhookKey(secret string) ([]byte, error) {
	s := strings.TrimSpace(secret)
	if s == "" {
		return nil, errors.New("no signing secret")
	}
	b64, ok := strings.CutPrefix(s, "whsec_")
	if !ok {
		return nil, errors.New(`the signing secret must start with "whsec_" followed by base64`)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(b64)
	}
	if err != nil || len(key) == 0 {
		return nil, errors.New(`the signing secret after "whsec_" is not valid base64`)
	}
	return key, nil
}

// SignWebhook returns the webhook-signature header value ("v1,<base64>")
// of a Standard Webhooks message: HMAC-SHA256 of "{id}.{timestamp}.{body}"
// keyed with the decoded secret.
func SignWebhook(secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := webhookKey(secret)
	if err != nil {
		return "", err
	}
	return signWebhook(key, id, strconv.FormatInt(timestamp.Unix(), 10), body), nil
}

func signWebhook(key []byte, id, ts string, body []byte) string {
	sig, _ := signWith(hmac.New(sha256.New, key), nil, id, ts, body)
	return sig
}

// webhookMAC is a pooled HMAC-SHA256 keyed with the secret, with the
// scratch bytes its signatures reuse.
type webhookMAC struct {
	m       hash.Hash
	scratch []byte
}

// signed is signWebhook with w's pooled hashers.
func (w *Webhook) signed(id, ts string, body []byte) string {
	mac := w.macs.Get().(*webhookMAC)
	sig, scratch := signWith(mac.m, mac.scratch, id, ts, body)
	mac.m.Reset() // back to the keyed state
	mac.scratch = scratch[:0]
	w.macs.Put(mac)
	return sig
}

// signWith is the Standard Webhooks signature of body made with m, an
// HMAC-SHA256 keyed with the secret: "v1," and the base64 of the MAC of
// "id.timestamp.body". It writes "id.timestamp." and the MAC in scratch
// and returns it, for the next signature: one allocation, the string.
func signWith(m hash.Hash, scratch []byte, id, ts string, body []byte) (string, []byte) {
	scratch = append(append(append(append(scratch[:0], id...), '.'), ts...), '.')
	m.Write(scratch)
	m.Write(body)
	scratch = m.Sum(scratch[:0])
	var out [3 + 44]byte // "v1," and the base64 of 32 bytes
	copy(out[:], "v1,")
	base64.StdEncoding.Encode(out[3:], scratch[:sha256.Size])
	return string(out[:]), scratch
}

// Errors VerifyWebhook returns; all mean 401 to the sender.
var (
	ErrMissingSignature = errors.New("missing webhook-id, webhook-timestamp or webhook-signature header")
	ErrBadTimestamp     = errors.New("webhook-timestamp is not unix seconds within the tolerance of now")
	ErrBadSignature     = errors.New("no webhook-signature matches the body")
)

// VerifyWebhook checks a Standard Webhooks message: the three headers are
// present, the timestamp is within tolerance of now (replays of old
// messages fail), and one of the space-separated "v1,<base64>" signatures
// matches, compared in constant time.
func VerifyWebhook(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := webhookKey(secret)
	if err != nil {
		return err
	}
	return verifyWebhook(key, header, body, now, tolerance)
}

func verifyWebhook(key []byte, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, ts, sigs := header.Get("webhook-id"), header.Get("webhook-timestamp"), header.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return ErrMissingSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	d := now.Sub(time.Unix(sec, 0))
	if sec < 0 || d > tolerance || d < -tolerance {
		return ErrBadTimestamp
	}
	want := signWebhook(key, id, ts, body)
	for _, s := range strings.Fields(sigs) {
		if strings.HasPrefix(s, "v1,") && hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrBadSignature
}

// eventBody is marshalJSON(WebhookEvent{typ, at to the second,
// marshalJSON(data)}), data encoded straight into the event's buffer
// (sized by hint, the size of the last event) rather than into a buffer
// of its own, grown on the way, then copied.
func eventBody(typ string, at time.Time, data any, hint int) ([]byte, error) {
	b := make([]byte, 0, max(hint, 512))
	b = append(b, `{"type":`...)
	b = strconv.AppendQuote(b, typ)
	b = append(b, `,"timestamp":"`...)
	b = at.UTC().Truncate(time.Second).AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","data":`...)
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(data); err != nil {
		return nil, err
	}
	return append(bytes.TrimRight(buf.Bytes(), "\n"), '}'), nil
}

// Open posts handoff.open with the whole handoff. The receiver may answer
// {"id": "...", "url": "..."} to name its ticket; otherwise the ticket is
// known by the handoff id.
func (w *Webhook) Open(ctx context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	if h == nil {
		return flows.TicketRef{}, &Error{Connector: "webhook", Op: "open", Err: fmt.Errorf("no handoff")}
	}
	res, err := w.post(ctx, "open", EventHandoffOpen, h.ID+"."+EventHandoffOpen, maskedCopy(h, w.o.render.mask))
	if err != nil {
		return flows.TicketRef{}, err
	}
	return webhookTicket(h.ID, res.body), nil
}

// webhookTicket is the ticket a receiver's answer to handoff.open names:
// its "id" (a string, or a number digit for digit) and "url" (http or
// https), each when there; the handoff's id otherwise.
func webhookTicket(handoffID string, body []byte) flows.TicketRef {
	ref := flows.TicketRef{Connector: "webhook", ID: handoffID}
	id, u, ok := ticketAnswer(body)
	if !ok {
		return ref
	}
	if id != "" {
		ref.ID = id
	}
	if u != "" {
		if p, err := url.Parse(u); err == nil && (p.Scheme == "https" || p.Scheme == "http") {
			ref.URL = u
		}
	}
	return ref
}

// ticketAnswer reads "id" (a string, or a number as written) and "url"
// from the answer's first JSON value, whatever follows it; ok is false
// when that is not an object with such fields. An answer that is one
// JSON value (all but odd ones) is read without a Decoder (its buffer,
// its copy of the body).
func ticketAnswer(body []byte) (id, u string, ok bool) {
	var got struct {
		ID  json.RawMessage `json:"id"`
		URL string          `json:"url"`
	}
	if json.Unmarshal(body, &got) != nil {
		got.ID, got.URL = nil, ""
		if json.NewDecoder(bytes.NewReader(body)).Decode(&got) != nil {
			return "", "", false
		}
	}
	switch {
	case len(got.ID) == 0:
	case got.ID[0] == '"':
		_ = json.Unmarshal(got.ID, &id) // a valid string: the decoder checked
	case got.ID[0] == '-' || (got.ID[0] >= '0' && got.ID[0] <= '9'):
		id = string(got.ID) // a 64-bit id stays digit for digit
	}
	return id, got.URL, true
}

// Append posts handoff.append with the message.
func (w *Webhook) Append(ctx context.Context, t flows.TicketRef, m flows.Message) error {
	if w.o.render.mask {
		m.Text, m.Choice = flows.MaskPII(m.Text), flows.MaskPII(m.Choice)
	}
	up := WebhookUpdate{Ticket: t, Message: &m}
	if a, ok := AttemptFrom(ctx); ok && w.o.links != nil && isFile(m.Media) && a.Conversation != "" {
		up.Attachments = append(up.Attachments, w.o.links.link(a.Conversation, m.Media, w.o.now()))
	}
	// The id names the message: its outbox item when the Deliverer calls
	// (stable across retries, distinct for two equal messages sent in the
	// same second), else its content.
	key := m.At.UTC().Format(time.RFC3339Nano) + "\x00" + string(m.From) + "\x00" + m.Text + "\x00" + m.Choice
	if a, ok := AttemptFrom(ctx); ok && a.Item != "" {
		key = "item\x00" + a.Item
	}
	sum := sha256.Sum256([]byte(key))
	_, err := w.post(ctx, "append", EventHandoffAppend, t.ID+"."+EventHandoffAppend+"."+hex.EncodeToString(sum[:8]), up)
	if status, gone := webhookGone(err); gone {
		return &Error{Connector: "webhook", Op: "append", Err: goneError{fmt.Sprintf("ticket %s is gone: the receiver answered %d %s to handoff.append, as for a ticket it deleted; the message is not added", t.ID, status, http.StatusText(status)), flows.GoneDeleted, ""}}
	}
	return err
}

// webhookGone reports whether err is the receiver's 404 Not Found or
// 410 Gone to an event about a ticket (handoff.append, handoff.close):
// its ticket is gone, as docs/channels.md says a receiver answers for a
// ticket it deleted.
func webhookGone(err error) (int, bool) {
	var e *Error
	if errors.As(err, &e) && (e.Status == http.StatusNotFound || e.Status == http.StatusGone) {
		return e.Status, true
	}
	return 0, false
}

// Close posts handoff.close.
func (w *Webhook) Close(ctx context.Context, t flows.TicketRef) error {
	// A receiver that names its tickets may name one ticket for two
	// handoffs: when the Deliverer calls, the id also names the close's
	// outbox item (one per handoff, stable across retries).
	id := t.ID + "." + EventHandoffClose
	if a, ok := AttemptFrom(ctx); ok && a.Item != "" {
		sum := sha256.Sum256([]byte("item\x00" + a.Item))
		id += "." + hex.EncodeToString(sum[:8])
	}
	_, err := w.post(ctx, "close", EventHandoffClose, id, WebhookUpdate{Ticket: t})
	if _, gone := webhookGone(err); gone {
		return nil // the receiver's ticket is gone: nothing is left to close
	}
	return err
}

// maxEventHint caps the buffer an event starts with: an open with a long
// transcript (up to hundreds of kilobytes) does not make the appends and
// closes after it start that large.
const maxEventHint = 16 << 10

// post signs and sends one event of data. The webhook-id is stable across
// retries of the same event, so receivers can drop duplicates; the
// timestamp is the attempt's.
func (w *Webhook) post(ctx context.Context, op, typ, id string, data any) (response, error) {
	now := w.o.now()
	body, err := eventBody(typ, now, data, min(int(w.size.Load())+256, maxEventHint))
	if err != nil {
		return response{}, &Error{Connector: "webhook", Op: op, Err: err}
	}
	w.size.Store(int64(len(body)))
	ts := strconv.FormatInt(now.Unix(), 10)
	// The keys as Set would write them (canonical), without making each
	// canonical on every event.
	h := http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {ts}, "Webhook-Signature": {w.signed(id, ts, body)}}
	return w.s.send(ctx, call{op: op, method: http.MethodPost, url: w.url, header: h, body: body, canned: `{}`})
}
