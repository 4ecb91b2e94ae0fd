package whatsapp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/batonbot/baton/channel/whatsapp"
	"github.com/batonbot/baton/flows"
)

// A menu of three options goes out as reply buttons whose ids are the
// options' ids.
func ExampleSender_Send() {
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.URL.Path, r.Header.Get("Authorization"))
		fmt.Println(string(body))
		io.WriteString(w, `{"messaging_product":"whatsapp","messages":[{"id":"wamid.1"}]}`)
	}))
	defer graph.Close()

	s, err := whatsapp.NewSender("106540352242922", "EAAG-token", whatsapp.WithGraphURL(graph.URL))
	if err != nil {
		panic(err)
	}
	err = s.Send(context.Background(), flows.Outbound{
		ID: "reply-1",
		To: flows.Contact{ID: "393331234567", Phone: "393331234567"},
		Reply: flows.Reply{Text: "How can I help?", Options: []flows.ReplyOption{
			{ID: "order", Number: 1, Title: "Order status"},
			{ID: "agent", Number: 2, Title: "Talk to a person"},
		}},
	})
	fmt.Println(err)
	// Output:
	// POST /v24.0/106540352242922/messages Bearer EAAG-token
	// {"messaging_product":"whatsapp","recipient_type":"individual","to":"393331234567","type":"interactive","interactive":{"type":"button","body":{"text":"How can I help?"},"action":{"buttons":[{"type":"reply","reply":{"id":"order","title":"Order status"}},{"type":"reply","reply":{"id":"agent","title":"Talk to a person"}}]}},"biz_opaque_callback_data":"baton:contact:393331234567"}
	// <nil>
}
