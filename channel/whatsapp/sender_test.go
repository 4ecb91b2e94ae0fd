package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/flows"
)

var anna = flows.Contact{ID: "393331234567", Phone: "393331234567", Name: "Anna"}

func newTestSender(t *testing.T, wa *whatsapptest.Server, opts ...Option) *Sender {
	t.Helper()
	opts = append([]Option{WithGraphURL(wa.URL), WithClock(func() time.Time { return testNow }), WithThrottleRetry(2, 40*time.Millisecond)}, opts...)
	s, err := NewSender(wa.PhoneNumberID, wa.Token, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func out(id, text string, opts ...flows.ReplyOption) flows.Outbound {
	return flows.Outbound{ID: id, ConversationID: "whatsapp:" + whatsapptest.PhoneNumberID + ":" + anna.ID, To: anna,
		Reply: flows.Reply{Text: text, Options: opts, From: "bot"}, LastUserAt: testNow.Add(-time.Minute), Lang: "it"}
}

func opts(titles ...string) []flows.ReplyOption {
	var o []flows.ReplyOption
	for i, t := range titles {
		o = append(o, flows.ReplyOption{ID: "opt" + string(rune('a'+i)), Number: i + 1, Title: t})
	}
	return o
}

func noRefusals(t *testing.T, wa *whatsapptest.Server) {
	t.Helper()
	if r := wa.Refusals(); len(r) > 0 {
		t.Errorf("the fake Graph API refused: %+v", r)
	}
}

func TestSendText(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	s := newTestSender(t, wa)
	if err := s.Send(context.Background(), out("o1", "Ciao Anna! Guarda https://example.com/track")); err != nil {
		t.Fatal(err)
	}
	noRefusals(t, wa)
	m := wa.Messages()
	if len(m) != 1 || m[0].To != "393331234567" || m[0].Recipient != "" || m[0].Type != "text" || m[0].Text != "Ciao Anna! Guarda https://example.com/track" || !m[0].PreviewURL {
		t.Errorf("sent %+v", m)
	}
}

func TestSendLongTextSplits(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	s := newTestSender(t, wa)
	text := strings.Repeat("Il tuo ordine è in viaggio. ", 330) // about 9,200 characters
	if err := s.Send(context.Background(), out("o1", text)); err != nil {
		t.Fatal(err)
	}
	noRefusals(t, wa)
	var joined []string
	for _, m := range wa.Messages() {
		if n := utf8.RuneCountInString(m.Text); n > MaxTextLen {
			t.Errorf("a part of %d characters", n)
		}
		if !strings.HasSuffix(m.Text, ".") {
			t.Errorf("a part cut mid-sentence: ...%q", m.Text[len(m.Text)-20:])
		}
		joined = append(joined, m.Text)
	}
	if len(joined) != 3 || strings.Join(joined, " ") != strings.TrimSpace(text) {
		t.Errorf("%d parts; text lost or changed", len(joined))
	}
}

func TestSendMenus(t *testing.T) {
	long := "A very long option title indeed"
	x200, x201, x257 := strings.Repeat("x", 200), strings.Repeat("y", 201), strings.Repeat("z", 257)
	tests := []struct {
		name    string
		reply   flows.Reply
		lang    string
		typ     string // text, button, list
		choices int
		body    string
		button  string
		ids     []string // the choices' ids when not the options' ids
	}{
		{"three buttons", flows.Reply{Text: "Come posso aiutarti?", Options: opts("Stato ordine", "FAQ", "Operatore")}, "it", "button", 3, "Come posso aiutarti?", "", nil},
		{"list of five", flows.Reply{Text: "Scegli", Options: opts("Uno", "Due", "Tre", "Quattro", "Cinque")}, "it", "list", 5, "Scegli", "Scegli", nil},
		{"list button in English", flows.Reply{Text: "Pick", Options: opts("1", "2", "3", "4")}, "en-GB", "list", 4, "Pick", "Choose", nil},
		{"title too long for a button", flows.Reply{Text: "Q", Options: opts("Reso di un articolo!", "Stato della spedizione")}, "it", "list", 2, "Q", "Scegli", nil},
		{"title too long for a list", flows.Reply{Text: "Q", Options: opts("a", "b", "c", "d", long)}, "it", "text", 0, "Q\n\n1. a\n2. b\n3. c\n4. d\n5. " + long, "", nil},
		{"eleven options", flows.Reply{Text: "Q", Options: opts("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")}, "it", "text", 0, "Q\n\n1. a\n2. b\n3. c\n4. d\n5. e\n6. f\n7. g\n8. h\n9. i\n10. j\n11. k", "", nil},
		{"style text", flows.Reply{Text: "Q", Options: opts("a", "b"), Style: flows.MenuText}, "it", "text", 0, "Q\n\n1. a\n2. b", "", nil},
		{"style list", flows.Reply{Text: "Q", Options: opts("a", "b"), Style: flows.MenuList}, "it", "list", 2, "Q", "Scegli", nil},
		{"duplicate titles", flows.Reply{Text: "Q", Options: opts("Sì", "sì")}, "it", "text", 0, "Q\n\n1. Sì\n2. sì", "", nil},
		{"no text", flows.Reply{Options: opts("Sì", "No")}, "it", "button", 2, "1. Sì\n2. No", "", nil},
		// Graph refuses a reply button id with spaces around it (131009): it
		// goes as its token, which the engine reads back as the id.
		{"id with spaces around", flows.Reply{Text: "Q", Options: []flows.ReplyOption{{ID: "yes ", Number: 1, Title: "Sì"}, {ID: "no", Number: 2, Title: "No"}}}, "it", "button", 2, "Q", "",
			[]string{flows.OptionToken("yes "), "no"}},
		// An id over a reply button's 256 or a row's 200 goes as its token;
		// one that fits as it is.
		{"button id over 256 bytes", flows.Reply{Text: "Q", Options: []flows.ReplyOption{{ID: x257, Number: 1, Title: "Sì"}, {ID: x201, Number: 2, Title: "No"}}}, "it", "button", 2, "Q", "",
			[]string{flows.OptionToken(x257), x201}},
		{"row id over 200 bytes", flows.Reply{Text: "Q", Options: []flows.ReplyOption{{ID: x201, Number: 1, Title: "Uno"}, {ID: x200, Number: 2, Title: "Due"}, {ID: "c", Number: 3, Title: "Tre"}, {ID: "d", Number: 4, Title: "Quattro"}}}, "it", "list", 4, "Q", "Scegli",
			[]string{flows.OptionToken(x201), x200, "c", "d"}},
		{"Greek row id over 200 bytes", flows.Reply{Text: "Q", Options: []flows.ReplyOption{{ID: strings.Repeat("ψ", 101), Number: 1, Title: "Uno"}, {ID: "b", Number: 2, Title: "Due"}, {ID: "c", Number: 3, Title: "Tre"}, {ID: "d", Number: 4, Title: "Quattro"}}}, "it", "list", 4, "Q", "Scegli",
			[]string{flows.OptionToken(strings.Repeat("ψ", 101)), "b", "c", "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wa := whatsapptest.NewServer(t)
			s := newTestSender(t, wa)
			m := out("o1", "")
			m.Reply, m.Lang = tt.reply, tt.lang
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			noRefusals(t, wa)
			sent := wa.Messages()
			if len(sent) != 1 {
				t.Fatalf("%d messages, want 1", len(sent))
			}
			got := sent[0]
			if tt.typ == "text" {
				if got.Type != "text" || got.Text != tt.body {
					t.Errorf("got %s %q, want text %q", got.Type, got.Text, tt.body)
				}
				return
			}
			in := got.Interactive
			if got.Type != "interactive" || in.Type != tt.typ || len(in.Choices) != tt.choices || in.Body != tt.body || in.ListButton != tt.button {
				t.Fatalf("got %s %+v, want %s with %d choices, body %q, button %q", got.Type, in, tt.typ, tt.choices, tt.body, tt.button)
			}
			for i, c := range in.Choices { // the payload is the stable option id
				id := tt.reply.Options[i].ID
				if tt.ids != nil {
					id = tt.ids[i]
				}
				if c.ID != id || c.Title != tt.reply.Options[i].Title {
					t.Errorf("choice %d = %+v, want id %q", i, c, id)
				}
			}
		})
	}
}

func TestSendLongTextWithMenu(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	s := newTestSender(t, wa)
	text := strings.Repeat("Leggi bene le condizioni di reso prima di procedere. ", 40) // ~2,100 characters
	if err := s.Send(context.Background(), out("o1", text, opts("Sì", "No")...)); err != nil {
		t.Fatal(err)
	}
	noRefusals(t, wa)
	m := wa.Messages()
	last := m[len(m)-1]
	if len(m) < 2 || last.Type != "interactive" || utf8.RuneCountInString(last.Interactive.Body) > MaxBodyLen {
		t.Fatalf("%d messages, the last %+v", len(m), last)
	}
	for _, x := range m[:len(m)-1] {
		if x.Type != "text" {
			t.Errorf("a %s before the menu", x.Type)
		}
	}
}

func TestSendDescriptionsClipped(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	s := newTestSender(t, wa)
	o := opts("a", "b", "c", "d")
	o[0].Description = strings.Repeat("lungo ", 20)
	if err := s.Send(context.Background(), out("o1", "Q", o...)); err != nil {
		t.Fatal(err)
	}
	noRefusals(t, wa)
	if d := wa.Messages()[0].Interactive.Choices[0].Description; utf8.RuneCountInString(d) > MaxRowDescLen || !strings.HasSuffix(d, "…") {
		t.Errorf("description %q", d)
	}
}

func TestSendToUsernameOnlyUser(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	s := newTestSender(t, wa)
	m := out("o1", "Ciao!")
	m.To = flows.Contact{ID: "IT.8842211034", Meta: map[string]string{"username": "anna"}}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	noRefusals(t, wa)
	if got := wa.Messages(); len(got) != 1 || got[0].Recipient != "IT.8842211034" || got[0].To != "" {
		t.Errorf("sent %+v; want recipient and no to", got)
	}
}

func TestSendOutsideWindow(t *testing.T) {
	late := out("o1", "Il tuo reso è stato approvato.\nGrazie!")
	late.LastUserAt = testNow.Add(-25 * time.Hour)

	t.Run("no template", func(t *testing.T) {
		wa := whatsapptest.NewServer(t)
		err := newTestSender(t, wa).Send(context.Background(), late)
		if !errors.Is(err, flows.ErrOutsideWindow) {
			t.Fatalf("err = %v, want ErrOutsideWindow", err)
		}
		if len(wa.Messages())+len(wa.Refusals()) != 0 {
			t.Error("a free-form send was attempted outside the window")
		}
	})
	t.Run("template with the text", func(t *testing.T) {
		wa := whatsapptest.NewServer(t, whatsapptest.WithTemplate("support_reply", "it", 1))
		s := newTestSender(t, wa, WithTemplate(Template{Name: "support_reply", Language: "it", TextParam: true}))
		if err := s.Send(context.Background(), late); err != nil {
			t.Fatal(err)
		}
		noRefusals(t, wa)
		m := wa.Messages()
		if len(m) != 1 || m[0].Type != "template" || m[0].Template.Name != "support_reply" || len(m[0].Template.Params) != 1 ||
			m[0].Template.Params[0] != "Il tuo reso è stato approvato. Grazie!" {
			t.Errorf("sent %+v", m)
		}
	})
	t.Run("131047 from Graph", func(t *testing.T) {
		wa := whatsapptest.NewServer(t)
		wa.CloseWindow(anna.Phone)
		m := out("o1", "ciao")
		m.LastUserAt = time.Time{} // unknown: the send is attempted
		err := newTestSender(t, wa).Send(context.Background(), m)
		var ce *flows.ChannelError
		if !errors.Is(err, flows.ErrOutsideWindow) || !errors.As(err, &ce) || ce.Code != 131047 || ce.Temporary {
			t.Fatalf("err = %v, want a permanent 131047 ErrOutsideWindow", err)
		}
	})
	t.Run("131047 then template", func(t *testing.T) {
		wa := whatsapptest.NewServer(t, whatsapptest.WithTemplate("reconnect", "en_US", 0))
		wa.CloseWindow(anna.Phone)
		s := newTestSender(t, wa, WithTemplate(Template{Name: "reconnect", Language: "en_US"}))
		if err := s.Send(context.Background(), out("o1", "ciao")); err != nil {
			t.Fatal(err)
		}
		if m := wa.Messages(); len(m) != 1 || m[0].Type != "template" || len(m[0].Template.Params) != 0 {
			t.Errorf("sent %+v", m)
		}
	})
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		failures   []whatsapptest.Failure
		opts       []Option
		temporary  bool
		code       int
		retryAfter time.Duration
		sent       int // messages the fake recorded
	}{
		{name: "throttled once, retried", failures: []whatsapptest.Failure{{Code: 130429}}, sent: 1},
		{name: "pair rate twice, retried", failures: []whatsapptest.Failure{{Code: 131056, RetryAfter: "0"}, {Code: 80007}}, sent: 1},
		{name: "throttled beyond the tries", failures: []whatsapptest.Failure{{Code: 130429}, {Code: 130429}, {Code: 130429}}, temporary: true, code: 130429},
		{name: "no retries", failures: []whatsapptest.Failure{{Code: 80007}}, opts: []Option{WithThrottleRetry(0, 0)}, temporary: true, code: 80007},
		{name: "Retry-After over the wait", failures: []whatsapptest.Failure{{Status: 429, Code: 130429, RetryAfter: "30"}}, temporary: true, code: 130429, retryAfter: 30 * time.Second},
		{name: "pair rate default wait", failures: []whatsapptest.Failure{{Code: 131056}}, temporary: true, code: 131056, retryAfter: 6 * time.Second},
		{name: "written then 500", failures: []whatsapptest.Failure{{Status: 500, Code: 131000, AfterWrite: true}}, temporary: true, code: 131000, sent: 1},
		{name: "app call rate (4), retried", failures: []whatsapptest.Failure{{Code: 4, Message: "(#4) Application request limit reached"}}, sent: 1},
		{name: "app call rate (4) beyond the tries", failures: []whatsapptest.Failure{{Code: 4}, {Code: 4}, {Code: 4}}, temporary: true, code: 4},
		{name: "undeliverable", failures: []whatsapptest.Failure{{Code: 131026, Message: "Message undeliverable"}}, code: 131026},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wa := whatsapptest.NewServer(t)
			wa.FailNext(tt.failures...)
			err := newTestSender(t, wa, tt.opts...).Send(context.Background(), out("o1", "ciao"))
			if got := len(wa.Messages()); got != tt.sent {
				t.Errorf("%d messages recorded, want %d", got, tt.sent)
			}
			if tt.code == 0 {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var ce *flows.ChannelError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *flows.ChannelError", err)
			}
			if ce.Code != tt.code || ce.Temporary != tt.temporary || ce.RetryAfter != tt.retryAfter || ce.Channel != "whatsapp" {
				t.Errorf("err = %+v, want code %d temporary %v retry after %v", ce, tt.code, tt.temporary, tt.retryAfter)
			}
		})
	}
}

