package memory

import (
	"strconv"
	"testing"

	"github.com/batonbot/baton/store"
)

// groupSet keeps a few groups in an array and moves to a map beyond: each
// group is new once, on both sides of the move.
func TestGroupSet(t *testing.T) {
	var s groupSet
	for round := range 2 {
		for i := range 20 {
			for _, reply := range []bool{true, false} {
				g := store.GroupKey{Reply: reply, ID: "g" + strconv.Itoa(i)}
				if got, want := s.add(g), round == 0; got != want {
					t.Errorf("round %d: add(%v) = %v, want %v", round, g, got, want)
				}
			}
		}
	}
}
