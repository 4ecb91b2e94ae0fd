package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"strconv"

	"github.com/batonbot/baton/flows"
)

// Bot is one Telegram bot a Handler serves.
type Bot struct {
	// Name names the bot in URLs (/webhooks/telegram/{name}), dedupe keys
	// and conversation ids.
	Name string
	// SecretToken is the secret_token given to setWebhook, which Telegram
	// sends in X-Telegram-Bot-Api-Secret-Token.
	SecretToken string
}

// Handler serves Telegram webhooks for one or more bots, told apart by the
// {name} path value (or the URL's last segment).
type Handler struct {
	recv flows.Receiver
	bots map[string][]byte // name → secret token
	o    options
}

var _ http.Handler = (*Handler)(nil)

var (
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// NewHandler returns the webhook handler for bots, handing what it decodes
// to r.
func NewHandler(bots []Bot, r flows.Receiver, opts ...Option) (*Handler, error) {
	if r == nil {
		return nil, errors.New("telegram: NewHandler needs a Receiver")
	}
	if len(bots) == 0 {
		return nil, errors.New("telegram: NewHandler needs at least one bot (name, secret_token)")
	}
	h := &Handler{recv: r, bots: make(map[string][]byte, len(bots)), o: buildOptions(opts)}
	for _, b := range bots {
		switch {
		case !nameRE.MatchString(b.Name):
			return nil, fmt.Errorf("telegram: bot name %q: use 1 to 64 letters, digits, _ or -", b.Name)
		case !secretRE.MatchString(b.SecretToken):
			return nil, fmt.Errorf("telegram: bot %s: secret_token must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule), and is required to tell Telegram's requests from others", b.Name)
		}
		if _, dup := h.bots[b.Name]; dup {
			return nil, fmt.Errorf("telegram: bot %s is configured twice", b.Name)
		}
		h.bots[b.Name] = []byte(b.SecretToken)
	}
	return h, nil
}

// ServeHTTP takes one Update. A tapped inline button is answered in the
// response (answerCallbackQuery as a webhook reply), so the client stops
// its spinner without another request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		h.refuse(w, http.StatusMethodNotAllowed, RejectMethod, "Telegram posts updates")
		return
	}
	name := r.PathValue("name")
	if name == "" {
		name = path.Base(r.URL.Path)
	}
	secret, ok := h.bots[name]
	if !ok {
		h.refuse(w, http.StatusNotFound, RejectUnknownBot, "no bot named "+strconv.Quote(name))
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token")), secret) != 1 {
		h.refuse(w, http.StatusUnauthorized, RejectSecret, "X-Telegram-Bot-Api-Secret-Token is missing or wrong: check channels.telegram[].secret_token, the secret_token given to setWebhook")
		return
	}
	if r.ContentLength > h.o.maxBody {
		h.refuse(w, http.StatusRequestEntityTooLarge, RejectTooLarge, "body over "+strconv.FormatInt(h.o.maxBody, 10)+" bytes")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.o.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.refuse(w, http.StatusRequestEntityTooLarge, RejectTooLarge, "body over "+strconv.FormatInt(h.o.maxBody, 10)+" bytes")
			return
		}
		h.refuse(w, http.StatusBadRequest, RejectMalformed, "reading the body: "+err.Error())
		return
	}
	d, err := decode(body, name, h.o.now())
	if err != nil {
		h.refuse(w, http.StatusBadRequest, RejectMalformed, err.Error())
		return
	}
	if d.skip != "" {
		h.rejected(d.skip, "telegram: update skipped", "bot", name)
		h.answer(w, d.callback)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.o.timeout)
	defer cancel()
	if err := h.recv.Receive(ctx, *d.in); err != nil {
		h.o.log.Error("telegram: receiver failed; Telegram will deliver again", "id", d.in.ID, "error", err)
		h.refuse(w, http.StatusInternalServerError, RejectReceiver, "could not accept the update; it will be retried")
		return
	}
	h.answer(w, d.callback)
}

// answer acknowledges an update with 200, answering the tapped button's
// callback query, if any, in the response: Telegram's clients show a
// spinner on the button until the query is answered, processed or not.
func (h *Handler) answer(w http.ResponseWriter, callback string) {
	if callback == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"method": "answerCallbackQuery", "callback_query_id": callback})
}

func (h *Handler) refuse(w http.ResponseWriter, status int, reason, msg string) {
	h.rejected(reason, "telegram: webhook refused", "status", status, "detail", msg)
	http.Error(w, msg, status)
}

func (h *Handler) rejected(reason, msg string, args ...any) {
	if h.o.reject != nil {
		h.o.reject(reason)
	}
	h.o.log.Info(msg, append(args, "reason", reason)...)
}
