package whatsapp

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
)

// A message's provider timestamp became its turn's clock: one Meta
// delivered hours late (the webhook was down) ran its turn hours in the
// past, so its no-reply timeout and SLA clock were already due; one dated
// ahead ran in the future, its reply and timers held until then. The turn
// runs at the receive time (Input.At); Inbound.At keeps Meta's, which the
// stale check reads.
func TestHandlerTurnRunsAtReceiveTime(t *testing.T) {
	for _, tt := range []struct {
		file string
		sent time.Time
	}{
		{"redelivered_late", testNow.Add(-5 * time.Hour)},
		{"future", testNow.Add(48 * time.Hour)},
		{"text", testNow.Add(-time.Minute)},
	} {
		body, err := os.ReadFile(filepath.Join("testdata", "webhooks", tt.file+".json"))
		if err != nil {
			t.Fatal(err)
		}
		rec := &receiver{}
		var rejects []string
		h := newTestHandler(t, rec, &rejects)
		req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", whatsapptest.Sign(testSecret, body))
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
			t.Errorf("%s: Inbound.At %v, want Meta's timestamp %v", tt.file, in.At, tt.sent)
		}
	}
}
