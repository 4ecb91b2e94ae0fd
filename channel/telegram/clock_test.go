package telegram

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A message's date became its turn's clock: an update Telegram delivered
// hours late (the webhook was down) ran its turn hours in the past, so
// its no-reply timeout and SLA clock were already due; one dated ahead
// ran in the future. The turn runs at the receive time (Input.At);
// Inbound.At keeps the message's date.
func TestHandlerTurnRunsAtReceiveTime(t *testing.T) {
	for _, tt := range []struct {
		file string
		sent time.Time
	}{
		{"redelivered_late", testNow.Add(-5 * time.Hour)},
		{"future", testNow.Add(48 * time.Hour)},
		{"text", testNow.Add(-time.Minute)},
	} {
		body, err := os.ReadFile(filepath.Join("testdata", "updates", tt.file+".json"))
		if err != nil {
			t.Fatal(err)
		}
		rec := &receiver{}
		var rejects []string
		h := newTestHandler(t, rec, &rejects)
		req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram/shop", bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret_token")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || len(rec.inputs) != 1 || len(rejects) != 0 {
			t.Fatalf("%s: status %d, %d inputs, rejects %q; want it accepted", tt.file, w.Code, len(rec.inputs), rejects)
		}
		in := rec.inputs[0]
		if !in.Input.At.Equal(testNow) {
			t.Errorf("%s: the turn's clock is %v, want the receive time %v", tt.file, in.Input.At, testNow)
		}
		if !in.At.Equal(tt.sent) {
			t.Errorf("%s: Inbound.At %v, want the message's date %v", tt.file, in.At, tt.sent)
		}
	}
}
