package whatsapp

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
)

// addSeeds seeds f with the webhook fixtures in testdata/webhooks.
func addSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "webhooks", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed corpus in testdata/webhooks: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzHandler posts correctly signed arbitrary bodies: the handler never
// panics, answers 200 or 400, and hands over only complete messages of the
// number it serves.
func FuzzHandler(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := &receiver{}
		var rejects []string
		h := newTestHandler(t, rec, &rejects)
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", whatsapptest.Sign(testSecret, body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("status %d for %q", w.Code, body)
		}
		if w.Code == http.StatusBadRequest && len(rec.inputs)+len(rec.statuses) > 0 {
			t.Fatal("a refused body was processed")
		}
		for _, in := range rec.inputs {
			if in.ID == "" || in.Contact.ID == "" || in.Account != testNumber || !strings.HasPrefix(in.ConversationID, "whatsapp:"+testNumber+":") {
				t.Fatalf("incomplete inbound %+v", in)
			}
			if in.Input.Text == "" && in.Input.Payload == "" && in.Input.Media == nil {
				t.Fatalf("an empty message was handed over: %+v", in)
			}
		}
		for _, s := range rec.statuses {
			if s.MessageID == "" || s.Account != testNumber {
				t.Fatalf("incomplete status %+v", s)
			}
		}
	})
}

// FuzzSignature: a body with a signature of anything but the app secret is
// refused with 401 and nothing processed.
func FuzzSignature(f *testing.F) {
	f.Add([]byte(`{"object":"whatsapp_business_account"}`), "sha256=00")
	f.Add([]byte("{}"), whatsapptest.Sign("other", []byte("{}")))
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		if sig == whatsapptest.Sign(testSecret, body) || sig == whatsapptest.Sign(otherSecret, body) {
			return
		}
		rec := &receiver{}
		var rejects []string
		h := newTestHandler(t, rec, &rejects)
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusUnauthorized || len(rec.inputs)+len(rec.statuses) > 0 {
			t.Fatalf("status %d with a wrong signature", w.Code)
		}
	})
}
