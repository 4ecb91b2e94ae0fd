package telegram

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/batonbot/baton/flows"
)

type discard struct{}

func (discard) Receive(context.Context, flows.Inbound) error       { return nil }
func (discard) Status(context.Context, flows.DeliveryStatus) error { return nil }

// BenchmarkDecode measures decoding a text update and a callback query.
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"text", "callback", "photo"} {
		body, err := os.ReadFile("testdata/updates/" + name + ".json")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := decode(body, "shop", testNow); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHandler measures one update through the handler: secret check,
// body read, decode, hand-over to a Receiver that does nothing.
func BenchmarkHandler(b *testing.B) {
	body, err := os.ReadFile("testdata/updates/text.json")
	if err != nil {
		b.Fatal(err)
	}
	h, err := NewHandler([]Bot{{Name: "shop", SecretToken: "s3cret_token"}}, discard{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram/shop", bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret_token")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
