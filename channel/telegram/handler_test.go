package telegram

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/telegram/telegramtest"
	"github.com/batonbot/baton/flows"
)

var testNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

type receiver struct {
	mu     sync.Mutex
	inputs []flows.Inbound
	fail   error
}

func (r *receiver) Receive(_ context.Context, in flows.Inbound) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.inputs = append(r.inputs, in)
	return nil
}

func (r *receiver) Status(context.Context, flows.DeliveryStatus) error { return nil }

// brief renders an inbound message compactly: id|conversation|contact
// id|name|text|payload|media.
func brief(in flows.Inbound) string {
	media := ""
	if m := in.Input.Media; m != nil {
		media = m.Describe()
		if m.MIME != "" {
			media += " " + m.MIME
		}
	}
	return strings.Join([]string{in.ID, in.ConversationID, in.Contact.ID, in.Contact.Name, in.Input.Text, in.Input.Payload, media}, "|")
}

func newTestHandler(t testing.TB, r flows.Receiver, rejects *[]string) *Handler {
	h, err := NewHandler([]Bot{{Name: "shop", SecretToken: "s3cret_token"}, {Name: "other", SecretToken: "another-secret"}}, r,
		WithClock(func() time.Time { return testNow }), WithRejectHook(func(reason string) { *rejects = append(*rejects, reason) }))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHandlerUpdates(t *testing.T) {
	const conv = "telegram:shop:5123456789"
	tests := []struct {
		file    string
		path    string // default /webhooks/telegram/shop
		secret  string // default s3cret_token; "-" none
		status  int
		inputs  []string
		answer  string // the callback answered in the response
		rejects []string
		recvErr error
	}{
		{file: "text", status: 200, inputs: []string{"tg:shop:861200001|" + conv + "|5123456789|Anna Rossi|Ciao, dov'è il mio ordine?||"}},
		{file: "callback", status: 200, inputs: []string{"tg:shop:861200002|" + conv + "|5123456789|Anna Rossi||order|"}, answer: "4382bfdwdsb323b2d9"},
		{file: "callback_no_message", status: 200, inputs: []string{"tg:shop:861200003|" + conv + "|5123456789|Anna Rossi||faq|"}, answer: "4382bfdwdsb323b2e0"},
		{file: "photo", status: 200, inputs: []string{"tg:shop:861200004|" + conv + "|5123456789|Anna Rossi|il pacco è arrivato rotto||[image AgACAgQAAxkBAAIBlarge] il pacco è arrivato rotto image/jpeg"}},
		{file: "document", status: 200, inputs: []string{"tg:shop:861200005|" + conv + "|5123456789|Anna Rossi|fattura||[document BQACAgQAAxkBAAIBdoc] fattura-0042.pdf fattura application/pdf"}},
		{file: "voice", status: 200, inputs: []string{"tg:shop:861200006|" + conv + "|5123456789|Anna Rossi|||[audio AwACAgQAAxkBAAIBvoice] audio/ogg"}},
		{file: "sticker", status: 200, inputs: []string{"tg:shop:861200007|" + conv + "|5123456789|Anna Rossi|||[sticker CAACAgIAAxkBAAIBstk] image/webp"}},
		{file: "location", status: 200, inputs: []string{"tg:shop:861200008|" + conv + "|5123456789|Anna Rossi|||[location] Duomo di Milano Piazza del Duomo, Milano (45.4642, 9.19)"}},
		{file: "contact", status: 200, inputs: []string{"tg:shop:861200009|" + conv + "|5123456789|Anna Rossi|||[contacts] Marco Bianchi <+393337654321>"}},
		{file: "text", path: "/webhooks/telegram/other", secret: "another-secret", status: 200, inputs: []string{"tg:other:861200001|telegram:other:5123456789|5123456789|Anna Rossi|Ciao, dov'è il mio ordine?||"}},
		// Skipped: 200, so Telegram does not retry.
		{file: "edited", status: 200, rejects: []string{RejectUnsupported}},
		{file: "poll", status: 200, rejects: []string{RejectUnsupported}},
		{file: "my_chat_member", status: 200, rejects: []string{RejectUnsupported}},
		{file: "group", status: 200, rejects: []string{RejectGroup}},
		{file: "from_bot", status: 200, rejects: []string{RejectFromBot}},
		// A skipped tap is still answered, or the client's spinner runs on.
		{file: "callback_group", status: 200, answer: "4382bfdwdsb323b2f1", rejects: []string{RejectGroup}},
		{file: "callback_game", status: 200, answer: "4382bfdwdsb323b2f2", rejects: []string{RejectUnsupported}},
		// Refused: nothing processed.
		{file: "text", secret: "-", status: 401, rejects: []string{RejectSecret}},
		{file: "text", secret: "wrong", status: 401, rejects: []string{RejectSecret}},
		{file: "text", secret: "another-secret", status: 401, rejects: []string{RejectSecret}}, // the other bot's secret
		{file: "text", path: "/webhooks/telegram/nobody", status: 404, rejects: []string{RejectUnknownBot}},
		{file: "no_update_id", status: 400, rejects: []string{RejectMalformed}},
		{file: "not_json", status: 400, rejects: []string{RejectMalformed}},
		{file: "truncated", status: 400, rejects: []string{RejectMalformed}},
		{file: "callback", status: 500, recvErr: errors.New("store down"), rejects: []string{RejectReceiver}},
	}
	for _, tt := range tests {
		t.Run(tt.file+tt.path+tt.secret, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "updates", tt.file+".json"))
			if err != nil {
				t.Fatal(err)
			}
			rec := &receiver{fail: tt.recvErr}
			var rejects []string
			h := newTestHandler(t, rec, &rejects)
			path := tt.path
			if path == "" {
				path = "/webhooks/telegram/shop"
			}
			req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
			switch tt.secret {
			case "":
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret_token")
			case "-":
			default:
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", tt.secret)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			// A refused secret says where it is set, in the answer
			// (getWebhookInfo's last_error_message) and the log.
			if w.Code == http.StatusUnauthorized && !strings.Contains(w.Body.String(), "check channels.telegram[].secret_token") {
				t.Errorf("401 answer %q does not say which key to check", w.Body)
			}
			var got []string
			for _, in := range rec.inputs {
				got = append(got, brief(in))
				if in.Channel != "telegram" || in.Input.Kind != flows.InputMessage || in.At.IsZero() {
					t.Errorf("incomplete inbound %+v", in)
				}
			}
			if !slices.Equal(got, tt.inputs) {
				t.Errorf("inputs\n got  %q\n want %q", got, tt.inputs)
			}
			if !slices.Equal(rejects, tt.rejects) {
				t.Errorf("rejects %q, want %q", rejects, tt.rejects)
			}
			wantBody := ""
			if tt.answer != "" {
				wantBody = `{"callback_query_id":"` + tt.answer + `","method":"answerCallbackQuery"}`
			}
			if tt.status == 200 && strings.TrimSpace(w.Body.String()) != wantBody {
				t.Errorf("answer %q, want %q", w.Body, wantBody)
			}
		})
	}
}

