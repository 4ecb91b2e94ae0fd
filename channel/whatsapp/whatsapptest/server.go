package whatsapptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Defaults of a Server.
const (
	PhoneNumberID = "106540352242922"
	Token         = "test-access-token"
	Version       = "v24.0"
	AppSecret     = "test-app-secret"
	VerifyToken   = "test-verify-token"
)

// Server is the fake Graph API. Its fields are set by NewServer and read
// only afterwards.
type Server struct {
	// URL is the graph_url to configure (no trailing slash).
	URL           string
	Token         string
	Version       string
	AppSecret     string
	PhoneNumberID string // the first of the phone numbers served

	srv     *httptest.Server
	numbers map[string]bool

	mu        sync.Mutex
	messages  []Message
	reads     []Read
	refused   []Refusal
	failures  []Failure
	closed    map[string]bool
	templates map[string]int // name/lang → parameter count
	media     map[string]mediaFile
	seq       int
}

// Option configures a Server.
type Option func(*Server)

// WithPhoneNumbers sets the phone number ids the server knows (default
// PhoneNumberID).
func WithPhoneNumbers(ids ...string) Option {
	return func(s *Server) {
		s.numbers = map[string]bool{}
		for _, id := range ids {
			s.numbers[id] = true
		}
		if len(ids) > 0 {
			s.PhoneNumberID = ids[0]
		}
	}
}

// WithToken sets the access token the server accepts (default Token).
func WithToken(t string) Option { return func(s *Server) { s.Token = t } }

// WithVersion sets the API version in paths (default Version).
func WithVersion(v string) Option { return func(s *Server) { s.Version = v } }

// WithAppSecret sets the secret webhooks are signed with (default AppSecret).
func WithAppSecret(secret string) Option { return func(s *Server) { s.AppSecret = secret } }

// WithTemplate registers an approved template with its number of body
// parameters; sending any other template fails with 132001.
func WithTemplate(name, lang string, params int) Option {
	return func(s *Server) { s.templates[name+"/"+lang] = params }
}

// NewServer starts a fake Graph API, closed when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	s := &Server{
		Token: Token, Version: Version, AppSecret: AppSecret, PhoneNumberID: PhoneNumberID,
		numbers: map[string]bool{PhoneNumberID: true}, closed: map[string]bool{},
		templates: map[string]int{}, media: map[string]mediaFile{},
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Message is a send the server accepted.
type Message struct {
	ID            string // the wamid it answered with
	PhoneNumberID string
	To            string // a phone number, or
	Recipient     string // a business-scoped user id
	Type          string // text, interactive, template
	Text          string // text.body
	PreviewURL    bool
	Interactive   *Interactive
	Template      *Template
	Body          json.RawMessage // the request body as sent
	// CallbackData is its biz_opaque_callback_data (at most 512
	// characters), returned in the message's statuses.
	CallbackData string
}

// Interactive is an interactive message: reply buttons or a list.
type Interactive struct {
	Type       string // button | list
	Body       string
	ListButton string
	Choices    []Choice // the buttons, or the list's rows in order
}

// Choice is a reply button or a list row.
type Choice struct{ ID, Title, Description string }

// Template is a template message.
type Template struct {
	Name, Language string
	Params         []string // body parameters
}

// Read is a mark-as-read request.
type Read struct {
	PhoneNumberID, MessageID string
	Typing                   bool
}

// Refusal is a request the server refused, with Graph's error.
type Refusal struct {
	Path    string
	Status  int
	Code    int
	Message string
}

// Failure makes a coming send fail (see FailNext).
type Failure struct {
	// Status is the HTTP status (default 400, Graph's for most codes).
	Status int
	// Code is the Graph error code: 130429, 131056 and 80007 throttle,
	// 131047 is the closed window, 131000 a generic failure.
	Code    int
	Message string
	// RetryAfter is a Retry-After header value, when set.
	RetryAfter string
	// AfterWrite accepts and records the message before answering with
	// the error: a write that takes effect, then fails.
	AfterWrite bool
}

// FailNext makes the next sends (valid ones; an invalid send is refused
// for itself) fail with fs, in order.
func (s *Server) FailNext(fs ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, fs...)
}

// CloseWindow makes free-form sends to recipient (a phone number or user
// id) fail with 131047, as after 24 hours of silence; templates still go.
func (s *Server) CloseWindow(recipient string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed[recipient] = true
}

// Messages returns the sends accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Reads returns the mark-as-read requests so far.
func (s *Server) Reads() []Read {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Read(nil), s.reads...)
}

// Refusals returns the requests refused so far (bad token, path, body or
// limits, and the failures FailNext asked for).
func (s *Server) Refusals() []Refusal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Refusal(nil), s.refused...)
}

