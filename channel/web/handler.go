package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

//go:embed assets
var assets embed.FS

var page = template.Must(template.ParseFS(assets, "assets/index.html"))

// Reasons a request is refused (see WithRejectHook).
const (
	RejectNotFound    = "not_found"        // no such path: 404
	RejectMethod      = "method"           // wrong method: 405
	RejectTooLarge    = "too_large"        // body over the limit: 413
	RejectMediaType   = "media_type"       // a post that is not Content-Type: application/json: 415
	RejectCrossSite   = "cross_site"       // a browser's request for another site's page (Sec-Fetch-Site): 403
	RejectMalformed   = "malformed"        // not a message: 400
	RejectBadID       = "bad_id"           // a conversation or message id not of the handler's making: 400
	RejectTooMany     = "too_many_streams" // more event streams on a conversation than allowed: 429
	RejectRate        = "rate"             // more posts on a conversation than WithRate allows: 429
	RejectStreamsFull = "streams_full"     // as many streams open across conversations as WithCapacity allows: 503, Retry-After
	RejectClosed      = "closed"           // the handler is shutting down: 503
	RejectReceiver    = "receiver_failed"  // the Receiver failed: 503, the page retries
)

// idRE is what conversation and message ids look like: the default
// generator's 26 base32 characters, or any 16 to 64 of letters, digits, _
// and -.
var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// Handler is the web chat channel: the page at /, POST /api/messages for
// a customer's message, GET /api/events for the replies as server-sent
// events, and Send (flows.Channel) for the host to deliver replies. It is
// safe for concurrent use.
type Handler struct {
	recv   flows.Receiver
	o      options
	convs  *convs
	static http.Handler

	closeOnce sync.Once
	closed    chan struct{}
}

var (
	_ http.Handler  = (*Handler)(nil)
	_ flows.Channel = (*Handler)(nil)
)

// NewHandler returns the web channel, handing customers' messages to r.
func NewHandler(r flows.Receiver, opts ...Option) (*Handler, error) {
	if r == nil {
		return nil, errors.New("web: NewHandler needs a Receiver")
	}
	h := &Handler{recv: r, o: buildOptions(opts), closed: make(chan struct{})}
	if !nameRE.MatchString(h.o.name) {
		return nil, errors.New("web: the widget name " + strconv.Quote(h.o.name) + " must be 1 to 64 letters, digits, _ or -")
	}
	h.convs = newConvs(h.o)
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, err
	}
	h.static = http.StripPrefix("/assets/", http.FileServerFS(sub))
	return h, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Close ends every open event stream (browsers reconnect to the next
// process) and refuses new ones; call it before http.Server.Shutdown,
// which waits for open requests.
func (h *Handler) Close() {
	h.closeOnce.Do(func() { close(h.closed) })
}

// ServeHTTP routes the channel's paths, wherever the handler is mounted.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	// No answer is read as another type than it says: an asset, the page,
	// the API's JSON or its event stream.
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch {
	case strings.HasSuffix(p, "/api/messages"):
		if r.Method != http.MethodPost {
			h.methodNotAllowed(w, "POST")
			return
		}
		h.post(w, r)
	case strings.HasSuffix(p, "/api/events"):
		if r.Method != http.MethodGet {
			h.methodNotAllowed(w, "GET")
			return
		}
		h.stream(w, r)
	case strings.Contains(p, "/assets/"):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.methodNotAllowed(w, "GET, HEAD")
			return
		}
		asset := p[strings.Index(p, "/assets/"):]
		if name := path.Clean("/" + asset[len("/assets/"):]); name == "/" || name == "/index.html" { // the page's template, not an asset
			h.refuse(w, http.StatusNotFound, RejectNotFound, "not found")
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = asset
		r2.URL.RawPath = ""
		w.Header().Set("Cache-Control", "no-cache")
		h.static.ServeHTTP(w, r2)
	case p == "" || strings.HasSuffix(p, "/"):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.methodNotAllowed(w, "GET, HEAD")
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'self'")
		hdr.Set("Referrer-Policy", "no-referrer")
		page.Execute(w, struct{ Title, Name string }{h.o.title, h.o.name})
	default:
		h.refuse(w, http.StatusNotFound, RejectNotFound, "not found")
	}
}

