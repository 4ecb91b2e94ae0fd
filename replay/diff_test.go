package replay_test

import (
	"reflect"
	"testing"

	"github.com/batonbot/baton/replay"
)

func TestCompare(t *testing.T) {
	f := desk(t, "https://shop.example.com", "", "")
	all := replay.KnowAll
	step := func(states ...string) replay.Step {
		s := replay.Step{States: states, Known: all}
		if len(states) > 0 {
			s.State = states[len(states)-1]
		}
		return s
	}
	with := func(s replay.Step, edit func(*replay.Step)) replay.Step { edit(&s); return s }
	run := func(steps ...replay.Step) *replay.Run {
		// State carries over steps that enter none, as Play sets it.
		for i := 1; i < len(steps); i++ {
			if steps[i].State == "" {
				steps[i].State = steps[i-1].State
			}
		}
		return &replay.Run{Steps: steps}
	}
	support := &replay.Handoff{Team: "support", Priority: "normal", Reason: "refund"}
	welcome := with(step("welcome"), func(s *replay.Step) { s.Replies = []string{"Hi!"} })
	human := with(step("human"), func(s *replay.Step) { s.Handoff = support; s.Replies = []string{"A colleague will answer."} })
	for _, tc := range []struct {
		name      string
		base, new *replay.Run
		want      []replay.Change
	}{
		{"the same", run(welcome, human), run(welcome, human), nil},
		{"now hands off", run(welcome, with(step(), func(s *replay.Step) { s.Replies = []string{"A colleague will answer."} })), run(welcome, human), []replay.Change{
			{Kind: replay.ChangeHandedOff, Step: 2, Old: "contained", New: "handed off to support, priority normal (refund)"},
			{Kind: replay.ChangeStates, Step: 2, Old: "(stays)", New: "human"},
		}},
		{"now contained", run(welcome, human), run(welcome, with(step("preparing"), func(s *replay.Step) { s.Replies = []string{"A colleague will answer."} })), []replay.Change{
			{Kind: replay.ChangeContained, Step: 2, Old: "handed off to support, priority normal (refund)", New: "contained"},
			{Kind: replay.ChangeStates, Step: 2, Old: "human", New: "preparing"},
		}},
		{"another team and priority", run(welcome, human), run(welcome, with(human, func(s *replay.Step) {
			s.Handoff = &replay.Handoff{Team: "billing", Priority: "high", Reason: "refund"}
		})), []replay.Change{
			{Kind: replay.ChangeTeam, Step: 2, Old: "support", New: "billing"},
			{Kind: replay.ChangePriority, Step: 2, Old: "normal", New: "high"},
		}},
		{"another reason", run(welcome, human), run(welcome, with(human, func(s *replay.Step) {
			s.Handoff = &replay.Handoff{Team: "support", Priority: "normal", Reason: "no_match"}
		})), []replay.Change{{Kind: replay.ChangeReason, Step: 2, Old: "refund", New: "no_match"}}},
		{"a state gone from the new flow", run(welcome, step("tracking")), run(welcome, step("preparing")), []replay.Change{
			{Kind: replay.ChangeGone, Old: "tracking", New: "not in desk"},
			{Kind: replay.ChangeStates, Step: 2, Old: "tracking", New: "preparing"},
		}},
		{"the first different reply only", run(welcome, with(step(), func(s *replay.Step) { s.Replies = []string{"a", "b"} }), with(step(), func(s *replay.Step) { s.Replies = []string{"c"} })),
			run(welcome, with(step(), func(s *replay.Step) { s.Replies = []string{"a", "B"} }), with(step(), func(s *replay.Step) { s.Replies = []string{"C"} })),
			[]replay.Change{{Kind: replay.ChangeReply, Step: 2, Old: "b", New: "B"}}},
		{"a reply fewer", run(welcome, with(step(), func(s *replay.Step) { s.Replies = []string{"a", "b"} })), run(welcome, with(step(), func(s *replay.Step) { s.Replies = []string{"a"} })),
			[]replay.Change{{Kind: replay.ChangeReply, Step: 2, Old: "b", New: "(no reply)"}}},
		{"new no-matches", run(welcome, step()), run(welcome, with(step(), func(s *replay.Step) { s.NoMatches = 1 })), []replay.Change{
			{Kind: replay.ChangeNoMatch, Step: 2, Old: "0", New: "1 (step 2, in welcome)"},
		}},
		{"fewer no-matches are no change", run(welcome, with(step(), func(s *replay.Step) { s.NoMatches = 1 })), run(welcome, step()), nil},
		{"ends otherwise", run(welcome, with(step("shipped"), func(s *replay.Step) { s.End = "done" })), run(welcome, step("shipped")), []replay.Change{
			{Kind: replay.ChangeEnd, Step: 2, Old: "ends (done)", New: "(does not end)"},
		}},
		{"errors on the new flow", run(welcome), &replay.Run{Steps: []replay.Step{welcome}, Errors: []string{"step 1: boom"}}, []replay.Change{
			{Kind: replay.ChangeError, Old: "", New: "step 1: boom"},
		}},
		// What a test file recorded: only what its checks say.
		{"recorded: another state", run(replay.Step{State: "shipped", Known: replay.KnowState}), run(step("preparing")), []replay.Change{
			{Kind: replay.ChangeStates, Step: 1, Old: "shipped", New: "preparing"},
		}},
		{"recorded: some replies in order, others between", run(replay.Step{Replies: []string{"a", "c"}, Known: replay.KnowSomeReplies}),
			run(with(step(), func(s *replay.Step) { s.Replies = []string{"a", "b", "c"} })), nil},
		{"recorded: a reply missing", run(replay.Step{Replies: []string{"a", "d"}, Known: replay.KnowSomeReplies}),
			run(with(step(), func(s *replay.Step) { s.Replies = []string{"a", "b", "c"} })), []replay.Change{
				{Kind: replay.ChangeReply, Step: 1, Old: "d", New: "a | b | c"},
			}},
		{"recorded: a handoff whose team was not checked", run(replay.Step{Known: replay.KnowHandoff, Handoff: &replay.Handoff{Team: replay.Unknown, Priority: "normal", Reason: replay.Unknown}}),
			run(human), nil},
		{"recorded: nothing said of handoffs", run(replay.Step{}), run(human), nil},
		{"recorded: no handoff at that step", run(replay.Step{Known: replay.KnowHandoff}), run(human), []replay.Change{
			{Kind: replay.ChangeHandedOff, Step: 1, Old: "contained", New: "handed off to support, priority normal (refund)"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := replay.Compare(tc.base, tc.new, f)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
