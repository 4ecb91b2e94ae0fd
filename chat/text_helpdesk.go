package chat

import (
	"fmt"
	"strings"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// helpdeskEvent renders the routing and helpdesk events for people.
func (v *textView) helpdeskEvent(e flows.Effect) {
	switch e := e.(type) {
	case sandbox.RouteEvent:
		msg := fmt.Sprintf("ROUTED to team %s", e.Team)
		if e.TeamName != "" && e.TeamName != e.Team {
			msg += fmt.Sprintf(" (%s)", e.TeamName)
		}
		if e.Rule != "" {
			msg += fmt.Sprintf(" by rule %q", e.Rule)
		}
		msg += ", connector " + e.Connector
		if e.Group != "" {
			msg += ", group " + e.Group
		}
		if e.Agent != "" {
			msg += ", agent " + e.Agent
		}
		msg += ", priority " + string(e.Priority)
		switch {
		case e.Due != nil: // what the customer is told
			msg += ", first reply by " + e.Due.Format("Mon 2006-01-02 15:04 MST") + " (" + e.SLA + " counted in business hours)"
		case e.SLA != "":
			msg += ", first reply within " + e.SLA
		}
		if len(e.Tags) > 0 {
			msg += ", tags " + strings.Join(e.Tags, " ")
		}
		if !e.InHours {
			msg += fmt.Sprintf("; the team is closed (out of hours: %s", e.OutOfHours)
			if e.NextOpen != nil {
				msg += ", opens " + e.NextOpen.Format("Mon 2006-01-02 15:04 MST")
			}
			msg += ")"
		}
		if !e.OpenTicket {
			msg += "; no ticket is opened"
		}
		v.info(msg)
		for _, w := range e.Warnings {
			v.problem("routing: " + w)
		}
	case sandbox.HelpdeskRequest:
		if !v.fullHandoff {
			v.info(fmt.Sprintf("%s %s would send %s %s (not sent: this is the sandbox)", e.Connector, e.Op, e.Method, e.URL))
			return
		}
		v.info(fmt.Sprintf("%s %s would send (nothing is sent in the sandbox):", e.Connector, e.Op))
		v.line(indent(strings.TrimRight(e.Text(), "\n"), "      "))
	case sandbox.HelpdeskDelivered:
		msg := fmt.Sprintf("delivered %s of handoff %s", e.Kind, e.HandoffID)
		if t := e.Ticket; t != nil {
			msg = fmt.Sprintf("%s ticket %s opened for handoff %s", t.Connector, t.ID, e.HandoffID)
			if t.URL != "" {
				msg += ": " + t.URL
			}
		}
		if e.Attempts > 1 {
			msg += fmt.Sprintf(" (attempt %d)", e.Attempts)
		}
		v.info(msg)
	case sandbox.HelpdeskFailed:
		msg := fmt.Sprintf("delivering %s of handoff %s failed (attempt %d): %s", e.Kind, e.HandoffID, e.Attempts, e.Error)
		if e.Status == flows.OutboxDead {
			msg += "; given up (dead letter): 'baton handoff retry " + e.Item + "' once fixed"
		} else if e.NextAt != nil {
			msg += "; retrying at " + e.NextAt.Format("15:04:05")
		}
		v.problem(msg)
	}
}

// indent puts prefix before every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