// posted is the body of POST /api/messages.
type posted struct {
	// Conversation is the id the first answer gave; empty starts one.
	Conversation string `json:"conversation"`
	// ID is the page's id for the message, so a retried post is not
	// processed twice; empty gets one.
	ID string `json:"id"`
	// Text is what the customer wrote, or Payload the id of a tapped
	// button, with Label its title (shown, never matched).
	Text    string `json:"text"`
	Payload string `json:"payload"`
	Label   string `json:"label"`
	// Name is the customer's name, when the page asks for it.
	Name string `json:"name"`
}

// reply is an event of a conversation's stream.
type reply struct {
	// ID is the page's id of an echoed customer message.
	ID      string              `json:"id,omitempty"`
	From    string              `json:"from"` // user, bot or agent
	Text    string              `json:"text,omitempty"`
	Options []flows.ReplyOption `json:"options,omitempty"`
	Style   flows.MenuStyle     `json:"style,omitempty"`
	Agent   string              `json:"agent,omitempty"`
	At      time.Time           `json:"at"`
}

// crossSite refuses, with 403, a browser's request made for another
// site's page, sibling subdomains included (Sec-Fetch-Site, sent by every
// current browser): the API answers its own page only. Such a page could
// otherwise hold the streams open through its visitors' browsers (an
// image, a script) until real customers get 503. The page's own requests
// are same-origin, a typed address is none, and clients that are not
// browsers send no Sec-Fetch-Site.
func (h *Handler) crossSite(w http.ResponseWriter, r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		h.refuse(w, http.StatusForbidden, RejectCrossSite, "the chat's API answers its own page only")
		return true
	}
	return false
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	if h.crossSite(w, r) {
		return
	}
	// Only JSON: what another site's page can post without a CORS
	// preflight (a form, a no-cors fetch, a beacon) is text/plain, a form
	// or has no type, and must not start or join a conversation.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		h.refuse(w, http.StatusUnsupportedMediaType, RejectMediaType, `the body must be JSON, sent with Content-Type: application/json`)
		return
	}
	if r.ContentLength > h.o.maxBody {
		h.refuse(w, http.StatusRequestEntityTooLarge, RejectTooLarge, "message over "+strconv.FormatInt(h.o.maxBody, 10)+" bytes")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.o.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.refuse(w, http.StatusRequestEntityTooLarge, RejectTooLarge, "message over "+strconv.FormatInt(h.o.maxBody, 10)+" bytes")
			return
		}
		h.refuse(w, http.StatusBadRequest, RejectMalformed, "reading the body: "+err.Error())
		return
	}
	var p posted
	if err := json.Unmarshal(body, &p); err != nil {
		h.refuse(w, http.StatusBadRequest, RejectMalformed, `the body must be JSON like {"conversation":"…","text":"…"}`)
		return
	}
	p.Text = strings.TrimSpace(p.Text)
	switch {
	case p.Text == "" && p.Payload == "":
		h.refuse(w, http.StatusBadRequest, RejectMalformed, "a message needs text or a payload")
		return
	case !utf8.ValidString(p.Text + p.Payload + p.Label + p.Name):
		h.refuse(w, http.StatusBadRequest, RejectMalformed, "the message is not valid UTF-8")
		return
	case utf8.RuneCountInString(p.Text) > h.o.maxText:
		h.refuse(w, http.StatusRequestEntityTooLarge, RejectTooLarge, "text over "+strconv.Itoa(h.o.maxText)+" characters")
		return
	case len(p.Payload) > 256 || utf8.RuneCountInString(p.Label) > 256 || utf8.RuneCountInString(p.Name) > 100:
		h.refuse(w, http.StatusBadRequest, RejectMalformed, "payload and label are at most 256 characters, name 100")
		return
	case (p.Conversation != "" && !idRE.MatchString(p.Conversation)) || (p.ID != "" && !idRE.MatchString(p.ID)):
		h.refuse(w, http.StatusBadRequest, RejectBadID, "conversation and message ids are 16 to 64 letters, digits, _ or -; leave them empty to get new ones")
		return
	}
	if p.Conversation == "" {
		p.Conversation = h.o.newID()
	}
	switch h.convs.allow(p.Conversation, h.o.burst, h.o.rate, h.o.now()) {
	case RejectRate:
		w.Header().Set("Retry-After", "1")
		h.refuse(w, http.StatusTooManyRequests, RejectRate, "too many messages; wait a moment")
		return
	}
	if p.ID == "" {
		p.ID = h.o.newID()
	}
	now := h.o.now()
	in := flows.Inbound{
		ID:             flows.ChannelWeb + ":" + h.o.name + ":" + p.Conversation + ":" + p.ID,
		Channel:        flows.ChannelWeb,
		Account:        h.o.name,
		ConversationID: flows.ConversationID(flows.ChannelWeb, h.o.name, p.Conversation),
		Contact:        flows.Contact{ID: p.Conversation, Name: p.Name},
		Input:          flows.Input{Kind: flows.InputMessage, At: now, Text: p.Text, Payload: p.Payload},
		At:             now,
	}
	// The echo goes first, so the conversation shows the message before
	// any reply to it, however fast the host answers.
	shown := p.Text
	if shown == "" {
		shown = p.Label
	}
	if shown == "" {
		shown = p.Payload
	}
	echoed := h.push(p.Conversation, p.ID, reply{ID: p.ID, From: "user", Text: shown, At: now})
	ctx, cancel := context.WithTimeout(r.Context(), h.o.receiveTimeout)
	defer cancel()
	if err := h.recv.Receive(ctx, in); err != nil {
		if echoed {
			h.convs.retract(p.Conversation, p.ID, h.o.now())
		}
		h.o.log.Error("web: receiver failed", "id", in.ID, "error", err)
		h.refuse(w, http.StatusServiceUnavailable, RejectReceiver, "the message could not be accepted; send it again")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]string{"conversation": p.Conversation, "id": p.ID})
}

