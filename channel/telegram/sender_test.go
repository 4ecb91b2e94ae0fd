package telegram

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/batonbot/baton/channel/telegram/telegramtest"
	"github.com/batonbot/baton/flows"
)

const chatID = 5123456789

func newTestSender(t *testing.T, tg *telegramtest.Server) *Sender {
	t.Helper()
	s, err := NewSender(tg.BotName, tg.Token, WithBaseURL(tg.URL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func reply(text string, titles ...string) flows.Outbound {
	r := flows.Reply{Text: text, From: "bot"}
	for i, t := range titles {
		r.Options = append(r.Options, flows.ReplyOption{ID: "opt" + string(rune('a'+i)), Number: i + 1, Title: t})
	}
	return flows.Outbound{ID: "o1", ConversationID: "telegram:shop:5123456789", To: flows.Contact{ID: "5123456789"}, Reply: r}
}

type menuCase struct {
	name     string
	m        flows.Outbound
	texts    []string
	keyboard []string // button data on the last message, one a row
}

func TestSendMenusAndText(t *testing.T) {
	tests := []menuCase{
		{"text", reply("Ciao!"), []string{"Ciao!"}, nil},
		{"menu", reply("Come posso aiutarti?", "Stato ordine", "FAQ", "Operatore"), []string{"Come posso aiutarti?"}, []string{"opta", "optb", "optc"}},
		{"twelve options stay buttons", reply("Q", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"), []string{"Q"},
			[]string{"opta", "optb", "optc", "optd", "opte", "optf", "optg", "opth", "opti", "optj", "optk", "optl"}},
		{"no text", reply("", "Sì", "No"), []string{"1. Sì\n2. No"}, []string{"opta", "optb"}},
	}
	styled := reply("Q", "Sì", "No")
	styled.Reply.Style = flows.MenuText
	tests = append(tests, menuCase{"style text", styled, []string{"Q\n\n1. Sì\n2. No"}, nil})
	// An id over callback_data's 64 bytes goes as its token; one of 64
	// bytes or less as it is (keyboards already sent keep working).
	longID := reply("Q", "Sì", "No", "Forse")
	longID.Reply.Options[0].ID = strings.Repeat("x", 65)
	longID.Reply.Options[1].ID = strings.Repeat("y", 64)
	longID.Reply.Options[2].ID = strings.Repeat("ψ", 33) // 66 bytes in 33 letters
	tests = append(tests, menuCase{"id over 64 bytes", longID, []string{"Q"},
		[]string{flows.OptionToken(strings.Repeat("x", 65)), strings.Repeat("y", 64), flows.OptionToken(strings.Repeat("ψ", 33))}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := telegramtest.NewServer(t)
			if err := newTestSender(t, tg).Send(context.Background(), tt.m); err != nil {
				t.Fatal(err)
			}
			if r := tg.Refusals(); len(r) > 0 {
				t.Fatalf("refused: %+v", r)
			}
			msgs := tg.Messages()
			var texts, data []string
			for _, m := range msgs {
				texts = append(texts, m.Text)
				if m.ChatID != chatID {
					t.Errorf("chat_id %d", m.ChatID)
				}
			}
			for _, row := range msgs[len(msgs)-1].Keyboard {
				if len(row) != 1 {
					t.Errorf("a row of %d buttons", len(row))
				}
				data = append(data, row[0].Data)
			}
			if strings.Join(texts, "§") != strings.Join(tt.texts, "§") || strings.Join(data, ",") != strings.Join(tt.keyboard, ",") {
				t.Errorf("sent %q with %q, want %q with %q", texts, data, tt.texts, tt.keyboard)
			}
		})
	}
}

func TestSendLongText(t *testing.T) {
	tg := telegramtest.NewServer(t)
	text := strings.Repeat("Il pacco 📦 è in viaggio. ", 400) // over 4,096 UTF-16 units
	if err := newTestSender(t, tg).Send(context.Background(), reply(text, "Ok")); err != nil {
		t.Fatal(err)
	}
	msgs := tg.Messages()
	if len(msgs) < 3 || len(tg.Refusals()) > 0 {
		t.Fatalf("%d messages, refusals %+v", len(msgs), tg.Refusals())
	}
	for i, m := range msgs {
		if n := len(utf16.Encode([]rune(m.Text))); n > MaxTextLen {
			t.Errorf("part %d: %d units", i, n)
		}
		if (m.Keyboard != nil) != (i == len(msgs)-1) {
			t.Errorf("part %d: keyboard %v", i, m.Keyboard)
		}
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(*telegramtest.Server)
		to         string
		temporary  bool
		code       int
		retryAfter time.Duration
		sent       int
	}{
		{"429 with retry_after", func(s *telegramtest.Server) { s.FailNext(telegramtest.Failure{RetryAfter: 35}) }, "5123456789", true, 429, 35 * time.Second, 0},
		{"written then 502", func(s *telegramtest.Server) { s.FailNext(telegramtest.Failure{Status: 502, AfterWrite: true}) }, "5123456789", true, 502, 0, 1},
		{"blocked", func(s *telegramtest.Server) { s.Block(chatID) }, "5123456789", false, 403, 0, 0},
		{"not a chat id", func(*telegramtest.Server) {}, "IT.123", false, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := telegramtest.NewServer(t)
			tt.setup(tg)
			m := reply("ciao")
			m.To.ID = tt.to
			err := newTestSender(t, tg).Send(context.Background(), m)
			var ce *flows.ChannelError
			if !errors.As(err, &ce) || ce.Temporary != tt.temporary || ce.Code != tt.code || ce.RetryAfter != tt.retryAfter || ce.Channel != "telegram" {
				t.Errorf("err = %#v", err)
			}
			if got := len(tg.Messages()); got != tt.sent {
				t.Errorf("%d recorded, want %d", got, tt.sent)
			}
		})
	}
	// A wrong token fails every send until the operator renews it: the
	// error says where it is set.
	const tokenHint = "check the bot token in channels.telegram[].token"
	tg := telegramtest.NewServer(t)
	s, _ := NewSender("shop", "123:wrong", WithBaseURL(tg.URL))
	var ce *flows.ChannelError
	if err := s.Send(context.Background(), reply("ciao")); !errors.As(err, &ce) || ce.Code != 401 || ce.Temporary || !strings.Contains(err.Error(), tokenHint) {
		t.Errorf("bad token: %v; want a final error that says %q", err, tokenHint)
	}
	// A token Telegram cannot parse is answered 404, as an unknown
	// method: every send fails alike until the operator fixes it.
	notFound := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"ok":false,"error_code":404,"description":"Not Found"}`))
	}))
	defer notFound.Close()
	s, _ = NewSender("shop", "wrong", WithBaseURL(notFound.URL))
	if err := s.Send(context.Background(), reply("ciao")); !errors.As(err, &ce) || ce.Code != 404 || ce.Temporary || !strings.Contains(err.Error(), tokenHint) {
		t.Errorf("malformed token: %v; want a final error that says %q", err, tokenHint)
	}
	if _, err := NewSender("shop", ""); err == nil {
		t.Error("no token accepted")
	}
}

func TestNetworkErrorHidesToken(t *testing.T) {
	s, _ := NewSender("shop", "123456:SECRET", WithBaseURL("http://127.0.0.1:1"))
	err := s.Send(context.Background(), reply("ciao"))
	if _, retry := flows.RetryAfter(err); !retry || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("err = %v: want temporary and without the token", err)
	}
}

func TestTypingCallbackAndMedia(t *testing.T) {
	tg := telegramtest.NewServer(t)
	s := newTestSender(t, tg)
	ctx := context.Background()
	if err := s.Typing(ctx, flows.Inbound{Contact: flows.Contact{ID: "5123456789"}}); err != nil {
		t.Fatal(err)
	}
	if a := tg.Actions(); len(a) != 1 || a[0] != (telegramtest.Action{ChatID: chatID, Action: "typing"}) {
		t.Errorf("actions %+v", a)
	}
	if err := s.AnswerCallback(ctx, "99"); err != nil || len(tg.Answers()) != 1 {
		t.Errorf("answer: %v %q", err, tg.Answers())
	}
	tg.AddFile("BQACdoc", []byte("%PDF-1.7"))
	f, err := s.FetchMedia(ctx, flows.Media{Kind: "document", ID: "BQACdoc", Filename: "fattura.pdf", MIME: "application/pdf"}, 1024)
	if err != nil || string(f.Data) != "%PDF-1.7" || f.Name != "fattura.pdf" {
		t.Fatalf("fetch: %v %+v", err, f)
	}
	if _, err := s.FetchMedia(ctx, flows.Media{Kind: "document", ID: "BQACdoc"}, 3); !errors.Is(err, flows.ErrMediaTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := s.FetchMedia(ctx, flows.Media{Kind: "document", ID: "nope"}, 1024); err == nil {
		t.Error("unknown file fetched")
	}
}

// throttleCall answers the n-th Bot API call (from 1) with Telegram's 429
// instead of passing it on.
type throttleCall struct {
	n, calls int
}

func (tc *throttleCall) RoundTrip(r *http.Request) (*http.Response, error) {
	tc.calls++
	if tc.calls != tc.n {
		return http.DefaultTransport.RoundTrip(r)
	}
	body := `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`
	return &http.Response{StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

// A long reply throttled after its first part resumes after it when the
// outbox retries it (same Outbound.ID): no part reaches the chat twice.
func TestSendLongTextResumes(t *testing.T) {
	tg := telegramtest.NewServer(t)
	s, err := NewSender(tg.BotName, tg.Token, WithBaseURL(tg.URL), WithHTTPClient(&http.Client{Transport: &throttleCall{n: 2}}))
	if err != nil {
		t.Fatal(err)
	}
	m := reply(strings.Repeat("Il pacco è in viaggio. ", 250), "Ok") // two parts
	err = s.Send(context.Background(), m)
	if wait, retry := flows.RetryAfter(err); !retry || wait != 3*time.Second {
		t.Fatalf("the throttled second part: %v", err)
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msgs := tg.Messages()
	if len(msgs) != 2 || msgs[0].Text == msgs[1].Text || msgs[1].Keyboard == nil {
		var texts []string
		for _, m := range msgs {
			texts = append(texts, m.Text[:20])
		}
		t.Fatalf("the chat got %d messages %q, want the two parts once each", len(msgs), texts)
	}
}

// A 429's parameters.retry_after is bounded: never negative, at most
// maxRetryAfter, however large the number (one overflowing a time.Duration
// used to wrap around to a negative or arbitrary wait; one past an int was
// dropped, as if Telegram had given no wait).
func TestSendRetryAfterBounded(t *testing.T) {
	tests := []struct {
		retryAfter string
		want       time.Duration
	}{
		{"0", 0},
		{"-5", 0},
		{"35", 35 * time.Second},
		{"1000000", maxRetryAfter},
		{"1000000000000", maxRetryAfter},
		{"9223372037", maxRetryAfter}, // × 1e9 ns overflows int64 into a negative
		{"99999999999999999999999", maxRetryAfter},
		{"1.5", 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry later","parameters":{"retry_after":`+tt.retryAfter+`}}`)
		}))
		s, err := NewSender("shop", "123:abc", WithBaseURL(srv.URL+"/"))
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), reply("ciao"))
		srv.Close()
		var ce *flows.ChannelError
		if !errors.As(err, &ce) || !ce.Temporary || ce.RetryAfter != tt.want {
			t.Errorf("retry_after %s: err = %#v, want a temporary error with wait %v", tt.retryAfter, err, tt.want)
		}
	}
	if maxRetryAfter != 24*time.Hour {
		t.Errorf("maxRetryAfter = %v, want the 24 hours docs say", maxRetryAfter)
	}
}
