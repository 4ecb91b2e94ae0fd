package replay_test

import (
	"testing"

	"github.com/batonbot/baton/replay"
)

// Inputs keep their markup in the reports (json.Marshal escaped < and >).
func TestInputStringKeepsMarkup(t *testing.T) {
	in := replay.Input{Kind: replay.InputUser, Text: `<b>Hi</b> & "you"`}
	if got, want := in.String(), `user: "<b>Hi</b> & \"you\""`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}
