package telegram_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/batonbot/baton/channel/telegram"
	"github.com/batonbot/baton/flows"
)

// A menu goes out as an inline keyboard whose callback data are the
// options' ids.
func ExampleSender_Send() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.URL.Path)
		fmt.Println(string(body))
		io.WriteString(w, `{"ok":true,"result":{"message_id":1}}`)
	}))
	defer api.Close()

	s, err := telegram.NewSender("shop", "123456:ABC-DEF", telegram.WithBaseURL(api.URL))
	if err != nil {
		panic(err)
	}
	err = s.Send(context.Background(), flows.Outbound{
		To: flows.Contact{ID: "5123456789"},
		Reply: flows.Reply{Text: "How can I help?", Options: []flows.ReplyOption{
			{ID: "order", Number: 1, Title: "Order status"},
			{ID: "agent", Number: 2, Title: "Talk to a person"},
		}},
	})
	fmt.Println(err)
	// Output:
	// /bot123456:ABC-DEF/sendMessage
	// {"chat_id":5123456789,"text":"How can I help?","reply_markup":{"inline_keyboard":[[{"text":"Order status","callback_data":"order"}],[{"text":"Talk to a person","callback_data":"agent"}]]}}
	// <nil>
}
