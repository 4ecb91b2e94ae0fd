package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
)

// TestMessageOptionsCodec: the menu options a bot message showed survive
// the codec, in order, so the ticket lists them after a restart.
func TestMessageOptionsCodec(t *testing.T) {
	m := flows.Message{At: time.Unix(1700000000, 0).UTC(), From: flows.RoleBot, Text: "How can I help?",
		Options: []string{"Order status", "FAQ", "Talk to a person"}}
	var got flows.Message
	if err := store.DecodeMessage(store.EncodeMessage(nil, &m), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("got %#v, want %#v", got, m)
	}
}
