package telegram

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzHandler posts arbitrary bodies with the right secret: the handler
// never panics, answers 200 or 400, and hands over only complete messages.
func FuzzHandler(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "updates", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed corpus in testdata/updates: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := &receiver{}
		var rejects []string
		h := newTestHandler(t, rec, &rejects)
		req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram/shop", bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret_token")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("status %d", w.Code)
		}
		for _, in := range rec.inputs {
			if !strings.HasPrefix(in.ID, "tg:shop:") || !strings.HasPrefix(in.ConversationID, "telegram:shop:") || in.Contact.ID == "" {
				t.Fatalf("incomplete inbound %+v", in)
			}
			if in.Input.Text == "" && in.Input.Payload == "" && in.Input.Media == nil {
				t.Fatalf("an empty message was handed over: %+v", in)
			}
		}
	})
}
