package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/flows"
)

var testNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const (
	testNumber  = "106540352242922"
	otherNumber = "206540352242923"
	testSecret  = "app-secret-1"
	otherSecret = "app-secret-2"
)

// receiver records what a handler hands over; fail makes it fail.
type receiver struct {
	mu       sync.Mutex
	inputs   []flows.Inbound
	statuses []flows.DeliveryStatus
	fail     error
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

func (r *receiver) Status(_ context.Context, s flows.DeliveryStatus) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.statuses = append(r.statuses, s)
	return nil
}

// brief renders an inbound message compactly for the tables:
// conversation|contact id|phone|name|text|payload|media.
func brief(in flows.Inbound) string {
	media := ""
	if in.Input.Media != nil {
		media = in.Input.Media.Describe()
		if mime := in.Input.Media.MIME; mime != "" {
			media += " " + mime
		}
	}
	s := strings.Join([]string{in.ConversationID, in.Contact.ID, in.Contact.Phone, in.Contact.Name, in.Input.Text, in.Input.Payload, media}, "|")
	if u := in.Contact.Meta["username"]; u != "" {
		s += "|@" + u
	}
	return s
}

func briefStatus(s flows.DeliveryStatus) string {
	return fmt.Sprintf("%s|%s|%s|%d", s.MessageID, s.Recipient, s.Status, s.ErrorCode)
}

