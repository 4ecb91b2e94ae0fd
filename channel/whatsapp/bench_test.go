package whatsapp

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/flows"
)

type discard struct{}

func (discard) Receive(context.Context, flows.Inbound) error       { return nil }
func (discard) Status(context.Context, flows.DeliveryStatus) error { return nil }

// BenchmarkDecode measures decoding a one-message notification and a
// batch (2 entries, 3 changes, 4 messages, 1 status).
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"text", "batch", "image"} {
		body, err := os.ReadFile("testdata/webhooks/" + name + ".json")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := decode(body, testNow, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHandler measures a signed POST through the handler: body read,
// signature check, decode, hand-over to a Receiver that does nothing.
func BenchmarkHandler(b *testing.B) {
	body, err := os.ReadFile("testdata/webhooks/text.json")
	if err != nil {
		b.Fatal(err)
	}
	h, err := NewHandler([]Account{{PhoneNumberID: testNumber, AppSecret: testSecret}}, discard{}, WithClock(func() time.Time { return testNow }))
	if err != nil {
		b.Fatal(err)
	}
	sig := whatsapptest.Sign(testSecret, body)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
