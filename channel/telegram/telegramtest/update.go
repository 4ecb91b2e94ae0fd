package telegramtest

import (
	"encoding/json"
	"strconv"
	"time"
)

// From is the customer an update comes from (a private chat: the chat id
// is the user id).
type From struct {
	ID                  int64
	FirstName, LastName string
	Username            string
	Language            string
}

func (f From) user() map[string]any {
	u := map[string]any{"id": f.ID, "is_bot": false, "first_name": f.FirstName}
	if f.LastName != "" {
		u["last_name"] = f.LastName
	}
	if f.Username != "" {
		u["username"] = f.Username
	}
	if f.Language != "" {
		u["language_code"] = f.Language
	}
	return u
}

func (s *Server) nextUpdate() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.update++
	return s.update
}

// TextUpdate builds an update with a text message from f.
func (s *Server) TextUpdate(f From, text string) []byte {
	return s.MessageUpdate(f, map[string]any{"text": text})
}

// MessageUpdate builds an update with a message from f carrying fields
// (text, photo, document, location, contact, caption...).
func (s *Server) MessageUpdate(f From, fields map[string]any) []byte {
	msg := map[string]any{
		"message_id": s.nextUpdate(),
		"from":       f.user(),
		"chat":       map[string]any{"id": f.ID, "type": "private", "first_name": f.FirstName},
		"date":       time.Now().Unix(),
	}
	for k, v := range fields {
		msg[k] = v
	}
	return s.encode(map[string]any{"update_id": s.nextUpdate(), "message": msg})
}

// CallbackUpdate builds an update for a tap on an inline button with
// callback_data data, under a message the bot sent to f.
func (s *Server) CallbackUpdate(f From, data string) []byte {
	id := s.nextUpdate()
	return s.encode(map[string]any{"update_id": id, "callback_query": map[string]any{
		"id":            strconv.FormatInt(id*7919, 10),
		"from":          f.user(),
		"chat_instance": "-4852011093412",
		"data":          data,
		"message": map[string]any{
			"message_id": 1,
			"from":       map[string]any{"id": 7000001, "is_bot": true, "first_name": s.BotName},
			"chat":       map[string]any{"id": f.ID, "type": "private"},
			"date":       time.Now().Add(-time.Minute).Unix(),
			"text":       "…",
		},
	}})
}

func (s *Server) encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	return b
}
