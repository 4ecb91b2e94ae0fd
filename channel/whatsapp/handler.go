package whatsapp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/batonbot/baton/flows"
)

// Account is one WhatsApp Business phone number a Handler serves.
type Account struct {
	// PhoneNumberID is the business phone number's id (metadata.phone_number_id).
	PhoneNumberID string
	// AppSecret is the Meta app's secret, the key of X-Hub-Signature-256.
	AppSecret string
	// VerifyToken is the token typed in the app's webhook settings, echoed
	// in the verification handshake.
	VerifyToken string
}

// Handler serves the WhatsApp Cloud API webhook: GET answers Meta's
// verification handshake, POST takes notifications (see the package doc
// for every status it answers).
type Handler struct {
	recv    flows.Receiver
	secrets [][]byte // distinct app secrets
	// macs keeps HMAC-SHA256 hashers keyed with each secret: a new one
	// (two SHA-256 states keyed before the body's first byte, 1.4 KB)
	// for every notification cost more than the body's own hashing.
	macs    []*sync.Pool   // of *keyedMAC
	numbers map[string]int // phone_number_id → index in secrets
	tokens  [][]byte       // verify tokens
	o       options
}

var _ http.Handler = (*Handler)(nil)

// NewHandler returns the webhook handler for accounts, handing what it
// decodes to r.
func NewHandler(accounts []Account, r flows.Receiver, opts ...Option) (*Handler, error) {
	if r == nil {
		return nil, errors.New("whatsapp: NewHandler needs a Receiver")
	}
	if len(accounts) == 0 {
		return nil, errors.New("whatsapp: NewHandler needs at least one account (phone_number_id, app_secret)")
	}
	h := &Handler{recv: r, numbers: make(map[string]int, len(accounts))}
	h.o = buildOptions(opts)
	for i, a := range accounts {
		switch {
		case a.PhoneNumberID == "":
			return nil, fmt.Errorf("whatsapp: account %d has no phone_number_id", i+1)
		case a.AppSecret == "":
			return nil, fmt.Errorf("whatsapp: account %s has no app_secret: it is needed to check X-Hub-Signature-256", a.PhoneNumberID)
		}
		if _, dup := h.numbers[a.PhoneNumberID]; dup {
			return nil, fmt.Errorf("whatsapp: phone_number_id %s is configured twice", a.PhoneNumberID)
		}
		idx := -1
		for j, s := range h.secrets {
			if string(s) == a.AppSecret {
				idx = j
			}
		}
		if idx < 0 {
			idx = len(h.secrets)
			h.secrets = append(h.secrets, []byte(a.AppSecret))
			key := []byte(a.AppSecret)
			h.macs = append(h.macs, &sync.Pool{New: func() any { return &keyedMAC{mac: hmac.New(sha256.New, key)} }})
		}
		h.numbers[a.PhoneNumberID] = idx
		if a.VerifyToken != "" {
			h.tokens = append(h.tokens, []byte(a.VerifyToken))
		}
	}
	return h, nil
}

// ServeHTTP answers GET (handshake) and POST (notifications).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.verify(w, r)
	case http.MethodPost:
		h.notify(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		h.refuse(w, http.StatusMethodNotAllowed, RejectMethod, "use GET for the verification handshake and POST for notifications")
	}
}

// verify echoes hub.challenge when hub.mode is subscribe and
// hub.verify_token is one of the accounts' verify tokens.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := []byte(q.Get("hub.verify_token"))
	ok := false
	for _, t := range h.tokens {
		ok = subtle.ConstantTimeCompare(token, t) == 1 || ok
	}
	challenge := q.Get("hub.challenge")
	if q.Get("hub.mode") != "subscribe" || !ok || challenge == "" || len(challenge) > 256 {
		h.refuse(w, http.StatusForbidden, RejectVerify, "hub.mode must be subscribe and hub.verify_token the configured verify_token")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(w, challenge)
}