func TestHandlerLimits(t *testing.T) {
	var rejects []string
	rec := &receiver{}
	h, _ := NewHandler([]Bot{{Name: "shop", SecretToken: "s3cret_token"}}, rec, WithMaxBody(64), WithRejectHook(func(r string) { rejects = append(rejects, r) }))
	body, _ := os.ReadFile("testdata/updates/text.json")
	req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram/shop", bytes.NewReader(body))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret_token")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge || len(rec.inputs) != 0 {
		t.Errorf("status %d, %d inputs", w.Code, len(rec.inputs))
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhooks/telegram/shop", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", w.Code)
	}
	if !slices.Equal(rejects, []string{RejectTooLarge, RejectMethod}) {
		t.Errorf("rejects %q", rejects)
	}
}

func TestNewHandlerErrors(t *testing.T) {
	for _, tt := range []struct {
		bots []Bot
		want string
	}{
		{nil, "at least one bot"},
		{[]Bot{{Name: "a/b", SecretToken: "x"}}, "bot name"},
		{[]Bot{{Name: "shop"}}, "secret_token"},
		{[]Bot{{Name: "shop", SecretToken: "has space"}}, "secret_token"},
		{[]Bot{{Name: "shop", SecretToken: "x"}, {Name: "shop", SecretToken: "y"}}, "twice"},
	} {
		if _, err := NewHandler(tt.bots, &receiver{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewHandler(%+v) = %v, want %q", tt.bots, err, tt.want)
		}
	}
}

// Mounted under a pattern with {name}, the handler reads the path value.
func TestHandlerPathValue(t *testing.T) {
	tg := telegramtest.NewServer(t)
	rec := &receiver{}
	h, err := NewHandler([]Bot{{Name: tg.BotName, SecretToken: tg.SecretToken}}, rec)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/telegram/{name}", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	from := telegramtest.From{ID: 5123456789, FirstName: "Anna", Language: "it"}
	if code, err := tg.Post(srv.URL+"/webhooks/telegram/"+tg.BotName, tg.CallbackUpdate(from, "faq")); err != nil || code != 200 {
		t.Fatalf("post: %d %v", code, err)
	}
	if len(rec.inputs) != 1 || rec.inputs[0].Input.Payload != "faq" || rec.inputs[0].Contact.Meta["language"] != "it" {
		t.Fatalf("inputs %+v", rec.inputs)
	}
	if a := tg.Answers(); len(a) != 1 {
		t.Errorf("the tap was not answered: %q", a)
	}
	if w := tg.Deliver(h, tg.TextUpdate(from, "ciao")); w.Code != 200 || len(rec.inputs) != 2 || rec.inputs[1].Input.Text != "ciao" || rec.inputs[1].ID == rec.inputs[0].ID {
		t.Errorf("deliver: %d %+v", w.Code, rec.inputs)
	}
}
