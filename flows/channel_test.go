package flows

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestMediaDescribe(t *testing.T) {
	tests := []struct {
		m    *Media
		want string
	}{
		{nil, ""},
		{&Media{Kind: MediaImage, ID: "1", Caption: "broken box"}, "[image 1] broken box"},
		{&Media{Kind: MediaAudio, ID: "2"}, "[audio 2]"},
		{&Media{Kind: MediaDocument, Filename: "invoice.pdf", Caption: "march"}, "[document] invoice.pdf march"},
		{&Media{Kind: MediaLocation, Latitude: 45.4642, Longitude: 9.19, Name: "Duomo", Address: "Piazza del Duomo"}, "[location] Duomo Piazza del Duomo (45.4642, 9.19)"},
		{&Media{Kind: MediaContacts, Contacts: []Contact{{Name: "Ada", Phone: "+39 333"}, {Name: "Bob"}}}, "[contacts] Ada <+39 333>, Bob"},
	}
	for _, tt := range tests {
		if got := tt.m.Describe(); got != tt.want {
			t.Errorf("Describe(%+v) = %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestChannelError(t *testing.T) {
	window := fmt.Errorf("deliver: %w", &ChannelError{Channel: ChannelWhatsApp, Status: 400, Code: 131047, Message: "Re-engagement message", Err: ErrOutsideWindow})
	if !errors.Is(window, ErrOutsideWindow) {
		t.Error("a 131047 ChannelError does not match ErrOutsideWindow")
	}
	if _, ok := RetryAfter(window); ok {
		t.Error("a closed window is retryable")
	}
	throttled := &ChannelError{Channel: ChannelWhatsApp, Status: 429, Code: 130429, Temporary: true, RetryAfter: 3 * time.Second}
	if d, ok := RetryAfter(throttled); !ok || d != 3*time.Second {
		t.Errorf("RetryAfter(throttled) = %v, %v", d, ok)
	}
	if _, ok := RetryAfter(errors.New("plain")); ok {
		t.Error("a plain error is retryable")
	}
	want := "whatsapp: send failed (HTTP 429): error 130429; retry after 3s"
	if got := throttled.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestConversationID(t *testing.T) {
	if got := ConversationID(ChannelWhatsApp, "106540352242922", "393331234567"); got != "whatsapp:106540352242922:393331234567" {
		t.Error(got)
	}
}

func TestMediaFields(t *testing.T) {
	typ := reflect.TypeOf(MediaEnv{})
	var tags []string
	for i := range typ.NumField() {
		tags = append(tags, typ.Field(i).Tag.Get("expr"))
	}
	if !slices.Equal(tags, MediaFields) {
		t.Errorf("MediaFields %q, the struct's expr tags %q", MediaFields, tags)
	}
	m := &Media{Kind: MediaContacts, Contacts: []Contact{{Name: "Bo", Phone: "+1 555"}}}
	if e := m.Env(); e.Kind != "contacts" || len(e.Contacts) != 1 || e.Contacts[0]["phone"] != "+1 555" {
		t.Errorf("Env() = %+v", e)
	}
	if e := (*Media)(nil).Env(); e.Kind != "" {
		t.Errorf("nil Env() = %+v", e)
	}
}
