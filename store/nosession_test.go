package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
)

func TestNoSession(t *testing.T) {
	for _, id := range []string{"whatsapp:106540352242922:393331234567", "", `a "quoted" id`, "web:w:é"} {
		err := store.NoSession(id)
		if !errors.Is(err, flows.ErrNoSession) {
			t.Errorf("NoSession(%q) does not wrap flows.ErrNoSession", id)
		}
		if got, want := err.Error(), fmt.Errorf("session %q: %w", id, flows.ErrNoSession).Error(); got != want {
			t.Errorf("NoSession(%q) reads %q, want %q", id, got, want)
		}
	}
}
