package flows

import "testing"

func TestPartsSent(t *testing.T) {
	p := NewPartsSent(2)
	p.Sent("one-part", 0, 1) // a reply of one part is not kept
	p.Sent("a", 1, 3)
	p.Sent("b", 2, 4)
	if got := [3]int{p.Done("one-part"), p.Done("a"), p.Done("b")}; got != [3]int{0, 1, 2} {
		t.Fatalf("done: %v, want [0 1 2]", got)
	}
	p.Sent("a", 2, 3)
	p.Sent("c", 1, 2) // a third reply under way: the oldest, a, is forgotten
	if got := [3]int{p.Done("a"), p.Done("b"), p.Done("c")}; got != [3]int{0, 2, 1} {
		t.Fatalf("after a third reply: %v, want [0 2 1]", got)
	}
	p.Sent("b", 4, 4) // all its parts went out: forgotten
	if p.Done("b") != 0 || p.Done("") != 0 {
		t.Fatalf("a finished reply or no id: %d %d, want 0", p.Done("b"), p.Done(""))
	}
}
