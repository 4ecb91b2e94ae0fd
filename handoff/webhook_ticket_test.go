package handoff

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/batonbot/baton/flows"
)

// webhookTicketBefore is how Open read the receiver's answer first, with
// a Decoder for every answer: the reference webhookTicket must match.
func webhookTicketBefore(handoffID string, body []byte) flows.TicketRef {
	ref := flows.TicketRef{Connector: "webhook", ID: handoffID}
	var got struct {
		ID  any    `json:"id"`
		URL string `json:"url"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&got) == nil {
		switch id := got.ID.(type) {
		case string:
			if id != "" {
				ref.ID = id
			}
		case json.Number:
			ref.ID = id.String()
		}
		if u, err := url.Parse(got.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			ref.URL = got.URL
		}
	}
	return ref
}

var ticketAnswers = []string{
	``, `{}`, `null`, `[]`, `"T-1"`, `{"id":"T-1"}`, `{"id":"T-1","url":"https://desk.example/t/1"}`,
	`{"id": 12345678901234567890, "url": "ftp://x"}`, `{"id":-1.5e3}`, `{"id":""}`, `{"id":null,"url":"http://a"}`,
	`{"id":true}`, `{"id":{"n":1}}`, `{"ID":"upper"}`, `{"id":"a","id":7}`, `{"id":"\u00e8\ud83d\ude00<&>"}`,
	`{"id":"T-1"} trailing`, `{"id":"T-1"}{"id":"T-2"}`, `{"id":"T-1",`, `{"url":5,"id":"x"}`, `{"id":"x","url":"%zz"}`,
	"{\"id\":\"T-1\"}\n", `  {"id" : "spaced" }  `, `{"id":"\xff"}`,
}

// The receiver's answer names the ticket as it always did.
func TestWebhookTicketAnswer(t *testing.T) {
	for _, body := range ticketAnswers {
		if got, want := webhookTicket("h1", []byte(body)), webhookTicketBefore("h1", []byte(body)); got != want {
			t.Errorf("answer %q: %+v, want %+v", body, got, want)
		}
	}
}

func FuzzWebhookTicketAnswer(f *testing.F) {
	for _, body := range ticketAnswers {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if got, want := webhookTicket("h1", body), webhookTicketBefore("h1", body); got != want {
			t.Errorf("answer %q: %+v, want %+v", body, got, want)
		}
	})
}
