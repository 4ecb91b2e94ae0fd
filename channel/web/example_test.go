package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/batonbot/baton/channel/web"
	"github.com/batonbot/baton/flows"
)

// printer is a Receiver that prints what it gets.
type printer struct{}

func (printer) Receive(_ context.Context, in flows.Inbound) error {
	fmt.Printf("%s %q payload %q\n", in.ConversationID, in.Input.Text, in.Input.Payload)
	return nil
}

func (printer) Status(context.Context, flows.DeliveryStatus) error { return nil }

// The handler serves the chat page and its API wherever it is mounted, and
// is the channel replies go through.
func ExampleNewHandler() {
	n := 0
	newID := func() string { n++; return fmt.Sprintf("ID%018d", n) } // random by default
	h, err := web.NewHandler(printer{}, web.WithName("shop"), web.WithIDs(newID))
	if err != nil {
		panic(err)
	}
	defer h.Close()
	mux := http.NewServeMux()
	mux.Handle("/chat/", h)

	post := func(body string) string {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/chat/api/messages", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		mux.ServeHTTP(w, req)
		return fmt.Sprint(w.Code, " ", strings.TrimSpace(w.Body.String()))
	}
	fmt.Println(post(`{"text":"hello"}`))
	fmt.Println(post(`{"conversation":"ID000000000000000001","payload":"order","label":"Order status"}`))
	err = h.Send(context.Background(), flows.Outbound{To: flows.Contact{ID: "ID000000000000000001"}, Reply: flows.Reply{Text: "Your order ships today."}})
	fmt.Println(err)
	// Output:
	// web:shop:ID000000000000000001 "hello" payload ""
	// 202 {"conversation":"ID000000000000000001","id":"ID000000000000000003"}
	// web:shop:ID000000000000000001 "" payload "order"
	// 202 {"conversation":"ID000000000000000001","id":"ID000000000000000004"}
	// <nil>
}