// graphError is Graph's error answer.
type graphError struct {
	status  int
	code    int
	subcode int
	message string
	details string
	header  map[string]string
}

func (e *graphError) write(w http.ResponseWriter) {
	for k, v := range e.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	typ := "OAuthException"
	if e.status >= 500 {
		typ = "GraphMethodException"
	}
	body := map[string]any{"message": e.message, "type": typ, "code": e.code, "fbtrace_id": "AbCdEfGhIjK"}
	if e.subcode != 0 {
		body["error_subcode"] = e.subcode
	}
	if e.details != "" {
		body["error_data"] = map[string]string{"messaging_product": "whatsapp", "details": e.details}
	}
	json.NewEncoder(w).Encode(map[string]any{"error": body})
}

func invalid(code int, format string, args ...any) *graphError {
	msg := fmt.Sprintf(format, args...)
	return &graphError{status: http.StatusBadRequest, code: code, message: "(#" + strconv.Itoa(code) + ") " + msg, details: msg}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if err := s.route(w, r); err != nil {
		s.mu.Lock()
		s.refused = append(s.refused, Refusal{Path: r.URL.Path, Status: err.status, Code: err.code, Message: err.message})
		s.mu.Unlock()
		err.write(w)
	}
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) *graphError {
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		return &graphError{status: http.StatusUnauthorized, code: 190, message: "Invalid OAuth access token - Cannot parse access token"}
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/media-download/"); ok && r.Method == http.MethodGet {
		return s.download(w, id)
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) == 0 || parts[0] != s.Version {
		return &graphError{status: http.StatusBadRequest, code: 2500, message: "Unknown path components: " + r.URL.Path + " (want /" + s.Version + "/...)"}
	}
	switch {
	case len(parts) == 3 && parts[2] == "messages" && r.Method == http.MethodPost:
		if !s.numbers[parts[1]] {
			return &graphError{status: http.StatusBadRequest, code: 100, subcode: 33,
				message: "Unsupported post request. Object with ID '" + parts[1] + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation."}
		}
		return s.messagesEndpoint(w, r, parts[1])
	case len(parts) == 2 && r.Method == http.MethodGet:
		return s.mediaInfo(w, parts[1])
	}
	return &graphError{status: http.StatusBadRequest, code: 2500, message: "Unknown path components: " + r.URL.Path}
}

func (s *Server) messagesEndpoint(w http.ResponseWriter, r *http.Request, number string) *graphError {
	var raw json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&raw); err != nil {
		return invalid(100, "Invalid parameter: the body is not JSON: %v", err)
	}
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		return invalid(100, "Invalid parameter: %v", err)
	}
	if req.Status != "" { // mark as read
		if req.Status != "read" || req.MessageID == "" || req.MessagingProduct != "whatsapp" {
			return invalid(100, "Invalid parameter: a status update needs messaging_product whatsapp, status read and a message_id")
		}
		s.mu.Lock()
		s.reads = append(s.reads, Read{PhoneNumberID: number, MessageID: req.MessageID, Typing: req.Typing != nil && req.Typing.Type == "text"})
		s.mu.Unlock()
		writeJSON(w, map[string]bool{"success": true})
		return nil
	}
	m, gerr := s.check(&req)
	if gerr != nil {
		return gerr
	}
	m.PhoneNumberID, m.Body = number, raw
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Type != "template" && (s.closed[m.To] || s.closed[m.Recipient]) {
		return &graphError{status: http.StatusBadRequest, code: 131047, message: "(#131047) Re-engagement message",
			details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}
	}
	if len(s.failures) > 0 {
		f := s.failures[0]
		s.failures = s.failures[1:]
		if f.AfterWrite {
			s.record(m)
		}
		e := &graphError{status: f.Status, code: f.Code, message: f.Message, details: f.Message}
		if e.status == 0 {
			e.status = http.StatusBadRequest
		}
		if e.message == "" {
			e.message = fmt.Sprintf("(#%d) %s", f.Code, http.StatusText(e.status))
		}
		if f.RetryAfter != "" {
			e.header = map[string]string{"Retry-After": f.RetryAfter}
		}
		return e
	}
	id := s.record(m)
	input := m.To
	if input == "" {
		input = m.Recipient
	}
	contact := map[string]string{"input": input}
	if m.To != "" {
		contact["wa_id"] = m.To
	} else {
		contact["user_id"] = m.Recipient
	}
	writeJSON(w, map[string]any{"messaging_product": "whatsapp", "contacts": []any{contact}, "messages": []any{map[string]string{"id": id}}})
	return nil
}

// record keeps an accepted message and returns its wamid; s.mu is held.
func (s *Server) record(m *Message) string {
	s.seq++
	m.ID = fmt.Sprintf("wamid.FAKE%06d", s.seq)
	s.messages = append(s.messages, *m)
	return m.ID
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