func newTestHandler(t *testing.T, r flows.Receiver, rejects *[]string, opts ...Option) *Handler {
	t.Helper()
	accounts := []Account{
		{PhoneNumberID: testNumber, AppSecret: testSecret, VerifyToken: "verify-me"},
		{PhoneNumberID: otherNumber, AppSecret: otherSecret},
	}
	opts = append([]Option{WithClock(func() time.Time { return testNow }), WithRejectHook(func(reason string) { *rejects = append(*rejects, reason) })}, opts...)
	h, err := NewHandler(accounts, r, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHandlerNotifications(t *testing.T) {
	const conv = "whatsapp:106540352242922:393331234567"
	tests := []struct {
		file      string
		secret    string // signs the body; "" uses testSecret, "-" sends no signature
		status    int
		inputs    []string
		statuses  []string
		rejects   []string
		receivErr error
	}{
		{file: "text", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi|Ciao, dov'è il mio ordine?||"}},
		{file: "user_id", status: 200, inputs: []string{"whatsapp:106540352242922:IT.8842211034|IT.8842211034|393331234567|Anna Rossi|ciao||" + "|@anna"}},
		{file: "username_only", status: 200, inputs: []string{"whatsapp:106540352242922:IT.8842211034|IT.8842211034||Anna Rossi|ciao||" + "|@anna"}},
		{file: "bsuid_in_from", status: 200, inputs: []string{"whatsapp:106540352242922:IT.8842211034|IT.8842211034||Anna Rossi|ciao||"}},
		{file: "button_reply", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi||order|"}},
		{file: "list_reply", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi||returns|"}},
		{file: "template_button", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi||resume|"}},
		{file: "image", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi|il pacco è arrivato rotto||[image 1479537139650973] il pacco è arrivato rotto image/jpeg"}},
		{file: "voice", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi|||[audio 2079537139650974] audio/ogg; codecs=opus"}},
		{file: "document", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi|fattura||[document 3079537139650975] fattura-0042.pdf fattura application/pdf"}},
		{file: "video", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi|||[video 4079537139650976] video/mp4"}},
		{file: "sticker", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi|||[sticker 5079537139650977] image/webp"}},
		{file: "location", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi|||[location] Duomo di Milano Piazza del Duomo, Milano (45.4642, 9.19)"}},
		{file: "contacts", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi|||[contacts] Marco Bianchi <+39 333 765 4321>"}},
		{file: "millis", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi|ciao||"}},
		{file: "batch", status: 200, inputs: []string{
			conv + "|393331234567|393331234567|Anna Rossi|uno||",
			conv + "|393331234567|393331234567|Anna Rossi|due||",
			"whatsapp:106540352242922:447700900123|447700900123|447700900123|Bob|four||",
		}, statuses: []string{"wamid.OUT9|393331234567|read|0"}, rejects: []string{RejectUnknownNumber}}, // 206… is signed with another app's secret
		{file: "statuses", status: 200, statuses: []string{
			"wamid.OUT1|393331234567|sent|0", "wamid.OUT1|393331234567|delivered|0", "wamid.OUT1|393331234567|read|0", "wamid.OUT2|393331234567|failed|131047",
		}, rejects: []string{RejectUnknownStatus}},
		{file: "status_bsuid", status: 200, statuses: []string{"wamid.OUT4|IT.8842211034|delivered|0"}},
		// Skipped items: 200 so Meta does not redeliver for days what will never be processed.
		{file: "reaction", status: 200, rejects: []string{RejectUnsupported}},
		{file: "unsupported", status: 200, rejects: []string{RejectUnsupported}},
		{file: "group", status: 200, rejects: []string{RejectGroup}},
		{file: "no_sender", status: 200, rejects: []string{RejectNoSender}},
		{file: "duplicate", status: 200, inputs: []string{conv + "|393331234567|393331234567|Anna Rossi|ciao||"}, rejects: []string{RejectDuplicate}},
		{file: "stale", status: 200, rejects: []string{RejectStale}},
		{file: "unknown_number", status: 200, rejects: []string{RejectUnknownNumber}},
		{file: "account_update", status: 200},
		// Refused requests: nothing processed.
		{file: "text", secret: "-", status: 401, rejects: []string{RejectSignature}},
		{file: "text", secret: "wrong-secret", status: 401, rejects: []string{RejectSignature}},
		{file: "text", secret: otherSecret, status: 200, rejects: []string{RejectUnknownNumber}}, // a valid signature of another app for this number
		{file: "not_json", status: 400, rejects: []string{RejectMalformed}},
		{file: "truncated", status: 400, rejects: []string{RejectMalformed}},
		{file: "not_whatsapp", status: 400, rejects: []string{RejectMalformed}},
		{file: "text", status: 500, receivErr: errors.New("store down"), rejects: []string{RejectReceiver}},
	}
	for _, tt := range tests {
		name := tt.file
		if tt.secret != "" || tt.receivErr != nil {
			name += fmt.Sprintf("/%d", tt.status)
		}
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "webhooks", tt.file+".json"))
			if err != nil {
				t.Fatal(err)
			}
			rec := &receiver{fail: tt.receivErr}
			var rejects []string
			h := newTestHandler(t, rec, &rejects)
			req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(body))
			switch tt.secret {
			case "-":
			case "":
				req.Header.Set("X-Hub-Signature-256", whatsapptest.Sign(testSecret, body))
			default:
				req.Header.Set("X-Hub-Signature-256", whatsapptest.Sign(tt.secret, body))
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d (%s)", w.Code, tt.status, strings.TrimSpace(w.Body.String()))
			}
			// A refused signature says which key to check, in the answer
			// and the log.
			if w.Code == http.StatusUnauthorized && !strings.Contains(w.Body.String(), "check channels.whatsapp[].app_secret") {
				t.Errorf("401 answer %q does not say which key to check", w.Body)
			}
			var got, gotStatuses []string
			for _, in := range rec.inputs {
				got = append(got, brief(in))
				if in.ID == "" || in.Channel != "whatsapp" || in.Account == "" || in.Input.Kind != flows.InputMessage || in.At.IsZero() || !in.Input.At.Equal(testNow) {
					t.Errorf("incomplete inbound %+v", in)
				}
			}
			for _, s := range rec.statuses {
				gotStatuses = append(gotStatuses, briefStatus(s))
			}
			if !slices.Equal(got, tt.inputs) {
				t.Errorf("inputs:\n got  %q\n want %q", got, tt.inputs)
			}
			if !slices.Equal(gotStatuses, tt.statuses) {
				t.Errorf("statuses:\n got  %q\n want %q", gotStatuses, tt.statuses)
			}
			if !slices.Equal(rejects, tt.rejects) {
				t.Errorf("rejects %q, want %q", rejects, tt.rejects)
			}
			if w.Code == http.StatusOK {
				want := fmt.Sprintf(`{"received":%d,"statuses":%d,"skipped":%d}`+"\n", len(tt.inputs), len(tt.statuses), len(tt.rejects))
				if w.Body.String() != want || w.Header().Get("Content-Type") != "application/json" {
					t.Errorf("answer %q (%s), want %q (application/json)", w.Body.String(), w.Header().Get("Content-Type"), want)
				}
			}
		})
	}
}

func TestHandlerKeepsIDsAndTimes(t *testing.T) {
	body, _ := os.ReadFile("testdata/webhooks/batch.json")
	rec := &receiver{}
	var rejects []string
	h := newTestHandler(t, rec, &rejects)
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Hub-Signature-256", whatsapptest.Sign(testSecret, body))
	h.ServeHTTP(httptest.NewRecorder(), req)
	var ids []string
	for _, in := range rec.inputs {
		ids = append(ids, in.ID)
		if want := time.Unix(1772445540, 0).UTC(); !in.At.Equal(want) {
			t.Errorf("%s at %v, want %v", in.ID, in.At, want)
		}
	}
	if want := []string{"wamid.B1", "wamid.B2", "wamid.B4"}; !slices.Equal(ids, want) {
		t.Errorf("ids %q, want %q (in payload order)", ids, want)
	}
}

// TestHandlerSignatureHex: the signature's 64 hex digits are read in
// either case, as encoding/hex reads them; any other character, or a
// digit too few, is a missing signature.
func TestHandlerSignatureHex(t *testing.T) {
	body, _ := os.ReadFile("testdata/webhooks/text.json")
	sig := strings.TrimPrefix(whatsapptest.Sign(testSecret, body), "sha256=")
	for _, tt := range []struct {
		name, header string
		status       int
	}{
		{"lower", "sha256=" + sig, http.StatusOK},
		{"upper", "sha256=" + strings.ToUpper(sig), http.StatusOK},
		{"not hex", "sha256=" + sig[:63] + "g", http.StatusUnauthorized},
		{"not hex first", "sha256=x" + sig[1:], http.StatusUnauthorized},
		{"short", "sha256=" + sig[:63], http.StatusUnauthorized},
		{"another body's", "sha256=" + strings.Repeat("0", 64), http.StatusUnauthorized},
	} {
		rec := &receiver{}
		var rejects []string
		h := newTestHandler(t, rec, &rejects)
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", tt.header)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tt.status || (tt.status == http.StatusOK) != (len(rec.inputs) == 1) {
			t.Errorf("%s: status %d, %d inputs; want %d", tt.name, w.Code, len(rec.inputs), tt.status)
		}
	}
}

func TestHandlerBodyLimit(t *testing.T) {
	body, _ := os.ReadFile("testdata/webhooks/text.json")
	for _, chunked := range []bool{false, true} {
		rec := &receiver{}
		var rejects []string
		h := newTestHandler(t, rec, &rejects, WithMaxBody(int64(len(body)-1)))
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if chunked {
			req.ContentLength = -1 // no Content-Length: the limit applies while reading
		}
		req.Header.Set("X-Hub-Signature-256", whatsapptest.Sign(testSecret, body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusRequestEntityTooLarge || len(rec.inputs) != 0 || !slices.Equal(rejects, []string{RejectTooLarge}) {
			t.Errorf("chunked=%v: status %d, %d inputs, rejects %q; want 413 and nothing processed", chunked, w.Code, len(rec.inputs), rejects)
		}
	}
}

func TestHandlerVerify(t *testing.T) {
	tests := []struct {
		query  string
		status int
		body   string
	}{
		{"hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444", 200, "1158201444"},
		{"hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444", 403, ""},
		{"hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1158201444", 403, ""},
		{"hub.mode=subscribe&hub.verify_token=&hub.challenge=1", 403, ""},
		{"hub.mode=subscribe&hub.verify_token=verify-me", 403, ""},
	}
	for _, tt := range tests {
		var rejects []string
		h := newTestHandler(t, &receiver{}, &rejects)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhooks/whatsapp?"+tt.query, nil))
		if w.Code != tt.status || (tt.status == 200 && w.Body.String() != tt.body) {
			t.Errorf("%s: %d %q, want %d %q", tt.query, w.Code, w.Body.String(), tt.status, tt.body)
		}
		if tt.status == 200 && w.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("challenge served as %q", w.Header().Get("Content-Type"))
		}
	}
	var rejects []string
	h := newTestHandler(t, &receiver{}, &rejects)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/webhooks/whatsapp", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, POST" {
		t.Errorf("PUT: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

func TestNewHandlerErrors(t *testing.T) {
	r := &receiver{}
	for _, tt := range []struct {
		accounts []Account
		r        flows.Receiver
		want     string
	}{
		{nil, r, "at least one account"},
		{[]Account{{AppSecret: "s"}}, r, "no phone_number_id"},
		{[]Account{{PhoneNumberID: "1"}}, r, "no app_secret"},
		{[]Account{{PhoneNumberID: "1", AppSecret: "s"}, {PhoneNumberID: "1", AppSecret: "t"}}, r, "configured twice"},
		{[]Account{{PhoneNumberID: "1", AppSecret: "s"}}, nil, "needs a Receiver"},
	} {
		if _, err := NewHandler(tt.accounts, tt.r); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewHandler(%+v) = %v, want an error with %q", tt.accounts, err, tt.want)
		}
	}
}

// The fake's builders produce what the handler reads, so end-to-end tests
// can rely on them.
func TestFakeNotifications(t *testing.T) {
	wa := whatsapptest.NewServer(t, whatsapptest.WithAppSecret(testSecret))
	rec := &receiver{}
	var rejects []string
	h := newTestHandler(t, rec, &rejects)
	at := testNow.Add(-time.Minute)
	body := wa.Notification(
		whatsapptest.Inbound{From: "393331234567", Name: "Anna", Text: "ciao", At: at},
		whatsapptest.Inbound{From: "393331234567", Name: "Anna", ButtonID: "faq", ButtonTitle: "FAQ", At: at},
		whatsapptest.Inbound{UserID: "IT.42", Username: "anna", Name: "Anna", ListID: "returns", ListTitle: "Resi", At: at},
		whatsapptest.Inbound{From: "393331234567", Media: &whatsapptest.Media{Type: "document", ID: "77", MIME: "application/pdf", Filename: "a.pdf"}, At: at},
		whatsapptest.Inbound{From: "393331234567", Location: &whatsapptest.Location{Latitude: 1.5, Longitude: 2}, At: at},
		whatsapptest.Inbound{From: "393331234567", Contacts: []whatsapptest.Card{{Name: "Bo", Phone: "+1 555"}}, At: at},
		whatsapptest.Inbound{From: "393331234567", Type: "reaction", At: at},
	)
	if w := wa.Deliver(h, body); w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var got []string
	for _, in := range rec.inputs {
		got = append(got, brief(in))
	}
	conv := "whatsapp:106540352242922:393331234567"
	want := []string{
		conv + "|393331234567|393331234567|Anna|ciao||",
		conv + "|393331234567|393331234567|Anna||faq|",
		"whatsapp:106540352242922:IT.42|IT.42||Anna||returns||@anna",
		conv + "|393331234567|393331234567|Anna|||[document 77] a.pdf application/pdf",
		conv + "|393331234567|393331234567|Anna|||[location] (1.5, 2)",
		conv + "|393331234567|393331234567|Anna|||[contacts] Bo <+1 555>",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n %q\nwant\n %q", got, want)
	}
	if !slices.Equal(rejects, []string{RejectUnsupported}) {
		t.Errorf("rejects %q", rejects)
	}
	rec.inputs = nil
	if w := wa.Deliver(h, wa.StatusNotification(whatsapptest.Status{MessageID: "wamid.X", Recipient: "393331234567", Status: "failed", ErrorCode: 131026, ErrorTitle: "Message undeliverable", At: at})); w.Code != 200 {
		t.Fatal(w.Code)
	}
	if len(rec.statuses) != 1 || briefStatus(rec.statuses[0]) != "wamid.X|393331234567|failed|131026" || rec.statuses[0].ErrorTitle != "Message undeliverable" {
		t.Errorf("statuses %+v", rec.statuses)
	}
}

// A status Meta reports with neither recipient_id nor recipient_user_id
// (a user known only by a username, whose failed status came without the
// id) names its recipient through the biz_opaque_callback_data the send
// carried, as Baton wrote it: the failure reaches the customer's
// conversation. It was reported with no recipient, so nothing matched it.
func TestStatusRecipientFromCallbackData(t *testing.T) {
	wa := whatsapptest.NewServer(t, whatsapptest.WithAppSecret(testSecret))
	s := newTestSender(t, wa)
	m := out("o1", "Ciao!")
	m.To = flows.Contact{ID: "IT.8842211034", Meta: map[string]string{"username": "anna"}}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	noRefusals(t, wa)
	sent := wa.Messages()
	if len(sent) != 1 || sent[0].CallbackData == "" {
		t.Fatalf("sent %+v: want biz_opaque_callback_data", sent)
	}
	rec := &receiver{}
	var rejects []string
	h := newTestHandler(t, rec, &rejects)
	st := whatsapptest.Status{MessageID: sent[0].ID, Status: "failed", ErrorCode: 131026, ErrorTitle: "Message undeliverable",
		CallbackData: sent[0].CallbackData, At: testNow}
	if w := wa.Deliver(h, wa.StatusNotification(st)); w.Code != 200 {
		t.Fatal(w.Code)
	}
	if len(rec.statuses) != 1 || briefStatus(rec.statuses[0]) != sent[0].ID+"|IT.8842211034|failed|131026" {
		t.Errorf("statuses %+v", rec.statuses)
	}
	// Another app's callback data on the same number is not a recipient.
	rec.statuses = nil
	st.CallbackData, st.Recipient = "campaign-42", "393331234567"
	wa.Deliver(h, wa.StatusNotification(st))
	if len(rec.statuses) != 1 || rec.statuses[0].Recipient != "393331234567" {
		t.Errorf("statuses %+v", rec.statuses)
	}
}
