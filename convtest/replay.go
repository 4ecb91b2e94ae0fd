package convtest

import (
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/replay"
)

// Replay is a test file's conversations as `baton replay`
// replays them (flowLang the language of the flow they test, for the
// default customer): the steps' inputs on the test's clock, its canned HTTP
// responses as the answers recorded, and what its checks say happened
// (the replies of a `bot:` of exact texts, the `state:`, the handoff or
// none): what `baton chat --record` writes, compared as recorded.
//
// Without a baseline a conversation whose test routes handoffs by a
// deployment config (config:) is skipped: the replay runs the flow alone,
// and its teams and priorities would differ from the routed ones.
func (tf *File) Replay(baseline bool, flowLang string) []*replay.Conversation {
	var out []*replay.Conversation
	for _, tc := range tf.Conversations {
		s := tc.Setup
		c := &replay.Conversation{ID: tc.Name, Source: tc.Pos.String(), Session: "test-1", Channel: s.Channel, Lang: s.Lang, Vars: s.Vars,
			Contact: s.Contact(flowLang), Recorded: &replay.Run{}}
		if c.Channel == "" {
			c.Channel = "sandbox"
		}
		if s.Config != "" && !baseline {
			c.Skip = "its test routes handoffs by " + s.Config + " (config:), which the replay does not: compare with --baseline OLD.yaml"
		}
		now := s.Start()
		for _, h := range s.HTTP {
			c.Calls = append(c.Calls, replay.Call{Method: h.Method, URL: h.URL, URLRegex: h.URLRegex, Status: h.Status, Body: h.BodyBytes(), Err: h.Error, Reuse: true})
		}
		for _, st := range tc.Steps {
			now = now.Add(st.After)
			in := replay.Input{At: now, Kind: st.Kind, Text: st.Value}
			switch st.Kind {
			case "button":
				in.ID, in.Text = st.Value, ""
			case "media":
				in.Media, in.Text = st.Media, ""
			case "ticket":
				in.Status, in.Text = flows.TicketStatus(st.Value), ""
			case "close":
				in.Text = ""
			case "wait":
				now = now.Add(st.Wait)
				in.At, in.Text = now, ""
			}
			c.Inputs = append(c.Inputs, in)
			c.Recorded.Steps = append(c.Recorded.Steps, recordedStep(st))
		}
		c.End = now
		out = append(out, c)
	}
	return out
}

// recordedStep is what a test step's checks say happened. A handoff is
// known where the step checks it (handoff:, or lifecycle:): hand-written
// tests often say nothing of it.
func recordedStep(st *Step) replay.Step {
	var rs replay.Step
	switch st.lifecycle {
	case "":
	case string(flows.LifecycleHandedOff):
		rs.Known |= replay.KnowHandoff
		rs.Handoff = &replay.Handoff{Team: replay.Unknown, Priority: replay.Unknown, Reason: replay.Unknown}
	default:
		rs.Known |= replay.KnowHandoff
	}
	if st.handoff != nil {
		rs.Known |= replay.KnowHandoff
	}
	if st.state != "" {
		rs.State, rs.Known = st.state, rs.Known|replay.KnowState
	}
	if b := st.bot; b != nil {
		exact := true
		for _, m := range b.want {
			if m.how != "exact" {
				exact = false
				break
			}
			rs.Replies = append(rs.Replies, m.s)
		}
		switch {
		case !exact:
			rs.Replies = nil
		case len(b.want) == 0: // bot: [] is no reply at all
			rs.Known |= replay.KnowReplies
		default:
			rs.Known |= replay.KnowSomeReplies
		}
	}
	if h := st.handoff; h != nil && !h.none {
		rs.Handoff = &replay.Handoff{Team: replay.Unknown, Priority: replay.Unknown, Reason: replay.Unknown}
		if h.team != nil {
			rs.Handoff.Team = *h.team
		}
		if h.priority != nil {
			rs.Handoff.Priority = *h.priority
		}
		if h.reason != nil {
			rs.Handoff.Reason = *h.reason
		}
	}
	return rs
}
