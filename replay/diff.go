package replay

import (
	"fmt"
	"slices"
	"strings"

	"github.com/batonbot/baton/flows"
)

// Change kinds, in the order reports list them.
const (
	ChangeHandedOff = "handed_off" // now hands off instead of being contained
	ChangeContained = "contained"  // now contained instead of handing off
	ChangeTeam      = "team"       // hands off to another team
	ChangePriority  = "priority"   // hands off at another priority
	ChangeReason    = "reason"     // hands off for another reason
	ChangeGone      = "state_gone" // reached a state the new flow no longer has
	ChangeStates    = "states"     // reaches different states
	ChangeReply     = "reply"      // a reply's text differs
	ChangeNoMatch   = "no_match"   // new no-matches
	ChangeEnd       = "end"        // ends otherwise (or no longer, or now)
	ChangeError     = "error"      // the replay on the new flow hit errors
)

// ChangeKinds lists the kinds in report order.
var ChangeKinds = []string{ChangeHandedOff, ChangeContained, ChangeTeam, ChangePriority, ChangeReason, ChangeGone, ChangeStates, ChangeReply, ChangeNoMatch, ChangeEnd, ChangeError}

// Change is one way a conversation's outcome differs.
type Change struct {
	Kind string `json:"kind"`
	// Step is the first step (1-based) where it shows; 0 for the
	// conversation as a whole.
	Step int    `json:"step,omitempty"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// Compare lists how run differs from base (a replay on the baseline, or
// what was recorded: then only what was recorded is compared). flow is the
// flow run ran, for the states base reached that it no longer has.
func Compare(base, run *Run, flow *flows.Flow) []Change {
	var out []Change
	bk := base.known()
	n := min(len(base.Steps), len(run.Steps))
	bh, bi := base.handoff()
	rh, ri := run.handoff()
	switch {
	case bh == nil && rh != nil:
		// Claimed only where the recording says there was none: all of it
		// (an event stream), or the step the replay hands off at.
		if bk&KnowHandoff != 0 || ri < len(base.Steps) && base.Steps[ri].Known&KnowHandoff != 0 {
			out = append(out, Change{Kind: ChangeHandedOff, Step: ri + 1, Old: "contained", New: rh.String()})
		}
	case bh != nil && rh == nil:
		out = append(out, Change{Kind: ChangeContained, Step: bi + 1, Old: bh.String(), New: "contained"})
	case bh != nil:
		if bh.Team != Unknown && bh.Team != rh.Team {
			out = append(out, Change{Kind: ChangeTeam, Step: ri + 1, Old: orNone(bh.Team), New: orNone(rh.Team)})
		}
		if bh.Priority != Unknown && bh.Priority != rh.Priority {
			out = append(out, Change{Kind: ChangePriority, Step: ri + 1, Old: bh.Priority, New: rh.Priority})
		}
		if bh.Reason != Unknown && bh.Reason != rh.Reason && bh.Reason != "" {
			out = append(out, Change{Kind: ChangeReason, Step: ri + 1, Old: bh.Reason, New: orNone(rh.Reason)})
		}
	}
	if gone := base.gone(flow); len(gone) > 0 {
		out = append(out, Change{Kind: ChangeGone, Old: strings.Join(gone, ", "), New: "not in " + flow.Name})
	}
	for i := range n {
		b, r := &base.Steps[i], &run.Steps[i]
		switch {
		case b.Known&KnowStates != 0 && !slices.Equal(b.States, r.States):
			out = append(out, Change{Kind: ChangeStates, Step: i + 1, Old: path(b.States), New: path(r.States)})
		case b.Known&KnowStates == 0 && b.Known&KnowState != 0 && !sameState(b.State, r.State):
			out = append(out, Change{Kind: ChangeStates, Step: i + 1, Old: orNone(b.State), New: orNone(r.State)})
		default:
			continue
		}
		break
	}
	for i := range n {
		b, r := &base.Steps[i], &run.Steps[i]
		if b.Known&KnowSomeReplies != 0 {
			if k := missing(b.Replies, r.Replies); k >= 0 {
				out = append(out, Change{Kind: ChangeReply, Step: i + 1, Old: b.Replies[k], New: strings.Join(r.Replies, " | ")})
				break
			}
			continue
		}
		if b.Known&KnowReplies == 0 || slices.Equal(b.Replies, r.Replies) {
			continue
		}
		k := 0
		for k < len(b.Replies) && k < len(r.Replies) && b.Replies[k] == r.Replies[k] {
			k++
		}
		out = append(out, Change{Kind: ChangeReply, Step: i + 1, Old: nth(b.Replies, k), New: nth(r.Replies, k)})
		break
	}
	if bk&KnowNoMatches != 0 {
		bn, rn := base.noMatches(), run.noMatches()
		if rn > bn {
			c := Change{Kind: ChangeNoMatch, Old: fmt.Sprint(bn), New: fmt.Sprint(rn)}
			for i := range n {
				if run.Steps[i].NoMatches > base.Steps[i].NoMatches {
					c.Step = i + 1
					c.New += " (step " + fmt.Sprint(i+1) + ", in " + orNone(lastState(run, i)) + ")"
					break
				}
			}
			out = append(out, c)
		}
	}
	if bk&KnowEnd != 0 {
		be, bi := base.end()
		re, ri := run.end()
		if be != re {
			out = append(out, Change{Kind: ChangeEnd, Step: max(bi, ri) + 1, Old: endText(be), New: endText(re)})
		}
	}
	if len(run.Errors) > 0 && !slices.Equal(run.Errors, base.Errors) {
		out = append(out, Change{Kind: ChangeError, Old: strings.Join(base.Errors, "; "), New: run.Errors[0]})
	}
	return out
}

// missing returns the index of the first of want not found in got in
// order (others may come between), or -1.
func missing(want, got []string) int {
	j := 0
	for k, w := range want {
		for j < len(got) && got[j] != w {
			j++
		}
		if j == len(got) {
			return k
		}
		j++
	}
	return -1
}

// sameState compares a recorded state with a replayed one; a test file
// names a sub-flow's state without the sub-flow ("confirm" for
// "booking/confirm").
func sameState(recorded, replayed string) bool {
	if recorded == replayed {
		return true
	}
	if !strings.Contains(recorded, "/") {
		if i := strings.LastIndex(replayed, "/"); i >= 0 {
			return replayed[i+1:] == recorded
		}
	}
	return false
}

// known is what every step of r recorded.
func (r *Run) known() Known {
	k := KnowAll
	for _, s := range r.Steps {
		k &= s.Known
	}
	return k
}

func (r *Run) handoff() (*Handoff, int) {
	for i, s := range r.Steps {
		if s.Handoff != nil {
			return s.Handoff, i
		}
	}
	return nil, -1
}

func (r *Run) noMatches() int {
	n := 0
	for _, s := range r.Steps {
		n += s.NoMatches
	}
	return n
}

func (r *Run) end() (string, int) {
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if r.Steps[i].End != "" {
			return r.Steps[i].End, i
		}
	}
	return "", -1
}

// gone lists the states r reached that flow does not have.
func (r *Run) gone(flow *flows.Flow) []string {
	var out []string
	seen := map[string]bool{}
	check := func(s string) {
		if s == "" || seen[s] {
			return
		}
		seen[s] = true
		if !hasState(flow, s) {
			out = append(out, s)
		}
	}
	for _, s := range r.Steps {
		for _, x := range s.States {
			check(x)
		}
		if s.Known&KnowState != 0 {
			check(s.State)
		}
	}
	return out
}

// hasState reports whether flow has the state a run names: "name",
// "key/name" in a sub-flow, or a sub-flow's "name" as a test file writes it.
func hasState(flow *flows.Flow, name string) bool {
	if flow.Lookup(name) != nil {
		return true
	}
	if strings.Contains(name, "/") {
		return false
	}
	for _, l := range flow.Labels() {
		if strings.HasSuffix(l, "/"+name) {
			return true
		}
	}
	return false
}

func lastState(r *Run, i int) string {
	return r.Steps[i].State
}

func (h *Handoff) String() string {
	known := func(s string) string {
		if s == Unknown {
			return "?"
		}
		return s
	}
	s := "handed off to " + orNone(known(h.Team)) + ", priority " + known(h.Priority)
	if h.Reason != "" && h.Reason != Unknown {
		s += " (" + h.Reason + ")"
	}
	return s
}

func path(states []string) string {
	if len(states) == 0 {
		return "(stays)"
	}
	return strings.Join(states, " → ")
}

func nth(list []string, k int) string {
	if k < len(list) {
		return list[k]
	}
	return "(no reply)"
}

func endText(reason string) string {
	if reason == "" {
		return "(does not end)"
	}
	return "ends (" + reason + ")"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