// The wait bound counts the waits between throttled attempts, not the
// attempts: a Graph API slower to answer than the whole bound still gets
// every retry (the bound used to be the elapsed time, so a slow machine or
// network gave up early, at random).
func TestThrottleRetriesOnSlowAnswers(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	wa.FailNext(whatsapptest.Failure{Code: 130429}, whatsapptest.Failure{Code: 80007})
	const maxWait = 40 * time.Millisecond
	slow := &http.Client{Transport: slowTransport{maxWait + 10*time.Millisecond}}
	err := newTestSender(t, wa, WithThrottleRetry(2, maxWait), WithHTTPClient(slow)).Send(context.Background(), out("o1", "ciao"))
	if err != nil || len(wa.Messages()) != 1 {
		t.Fatalf("err = %v, %d messages recorded; want the third attempt sent", err, len(wa.Messages()))
	}
}

// slowTransport answers each request after a delay.
type slowTransport struct{ delay time.Duration }

func (s slowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	time.Sleep(s.delay)
	return http.DefaultTransport.RoundTrip(r)
}

func TestSendResumesAfterPartialFailure(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	s := newTestSender(t, wa)
	m := out("o7", strings.Repeat("Una frase piuttosto lunga. ", 200), opts("Sì", "No")...) // text parts, then the menu
	wa.FailNext(whatsapptest.Failure{}, whatsapptest.Failure{Status: 503, Code: 2})         // the first part fails, then the second
	if err := s.Send(context.Background(), m); err == nil {
		t.Fatal("first attempt: no error")
	}
	if err := s.Send(context.Background(), m); err == nil {
		t.Fatal("second attempt: no error")
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	sent := wa.Messages()
	if len(sent) != 3 || sent[0].Type != "text" || sent[1].Type != "text" || sent[2].Type != "interactive" || sent[0].Text == sent[1].Text {
		t.Fatalf("sent %d messages: each part once, in order, was expected", len(sent))
	}
}

func TestSendAuthAndPath(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	for _, tt := range []struct {
		name, number, token string
		opts                []Option
		code                int
	}{
		{"bad token", wa.PhoneNumberID, "nope", nil, 190},
		{"unknown phone number id", "999", wa.Token, nil, 100},
		{"other version", wa.PhoneNumberID, wa.Token, []Option{WithAPIVersion("v19.0")}, 2500},
	} {
		s, err := NewSender(tt.number, tt.token, append([]Option{WithGraphURL(wa.URL + "/"), WithClock(func() time.Time { return testNow })}, tt.opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), out("o1", "ciao"))
		var ce *flows.ChannelError
		if !errors.As(err, &ce) || ce.Code != tt.code || ce.Temporary {
			t.Errorf("%s: err = %v, want permanent code %d", tt.name, err, tt.code)
		}
	}
	if _, err := NewSender("1", "t", WithAPIVersion("24")); err == nil {
		t.Error("a version without v and minor was accepted")
	}
}

// Graph's 190 (the access token expired or was revoked, HTTP 401) is
// permanent, and its error says what the operator must do: every reply
// fails until the token is renewed, and "Invalid OAuth access token"
// alone did not say where.
func TestSendExpiredToken(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	s, err := NewSender(wa.PhoneNumberID, "expired", WithGraphURL(wa.URL), WithClock(func() time.Time { return testNow }), WithThrottleRetry(2, 40*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), out("o1", "ciao"))
	var ce *flows.ChannelError
	if !errors.As(err, &ce) || ce.Code != 190 || ce.Status != http.StatusUnauthorized || ce.Temporary {
		t.Fatalf("err = %v, want a permanent 190", err)
	}
	if want := "renew the access token in channels.whatsapp[].access_token"; !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want it to say %q", err, want)
	}
	if n := len(wa.Refusals()); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestSendNetworkError(t *testing.T) {
	s, _ := NewSender("1", "t", WithGraphURL("http://127.0.0.1:1"), WithHTTPClient(&http.Client{Timeout: time.Second}), WithClock(func() time.Time { return testNow }))
	err := s.Send(context.Background(), out("o1", "ciao"))
	if _, retry := flows.RetryAfter(err); !retry {
		t.Errorf("err = %v, want a temporary error", err)
	}
}

func TestTypingAndMedia(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	s := newTestSender(t, wa)
	ctx := context.Background()
	if err := s.Typing(ctx, flows.Inbound{ID: "wamid.IN1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRead(ctx, "wamid.IN2", false); err != nil {
		t.Fatal(err)
	}
	if r := wa.Reads(); len(r) != 2 || r[0] != (whatsapptest.Read{PhoneNumberID: wa.PhoneNumberID, MessageID: "wamid.IN1", Typing: true}) || r[1].Typing {
		t.Errorf("reads %+v", r)
	}

	data := []byte("%PDF-1.7 fake invoice")
	wa.AddMedia("3079537139650975", "application/pdf", data)
	f, err := s.FetchMedia(ctx, flows.Media{Kind: "document", ID: "3079537139650975"}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if string(f.Data) != string(data) || f.MIME != "application/pdf" || f.Name != "document-3079537139650975.pdf" {
		t.Errorf("fetched %q %q %q", f.Name, f.MIME, f.Data)
	}
	if _, err := s.FetchMedia(ctx, flows.Media{Kind: "document", ID: "3079537139650975"}, 10); !errors.Is(err, flows.ErrMediaTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	var ce *flows.ChannelError
	if _, err := s.FetchMedia(ctx, flows.Media{Kind: "image", ID: "404"}, 1<<20); !errors.As(err, &ce) || ce.Status != 404 {
		t.Errorf("unknown media: %v", err)
	}
}

// A Retry-After is read as seconds or an HTTP date and bounded: never
// negative, never past maxRetryAfter, however large the number (one that
// overflows a time.Duration used to wrap around to a negative wait, and
// the send was retried at once instead of after the provider's wait).
func TestRetryAfterBounded(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"30", 30 * time.Second},
		{"1000000", maxRetryAfter},
		{"1000000000000", maxRetryAfter},
		{"9223372037", maxRetryAfter}, // × 1e9 ns overflows int64 into a negative
		{"99999999999999999999999", maxRetryAfter},
		{"-99999999999999999999999", 0},
		{"1e12", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"Fri, 31 Dec 9999 23:59:59 GMT", maxRetryAfter},
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if maxRetryAfter != 24*time.Hour {
		t.Errorf("maxRetryAfter = %v, want the 24 hours docs say", maxRetryAfter)
	}
}

// A Retry-After past every bound comes back to the caller with the
// bounded wait at once, not retried within Send.
func TestSendHugeRetryAfter(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	wa.FailNext(whatsapptest.Failure{Status: 429, Code: 130429, RetryAfter: "9223372037"})
	err := newTestSender(t, wa).Send(context.Background(), out("o1", "ciao"))
	var ce *flows.ChannelError
	if !errors.As(err, &ce) || !ce.Temporary || ce.RetryAfter != 24*time.Hour || len(wa.Messages()) != 0 {
		t.Fatalf("err = %+v, %d messages recorded; want a temporary error with a 24h wait, nothing sent", err, len(wa.Messages()))
	}
}

// The fake refuses what Graph refuses, so a sender that sends it fails
// its tests: a reply button id with spaces around it.
func TestFakeRefusesSpacedButtonID(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	body := `{"messaging_product":"whatsapp","to":"393331234567","type":"interactive","interactive":{"type":"button",` +
		`"body":{"text":"Q"},"action":{"buttons":[{"type":"reply","reply":{"id":" yes","title":"Sì"}}]}}}`
	req, _ := http.NewRequest(http.MethodPost, wa.URL+"/"+wa.Version+"/"+wa.PhoneNumberID+"/messages", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+wa.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if r := wa.Refusals(); resp.StatusCode != http.StatusBadRequest || len(r) != 1 || r[0].Code != 131009 {
		t.Errorf("status %d, refusals %+v; want 400 with 131009", resp.StatusCode, r)
	}
}

// A media download that fails names the media URL up to its path: Meta's
// lookaside URLs carry signed query parameters, and the error reaches the
// log.
func TestFetchMediaErrorLeavesTheQueryOut(t *testing.T) {
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		url := "http://bot:hunter2@127.0.0.1:1/whatsapp_business/attachments/?mid=3079537139650975&ext=1765&hash=ATsignedSECRET"
		if strings.HasSuffix(r.URL.Path, "/bad") {
			url = "http://127.0.0.1:1/attachments/%zz?hash=ATsignedSECRET"
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"url":%q,"mime_type":"image/jpeg","file_size":10}`, url)
	}))
	defer graph.Close()
	s, err := NewSender("1", "t", WithGraphURL(graph.URL), WithHTTPClient(&http.Client{Timeout: time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"3079537139650975", "bad"} {
		_, err := s.FetchMedia(context.Background(), flows.Media{Kind: "image", ID: id}, 1<<20)
		if err == nil {
			t.Fatalf("%s: the download reached a closed port", id)
		}
		if msg := err.Error(); strings.Contains(msg, "ATsigned") || strings.Contains(msg, "hunter2") || strings.Contains(msg, "mid=") {
			t.Errorf("%s: the error shows the URL's query or password: %s", id, msg)
		}
		if id != "bad" && !strings.Contains(err.Error(), "http://127.0.0.1:1/whatsapp_business/attachments/?…") {
			t.Errorf("the error does not say which URL failed: %s", err)
		}
	}
}

// An error with a cause says the cause once: the message named it and the
// cause was added again ("calling the Graph API: Post …: dial tcp …:
// connection refused: Post …: dial tcp …: connection refused").
func TestErrorCauseSaidOnce(t *testing.T) {
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"url":"http://127.0.0.1:1/attachments/1","mime_type":"image/jpeg","file_size":10}`)
	}))
	defer graph.Close()
	for name, call := range map[string]func() error{
		"send": func() error {
			s, _ := NewSender("1", "t", WithGraphURL("http://127.0.0.1:1"), WithHTTPClient(&http.Client{Timeout: time.Second}), WithClock(func() time.Time { return testNow }))
			return s.Send(context.Background(), out("o1", "ciao"))
		},
		"media": func() error {
			s, _ := NewSender("1", "t", WithGraphURL(graph.URL), WithHTTPClient(&http.Client{Timeout: time.Second}))
			_, err := s.FetchMedia(context.Background(), flows.Media{Kind: "image", ID: "1"}, 1<<20)
			return err
		},
	} {
		err := call()
		if err == nil || errors.Unwrap(err) == nil {
			t.Fatalf("%s: %v, want an error with a cause", name, err)
		}
		if n := strings.Count(err.Error(), "connection refused"); n != 1 {
			t.Errorf("%s: the cause is said %d times: %s", name, n, err)
		}
	}
}

