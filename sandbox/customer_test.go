package sandbox_test

import (
	"strings"
	"testing"

	"github.com/batonbot/baton/sandbox"
)

func TestDefaultContact(t *testing.T) {
	for _, tc := range []struct{ lang, name, phone string }{
		{"it", "Anna", "+390000000000"},
		{"en", "Emma", "+447700900123"},
		{"es", "Lucía", "+34600000000"},
		{"es-MX", "Lucía", "+34600000000"},
		{"ja", "Alex", "+15555550100"},
	} {
		if c := sandbox.DefaultContact(tc.lang); c.Name != tc.name || c.Phone != tc.phone {
			t.Errorf("DefaultContact(%q) = %s %s, want %s %s", tc.lang, c.Name, c.Phone, tc.name, tc.phone)
		}
	}
}

func TestCheckChannel(t *testing.T) {
	for _, ok := range sandbox.Channels {
		if err := sandbox.CheckChannel(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	err := sandbox.CheckChannel("sms")
	if err == nil || !strings.Contains(err.Error(), "sandbox, whatsapp, telegram, web") {
		t.Errorf("sms: %v", err)
	}
	if _, err := sandbox.New(sandbox.Config{Flow: shop(t), Channel: "sms"}); err == nil {
		t.Error("New accepts an unknown channel")
	}
}
