package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
)

// A pending HTTP call keeps the message that led to it, and what the turn
// knew of it (fields 8 to 19 of the pending call), across a save.
func TestCodecPendingMessage(t *testing.T) {
	s := &flows.Session{ID: "p", Pending: &flows.Pending{ID: "h1", State: "m", Step: 1, Path: "menu.0", Text: "1", Direct: true, User: true, Analysed: true, NoMatch: 3, Used: []int{0, 2}, Whole: true, Answer: "42",
		Media:    &flows.Media{Kind: flows.MediaContacts, ID: "m1", Latitude: 45.1, Contacts: []flows.Contact{{Name: "Bo", Phone: "+39"}}},
		Rejected: []int{0, 1}, NoSignals: true,
		MessageAt: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)}}
	got, err := store.DecodeSession(store.EncodeSession(nil, s))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Pending, s.Pending) {
		t.Errorf("pending %+v, want %+v", got.Pending, s.Pending)
	}
}
