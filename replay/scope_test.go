package replay

import "testing"

// The conversations of `baton test --events` and of chats appended to an
// events file are replayed under the id they ran under, without their
// scope: a sampled survey hashes it.
func TestScopedSession(t *testing.T) {
	for _, c := range []struct{ id, want string }{
		{TestScope(3) + "test-1", "test-1"},
		{ChatScope(18234) + "sandbox-1", "sandbox-1"},
		{"sandbox-1", ""},
		{"whatsapp:1065:39333", ""},
		{"chat@x.sandbox-1", ""},
		{"t0.test-1", ""},
		{ChatScope(1) + "test-1", ""},
	} {
		if got := testSession(c.id); got != c.want {
			t.Errorf("testSession(%q) = %q, want %q", c.id, got, c.want)
		}
	}
}
