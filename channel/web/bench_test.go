package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

type discard struct{}

func (discard) Receive(context.Context, flows.Inbound) error       { return nil }
func (discard) Status(context.Context, flows.DeliveryStatus) error { return nil }

// BenchmarkPost measures a posted message: decode, checks, the post
// budget, hand-over to a Receiver that does nothing, and the echo into the
// conversation's buffer.
func BenchmarkPost(b *testing.B) {
	h, err := NewHandler(discard{}, WithRate(1<<30, 1)) // one conversation posting flat out
	if err != nil {
		b.Fatal(err)
	}
	const body = `{"conversation":"JBSWY3DPEHPK3PXPJBSWY3DPEH","id":"8f14e45fceea167a5a36dedd4bea2543","text":"Ciao, dov'è il mio ordine?"}`
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/api/messages", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(w, req)
		if w.Code != http.StatusAccepted {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkSend measures a reply with a menu joining a conversation's
// buffer.
func BenchmarkSend(b *testing.B) {
	h, err := NewHandler(discard{})
	if err != nil {
		b.Fatal(err)
	}
	m := flows.Outbound{To: flows.Contact{ID: "JBSWY3DPEHPK3PXPJBSWY3DPEH"}, Reply: flows.Reply{Text: "Come posso aiutarti?",
		Options: []flows.ReplyOption{{ID: "order", Number: 1, Title: "Stato ordine"}, {ID: "faq", Number: 2, Title: "FAQ"}}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}
