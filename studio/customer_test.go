package studio

import (
	"testing"

	"github.com/batonbot/baton/sandbox"
)

// The web sandbox plays the same customer as baton chat and baton test
// when none is given: sandbox.DefaultContact of the conversation's
// language.
func TestDefaultProfileIsTheSandboxCustomer(t *testing.T) {
	for _, lang := range []string{"", "it", "en"} {
		p := newPage(t, Options{Lang: lang})
		st := p.post("message", map[string]string{"text": "ciao"})
		want := sandbox.DefaultContact(st.Setup.Lang)
		if st.Setup.Profile.Name != want.Name || st.Setup.Profile.Phone != want.Phone {
			t.Errorf("lang %q: the profile is %+v, want %s %s", lang, st.Setup.Profile, want.Name, want.Phone)
		}
	}
}
