package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"
)

// Defaults of a Server.
const (
	Token       = "123456:TEST-token_abcdefghijklmnopqrstuv"
	BotName     = "shop"
	SecretToken = "test-secret_token"
)

// Server is the fake Bot API.
type Server struct {
	// URL is the base URL to configure (no trailing slash).
	URL         string
	Token       string
	BotName     string
	SecretToken string

	srv *httptest.Server

	mu       sync.Mutex
	messages []Message
	answers  []string
	actions  []Action
	refused  []Refusal
	failures []Failure
	blocked  map[int64]bool
	files    map[string][]byte
	seq      int64
	update   int64
}

// Message is a sendMessage the server accepted.
type Message struct {
	MessageID int64
	ChatID    int64
	Text      string
	// Keyboard is the inline keyboard, row by row.
	Keyboard [][]Button
}

// Button is an inline keyboard button.
type Button struct{ Text, Data string }

// Action is a sendChatAction.
type Action struct {
	ChatID int64
	Action string
}

// Refusal is a request the server refused.
type Refusal struct {
	Method      string
	Status      int
	Description string
}

// Failure makes a coming sendMessage fail (see FailNext).
type Failure struct {
	// Status is the HTTP status and error_code (default 429).
	Status      int
	Description string
	// RetryAfter is parameters.retry_after, in seconds.
	RetryAfter int
	// AfterWrite accepts and records the message before the error.
	AfterWrite bool
}

// NewServer starts a fake Bot API, closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{Token: Token, BotName: BotName, SecretToken: SecretToken, blocked: map[int64]bool{}, files: map[string][]byte{}, update: 100000}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// FailNext makes the next valid sendMessage calls fail with fs, in order.
func (s *Server) FailNext(fs ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, fs...)
}

// Block makes sends to chatID fail with 403, as when the user blocked the bot.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// AddFile makes fileID downloadable through getFile.
func (s *Server) AddFile(fileID string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[fileID] = data
}

// Messages returns the accepted sendMessage calls, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Answers returns the callback query ids answered, by a call or in a
// webhook answer.
func (s *Server) Answers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.answers...)
}

// Actions returns the chat actions sent.
func (s *Server) Actions() []Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Action(nil), s.actions...)
}

// Refusals returns the requests refused so far.
func (s *Server) Refusals() []Refusal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Refusal(nil), s.refused...)
}

type apiError struct {
	status      int
	description string
	retryAfter  int
}

func fail(status int, format string, args ...any) *apiError {
	return &apiError{status: status, description: fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"+s.Token+"/"); ok && r.Method == http.MethodGet {
		s.mu.Lock()
		data, found := s.files[strings.TrimPrefix(rest, "documents/")]
		s.mu.Unlock()
		if !found {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
		return
	}
	method := ""
	if rest, ok := strings.CutPrefix(r.URL.Path, "/bot"); ok {
		token, m, _ := strings.Cut(rest, "/")
		if token != s.Token {
			s.reply(w, "", nil, fail(http.StatusUnauthorized, "Unauthorized"))
			return
		}
		method = m
	}
	var params map[string]json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&params); err != nil {
		s.reply(w, method, nil, fail(http.StatusBadRequest, "Bad Request: the fake reads JSON bodies: %v", err))
		return
	}
	result, err := s.call(method, params)
	s.reply(w, method, result, err)
}

// call carries out a method; the webhook answer path uses it too.
func (s *Server) call(method string, params map[string]json.RawMessage) (any, *apiError) {
	switch method {
	case "sendMessage":
		return s.sendMessage(params)
	case "answerCallbackQuery":
		var id string
		if json.Unmarshal(params["callback_query_id"], &id) != nil || id == "" {
			return nil, fail(http.StatusBadRequest, "Bad Request: query is too old and response timeout expired or query ID is invalid")
		}
		s.mu.Lock()
		s.answers = append(s.answers, id)
		s.mu.Unlock()
		return true, nil
	case "sendChatAction":
		var a Action
		if json.Unmarshal(params["chat_id"], &a.ChatID) != nil || json.Unmarshal(params["action"], &a.Action) != nil || a.Action == "" {
			return nil, fail(http.StatusBadRequest, "Bad Request: chat_id and action are required")
		}
		s.mu.Lock()
		s.actions = append(s.actions, a)
		s.mu.Unlock()
		return true, nil
	case "getFile":
		var id string
		json.Unmarshal(params["file_id"], &id)
		s.mu.Lock()
		data, ok := s.files[id]
		s.mu.Unlock()
		if !ok {
			return nil, fail(http.StatusBadRequest, "Bad Request: invalid file_id")
		}
		return map[string]any{"file_id": id, "file_unique_id": "u" + id, "file_size": len(data), "file_path": "documents/" + id}, nil
	}
	return nil, fail(http.StatusNotFound, "Not Found")
}

