package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// Telegram's limits on what a message may carry.
const (
	MaxTextLen      = 4096 // UTF-16 code units, after entities parsing
	MaxCallbackData = 64   // bytes of an inline button's callback_data
)

const maxResponseBytes = 1 << 20

// maxRetryAfter is the longest retry_after honoured; a longer one is cut
// to it.
const maxRetryAfter = 24 * time.Hour

// Sender sends replies from one bot through the Bot API
// ({base}/bot{token}/sendMessage). It implements flows.Channel,
// flows.MediaFetcher and flows.Typer, and is safe for concurrent use.
type Sender struct {
	bot   string
	token string
	o     options
	done  *flows.PartsSent
}

var (
	_ flows.Channel      = (*Sender)(nil)
	_ flows.MediaFetcher = (*Sender)(nil)
	_ flows.Typer        = (*Sender)(nil)
)

// NewSender returns the sender for the bot named bot with its token.
func NewSender(bot, token string, opts ...Option) (*Sender, error) {
	if token == "" || strings.ContainsAny(token, "/?#") {
		return nil, fmt.Errorf("telegram: bot %s needs its token from @BotFather (like 123456:ABC-DEF...)", bot)
	}
	s := &Sender{bot: bot, token: token, o: buildOptions(opts), done: flows.NewPartsSent(4096)}
	s.o.baseURL = strings.TrimRight(s.o.baseURL, "/")
	return s, nil
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

type sendMessage struct {
	ChatID      int64  `json:"chat_id"`
	Text        string `json:"text"`
	ReplyMarkup *struct {
		InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
	} `json:"reply_markup,omitempty"`
}

// Send delivers m to the chat m.To.ID: the text in parts of at most 4,096
// characters, a menu as an inline keyboard (one button a row) on the last
// part, or as a numbered list when the menu asks for text. A button's
// callback_data is the option's id, or its flows.OptionToken when the id
// is longer than 64 bytes (the engine reads the token back as the id). A
// 429 comes back as a temporary
// *flows.ChannelError with Telegram's retry_after. A reply of several
// parts resumes after the parts a failed attempt already delivered when
// Send is called again with the same m.ID.
func (s *Sender) Send(ctx context.Context, m flows.Outbound) error {
	chatID, err := strconv.ParseInt(m.To.ID, 10, 64)
	if err != nil {
		return &flows.ChannelError{Channel: flows.ChannelTelegram, Message: "contact id " + strconv.Quote(m.To.ID) + " is not a Telegram chat id"}
	}
	r := m.Reply
	text := strings.TrimSpace(r.Text)
	keyboard := len(r.Options) > 0 && r.Style != flows.MenuText
	for _, o := range r.Options {
		if o.ID == "" || strings.TrimSpace(o.Title) == "" {
			keyboard = false
		}
	}
	if len(r.Options) > 0 && (!keyboard || text == "") {
		text = strings.TrimSpace(text + "\n\n" + numbered(r.Options))
	}
	parts := flows.SplitTextUTF16(text, MaxTextLen)
	for i := s.done.Done(m.ID); i < len(parts); i++ {
		msg := sendMessage{ChatID: chatID, Text: parts[i]}
		if keyboard && i == len(parts)-1 {
			msg.ReplyMarkup = &struct {
				InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
			}{}
			for _, o := range r.Options {
				msg.ReplyMarkup.InlineKeyboard = append(msg.ReplyMarkup.InlineKeyboard, []inlineButton{{Text: o.Title, CallbackData: flows.ButtonID(o.ID, MaxCallbackData)}})
			}
		}
		if _, err := s.call(ctx, "sendMessage", msg); err != nil {
			return err
		}
		s.done.Sent(m.ID, i+1, len(parts))
	}
	return nil
}

func numbered(opts []flows.ReplyOption) string {
	var b strings.Builder
	for i, o := range opts {
		n := o.Number
		if n == 0 {
			n = i + 1
		}
		fmt.Fprintf(&b, "%d. %s\n", n, o.Title)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Typing shows "typing…" in the chat for about 5 seconds.
func (s *Sender) Typing(ctx context.Context, in flows.Inbound) error {
	chatID, err := strconv.ParseInt(in.Contact.ID, 10, 64)
	if err != nil {
		return &flows.ChannelError{Channel: flows.ChannelTelegram, Message: "contact id " + strconv.Quote(in.Contact.ID) + " is not a Telegram chat id"}
	}
	_, err = s.call(ctx, "sendChatAction", map[string]any{"chat_id": chatID, "action": "typing"})
	return err
}

// AnswerCallback answers a callback query (the handler already answers
// taps in its response; this is for hosts that defer it).
func (s *Sender) AnswerCallback(ctx context.Context, id string) error {
	_, err := s.call(ctx, "answerCallbackQuery", map[string]string{"callback_query_id": id})
	return err
}

// call posts a Bot API method and returns its result.
func (s *Sender) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	b, err := json.Marshal(params)
	if err != nil {
		return nil, &flows.ChannelError{Channel: flows.ChannelTelegram, Message: "encoding " + method + ": " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.o.baseURL+"/bot"+s.token+"/"+method, bytes.NewReader(b))
	if err != nil {
		return nil, &flows.ChannelError{Channel: flows.ChannelTelegram, Message: "bad base URL: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.o.client.Do(req)
	if err != nil { // the request may or may not have reached Telegram; never log the URL: it holds the token
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap()
		}
		return nil, &flows.ChannelError{Channel: flows.ChannelTelegram, Temporary: true, Message: method + ": " + err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, &flows.ChannelError{Channel: flows.ChannelTelegram, Status: resp.StatusCode, Temporary: true, Message: method + ": reading the answer: " + err.Error()}
	}
	var ans struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		ErrorCode   int             `json:"error_code"`
		Description string          `json:"description"`
		Parameters  struct {
			RetryAfter float64 `json:"retry_after"` // a float: a number past an int is still a wait
		} `json:"parameters"`
	}
	if json.Unmarshal(body, &ans) == nil && ans.OK && resp.StatusCode/100 == 2 {
		return ans.Result, nil
	}
	ce := &flows.ChannelError{Channel: flows.ChannelTelegram, Status: resp.StatusCode, Code: ans.ErrorCode, Message: method + ": " + ans.Description}
	if ans.Description == "" {
		ce.Message = method + ": " + http.StatusText(resp.StatusCode)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || ans.ErrorCode == http.StatusTooManyRequests:
		ce.Temporary = true
		if secs := ans.Parameters.RetryAfter; secs > 0 {
			ce.RetryAfter = maxRetryAfter
			if secs < maxRetryAfter.Seconds() {
				ce.RetryAfter = time.Duration(secs * float64(time.Second))
			}
		}
	case resp.StatusCode >= 500:
		ce.Temporary = true
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusNotFound:
		// Telegram answers 401 for a revoked token and 404 for one it
		// cannot parse (as for an unknown method): every call fails
		// until the operator acts, so say how.
		ce.Message += "; " + tokenHint
	}
	return nil, ce
}

// tokenHint is what a call refused for its token says to do.
const tokenHint = "check the bot token in channels.telegram[].token (@BotFather's /mybots shows it; /revoke makes a new one)"