// WithSent hears of every message Send delivers to a phone number that is
// not the conversation's contact id (its failed status would name the
// phone alone), with the wamid Graph answered with, and of no other: not
// of a contact keyed by its phone, nor of one sent to its
// business-scoped user id, nor of a template when it is one of these.
func TestSendReportsMessagesToAPhoneOfAnotherContactID(t *testing.T) {
	const phone, bsuid = "393331234567", "IT.8842211034"
	long := strings.Repeat("parola ", MaxBodyLen/7+10) // two messages
	tests := []struct {
		name   string
		to     flows.Contact
		window bool // the 24-hour window closed: a template
		want   bool
	}{
		{"keyed by the user id, a phone known", flows.Contact{ID: bsuid, Phone: phone}, false, true},
		{"keyed by the user id, a template to the phone", flows.Contact{ID: bsuid, Phone: "+" + phone}, true, true},
		{"keyed by the phone", flows.Contact{ID: phone, Phone: phone}, false, false},
		{"keyed by the phone, a template", flows.Contact{ID: phone}, true, false},
		{"keyed by the user id, no phone", flows.Contact{ID: bsuid}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wa := whatsapptest.NewServer(t, whatsapptest.WithTemplate("reply", "it", 1))
			type rec struct{ conv, wamid string }
			var got []rec
			s := newTestSender(t, wa, WithTemplate(Template{Name: "reply", Language: "it", TextParam: true}),
				WithSent(func(_ context.Context, conv, wamid string) { got = append(got, rec{conv, wamid}) }))
			m := out("o1", long)
			m.To, m.ConversationID = tt.to, "whatsapp:"+whatsapptest.PhoneNumberID+":"+tt.to.ID
			if tt.window {
				m.LastUserAt = testNow.Add(-Window - time.Minute)
			}
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			noRefusals(t, wa)
			sent := wa.Messages()
			var want []rec
			if tt.want {
				for _, msg := range sent {
					want = append(want, rec{m.ConversationID, msg.ID})
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("WithSent heard %v, want %v (sent %d messages)", got, want, len(sent))
			}
			if tt.want && (len(got) == 0 || !strings.HasPrefix(got[0].wamid, "wamid.")) {
				t.Fatalf("WithSent heard %v, want the wamids", got)
			}
		})
	}
}