func (s *Server) sendMessage(params map[string]json.RawMessage) (any, *apiError) {
	var m Message
	if err := json.Unmarshal(params["chat_id"], &m.ChatID); err != nil || m.ChatID == 0 {
		return nil, fail(http.StatusBadRequest, "Bad Request: chat not found")
	}
	json.Unmarshal(params["text"], &m.Text)
	switch n := len(utf16.Encode([]rune(m.Text))); {
	case strings.TrimSpace(m.Text) == "":
		return nil, fail(http.StatusBadRequest, "Bad Request: message text is empty")
	case n > 4096:
		return nil, fail(http.StatusBadRequest, "Bad Request: message is too long")
	}
	if raw, ok := params["reply_markup"]; ok {
		var markup struct {
			InlineKeyboard [][]struct {
				Text         string `json:"text"`
				CallbackData string `json:"callback_data"`
			} `json:"inline_keyboard"`
		}
		if err := json.Unmarshal(raw, &markup); err != nil || len(markup.InlineKeyboard) == 0 {
			return nil, fail(http.StatusBadRequest, "Bad Request: can't parse reply keyboard markup JSON object")
		}
		for _, row := range markup.InlineKeyboard {
			var out []Button
			for _, b := range row {
				switch {
				case strings.TrimSpace(b.Text) == "":
					return nil, fail(http.StatusBadRequest, "Bad Request: text buttons are unallowed in the inline keyboard")
				case b.CallbackData == "" || len(b.CallbackData) > 64:
					return nil, fail(http.StatusBadRequest, "Bad Request: BUTTON_DATA_INVALID")
				}
				out = append(out, Button{Text: b.Text, Data: b.CallbackData})
			}
			m.Keyboard = append(m.Keyboard, out)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[m.ChatID] {
		return nil, fail(http.StatusForbidden, "Forbidden: bot was blocked by the user")
	}
	if len(s.failures) > 0 {
		f := s.failures[0]
		s.failures = s.failures[1:]
		if f.AfterWrite {
			s.record(&m)
		}
		e := &apiError{status: f.Status, description: f.Description, retryAfter: f.RetryAfter}
		if e.status == 0 {
			e.status = http.StatusTooManyRequests
		}
		if e.description == "" && e.status == http.StatusTooManyRequests {
			e.description = "Too Many Requests: retry after " + strconv.Itoa(f.RetryAfter)
		}
		return nil, e
	}
	s.record(&m)
	return map[string]any{"message_id": m.MessageID, "chat": map[string]any{"id": m.ChatID, "type": "private"}, "text": m.Text}, nil
}

// record keeps an accepted message; s.mu is held.
func (s *Server) record(m *Message) {
	s.seq++
	m.MessageID = s.seq
	s.messages = append(s.messages, *m)
}

func (s *Server) reply(w http.ResponseWriter, method string, result any, err *apiError) {
	w.Header().Set("Content-Type", "application/json")
	if err == nil {
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
		return
	}
	s.mu.Lock()
	s.refused = append(s.refused, Refusal{Method: method, Status: err.status, Description: err.description})
	s.mu.Unlock()
	w.WriteHeader(err.status)
	body := map[string]any{"ok": false, "error_code": err.status, "description": err.description}
	if err.retryAfter > 0 {
		body["parameters"] = map[string]int{"retry_after": err.retryAfter}
	}
	json.NewEncoder(w).Encode(body)
}

// Deliver posts an update to an in-process handler at
// /webhooks/telegram/{bot} with the secret token header, as Telegram does,
// and carries out a method the handler puts in its answer.
func (s *Server) Deliver(h http.Handler, update []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram/"+s.BotName, bytes.NewReader(update))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", s.SecretToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	s.webhookAnswer(rec.Code, rec.Body.Bytes())
	return rec
}

// Post posts an update to a listening server's webhook url, and carries
// out a method in the answer.
func (s *Server) Post(url string, update []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(update))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", s.SecretToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	s.webhookAnswer(resp.StatusCode, buf.Bytes())
	return resp.StatusCode, nil
}

// webhookAnswer carries out the Bot API method a 200 answer holds.
func (s *Server) webhookAnswer(status int, body []byte) {
	var params map[string]json.RawMessage
	if status != http.StatusOK || json.Unmarshal(body, &params) != nil {
		return
	}
	var method string
	if json.Unmarshal(params["method"], &method) == nil && method != "" {
		s.call(method, params)
	}
}