func (h *Handler) notify(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > h.o.maxBody {
		h.refuse(w, http.StatusRequestEntityTooLarge, RejectTooLarge, "body over "+strconv.FormatInt(h.o.maxBody, 10)+" bytes")
		return
	}
	buf := bodies.Get().(*bytes.Buffer)
	defer putBody(buf)
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, h.o.maxBody))
	body := buf.Bytes() // nothing decoded from it refers to it: it goes back to the pool
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.refuse(w, http.StatusRequestEntityTooLarge, RejectTooLarge, "body over "+strconv.FormatInt(h.o.maxBody, 10)+" bytes")
			return
		}
		h.refuse(w, http.StatusBadRequest, RejectMalformed, "reading the body: "+err.Error())
		return
	}
	signed := h.signedBy(r.Header.Get("X-Hub-Signature-256"), body)
	if signed == nil {
		h.refuse(w, http.StatusUnauthorized, RejectSignature, "X-Hub-Signature-256 is missing or does not match the app secret: check channels.whatsapp[].app_secret (App settings › Basic › App secret)")
		return
	}
	now := h.o.now()
	var few [2]item // on the stack: the items of most notifications
	items, err := decode(body, now, few[:0])
	if err != nil {
		h.refuse(w, http.StatusBadRequest, RejectMalformed, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.o.timeout)
	defer cancel()
	var res result
	var seen map[string]bool // one item cannot repeat an earlier one
	if len(items) > 1 {
		seen = make(map[string]bool, len(items))
	}
	for i := range items {
		it := &items[i] // an item holds its message: not copied
		if idx, ok := h.numbers[it.number]; !ok || !signed[idx] {
			it.skip = RejectUnknownNumber
		}
		if it.skip == "" && it.isIn {
			switch {
			case seen[it.in.ID]:
				it.skip = RejectDuplicate
			case now.Sub(it.age) > h.o.maxAge:
				it.skip = RejectStale
			}
			if seen != nil {
				seen[it.in.ID] = true
			}
		}
		if it.skip != "" {
			res.Skipped++
			h.rejected(it.skip, "whatsapp: item skipped", "id", it.id, "phone_number_id", it.number)
			continue
		}
		if it.isIn {
			err = h.recv.Receive(ctx, it.in)
			res.Received++
		} else {
			err = h.recv.Status(ctx, *it.status)
			res.Statuses++
		}
		if err != nil {
			h.o.log.Error("whatsapp: receiver failed; Meta will deliver again", "id", it.id, "error", err)
			h.refuse(w, http.StatusInternalServerError, RejectReceiver, "could not accept the notification; it will be retried")
			return
		}
	}
	w.Header()["Content-Type"] = answerContentType
	w.Write(res.appendJSON(make([]byte, 0, 64)))
}

// answerContentType is the answer's Content-Type, shared by every
// answer (Header.Set makes its slice anew each time): read only, as
// jsonContentType is for the Sender's requests.
var answerContentType = []string{"application/json"}

// bodies are the buffers notifications are read into, kept while under
// keptBody so that a rare large one is not held for good.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const keptBody = 64 << 10

func putBody(b *bytes.Buffer) {
	if b.Cap() > keptBody {
		return
	}
	b.Reset()
	bodies.Put(b)
}

type result struct{ Received, Statuses, Skipped int }

// appendJSON appends {"received":N,"statuses":N,"skipped":N} and a new
// line: what fmt.Fprintf wrote, without its formatting on every
// notification.
func (r result) appendJSON(b []byte) []byte {
	b = append(b, `{"received":`...)
	b = strconv.AppendInt(b, int64(r.Received), 10)
	b = append(b, `,"statuses":`...)
	b = strconv.AppendInt(b, int64(r.Statuses), 10)
	b = append(b, `,"skipped":`...)
	b = strconv.AppendInt(b, int64(r.Skipped), 10)
	return append(b, "}\n"...)
}

// signedBy returns which app secrets sign body with header's signature
// ("sha256=" and 64 hex digits), or nil when none does. Every secret is
// tried, each in constant time.
func (h *Handler) signedBy(header string, body []byte) []bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return nil
	}
	var sig [sha256.Size]byte // decoded here, not in a new slice
	for i := range sig {
		hi, ok1 := unhex(hexSig[2*i])
		lo, ok2 := unhex(hexSig[2*i+1])
		if !ok1 || !ok2 {
			return nil
		}
		sig[i] = hi<<4 | lo
	}
	var out []bool
	for i, p := range h.macs {
		m := p.Get().(*keyedMAC)
		m.mac.Write(body)
		ok := hmac.Equal(m.mac.Sum(m.sum[:0]), sig[:])
		m.mac.Reset() // back to the keyed state
		p.Put(m)
		if ok {
			if len(h.secrets) == 1 {
				return onlySecret
			}
			if out == nil {
				out = make([]bool, len(h.secrets))
			}
			out[i] = true
		}
	}
	return out
}

// keyedMAC is an HMAC-SHA256 keyed with one app secret, and the buffer
// its sums go to (a sum written to the caller's stack would escape
// through hash.Hash, a heap allocation per notification).
type keyedMAC struct {
	mac hash.Hash
	sum [sha256.Size]byte
}

// onlySecret is signedBy's answer when a handler's only secret signs:
// shared, read only.
var onlySecret = []bool{true}

// unhex is the value of a hexadecimal digit (either case), as
// encoding/hex reads it.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (h *Handler) refuse(w http.ResponseWriter, status int, reason, msg string) {
	h.rejected(reason, "whatsapp: webhook refused", "status", status, "detail", msg)
	http.Error(w, msg, status)
}

func (h *Handler) rejected(reason, msg string, args ...any) {
	if h.o.reject != nil {
		h.o.reject(reason)
	}
	h.o.log.Info(msg, append(args, "reason", reason)...)
}