// Send delivers a reply to the browser(s) showing conversation m.To.ID:
// it joins the conversation's buffer and its open streams.
func (h *Handler) Send(_ context.Context, m flows.Outbound) error {
	if !idRE.MatchString(m.To.ID) {
		return &flows.ChannelError{Channel: flows.ChannelWeb, Message: "contact id " + strconv.Quote(m.To.ID) + " is not a web conversation id"}
	}
	from := m.Reply.From
	if from == "" {
		from = "bot"
	}
	h.push(m.To.ID, "", reply{From: from, Text: m.Reply.Text, Options: m.Reply.Options, Style: m.Reply.Style, Agent: m.Reply.Agent, At: h.o.now()})
	return nil
}

// push adds r to the conversation; msg is the page's id of an echoed
// customer message, kept once.
func (h *Handler) push(conversation, msg string, r reply) bool {
	data, err := json.Marshal(r)
	if err != nil { // strings, numbers and a time always encode
		panic(err)
	}
	return h.convs.add(conversation, msg, data, h.o.now())
}

// busy refuses a request over one of the handler's bounds across
// conversations (WithCapacity) with 503 and when to try again: a few
// seconds, for a stream to end.
func (h *Handler) busy(w http.ResponseWriter, reason string) {
	w.Header().Set("Retry-After", "5")
	h.refuse(w, http.StatusServiceUnavailable, reason, "the chat is busy; try again in a few seconds")
}

func (h *Handler) methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	h.refuse(w, http.StatusMethodNotAllowed, RejectMethod, "use "+allow)
}

func (h *Handler) refuse(w http.ResponseWriter, status int, reason, msg string) {
	if h.o.reject != nil {
		h.o.reject(reason)
	}
	h.o.log.Info("web: request refused", "status", status, "reason", reason)
	http.Error(w, msg, status)
}
