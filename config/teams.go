package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

func (d *decoder) teams(n *yaml.Node, c *handoff.Config) {
	for _, f := range d.mapping(n, "teams") {
		name := f.key.Value
		w := "teams." + name
		t := &handoff.ConfigTeam{Pos: d.pos(f.key), Name: name}
		for _, g := range d.mapping(f.val, w, teamKeys...) {
			gw := w + "." + g.key.Value
			switch g.key.Value {
			case "name":
				t.Display = d.str(g.val, gw)
			case "connector":
				t.Connector = d.ref(g.val, gw, "connector")
			case "hours":
				t.Hours = d.hours(g.val, gw, name)
			case "out_of_hours":
				t.OutOfHours = d.str(g.val, gw)
				d.oneOf(g.val, t.OutOfHours, gw, handoff.OutOfHoursTell, handoff.OutOfHoursTicket, handoff.OutOfHoursEmail)
			case "email":
				t.Email = d.str(g.val, gw)
			case "strategy":
				t.Strategy = d.str(g.val, gw)
				d.oneOf(g.val, t.Strategy, gw, handoff.StrategyRoundRobin, handoff.StrategyLeastLoaded, handoff.StrategySkills)
			case "agents":
				t.Agents = d.agents(g.val, gw)
			case "sla":
				t.SLA = d.sla(g.val, gw)
			}
		}
		if t.OutOfHours == handoff.OutOfHoursEmail && t.Email == "" {
			d.errorf(f.key, "%s: out_of_hours: email needs the address to offer, email: support@example.com", w)
		}
		if len(t.Agents) > 0 && t.Strategy == "" {
			t.Strategy = handoff.StrategyRoundRobin
		}
		c.Teams[name] = t
		c.TeamOrder = append(c.TeamOrder, name)
	}
}

func (d *decoder) agents(n *yaml.Node, where string) []handoff.ConfigAgent {
	n = cfgResolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		if n != nil && !(n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
			d.errorf(n, "%s must be a list of agents (- id: ...)", where)
		}
		return nil
	}
	var out []handoff.ConfigAgent
	seen := map[string]bool{}
	for i, item := range n.Content {
		w := fmt.Sprintf("%s[%d]", where, i)
		var a handoff.ConfigAgent
		if it := cfgResolve(item); it != nil && it.Kind == yaml.ScalarNode {
			a.ID = d.str(it, w)
		} else {
			for _, g := range d.mapping(item, w, agentKeys...) {
				switch g.key.Value {
				case "zendesk_id":
					a.ZendeskID = d.agentID(g.val, w+".zendesk_id", "Zendesk", "Admin Center › People › Team members, the number in the member's URL")
				case "freshdesk_id":
					a.FreshdeskID = d.agentID(g.val, w+".freshdesk_id", "Freshdesk", "Admin › Agents, the number in the agent's URL")
				case "id":
					a.ID = d.str(g.val, w+".id")
				case "name":
					a.Name = d.str(g.val, w+".name")
				case "skills":
					a.Skills = d.list(g.val, w+".skills")
				case "languages":
					a.Languages = d.list(g.val, w+".languages")
				}
			}
		}
		switch {
		case a.ID == "":
			d.errorf(item, "%s needs an id (the helpdesk agent id or e-mail)", w)
		case seen[a.ID]:
			d.errorf(item, "%s: agent %q is listed twice", w, a.ID)
		default:
			seen[a.ID] = true
			out = append(out, a)
		}
	}
	return out
}

// agentID reads an agent's numeric id in a helpdesk.
func (d *decoder) agentID(n *yaml.Node, where, helpdesk, hint string) string {
	s := strings.TrimSpace(d.str(n, where))
	if s == "" {
		return ""
	}
	if id, err := strconv.ParseInt(s, 10, 64); err != nil || id <= 0 {
		d.errorf(n, "%s: %q is not a %s agent id; write the agent's number (%s)", where, s, helpdesk, hint)
		return ""
	}
	return s
}

// hours reads a weekly calendar, written as in a flow's hours: (one format
// for designers and operators alike):
//
//	timezone: Europe/Rome
//	mon-fri: "09:00-13:00, 14:00-18:00"
//	sat: ["09:00-12:00"]
//	sun: closed
//	holidays: ["2025-12-25"]
func (d *decoder) hours(n *yaml.Node, where, name string) *flows.BusinessHours {
	b := &flows.BusinessHours{Name: name, Pos: d.pos(n), Location: time.UTC, Holidays: map[string]bool{}}
	hasDays, hasTZ := false, false
	for _, f := range d.mapping(n, where) {
		switch k := f.key.Value; k {
		case "timezone":
			hasTZ = true
			tz := d.str(f.val, where+".timezone")
			loc, err := time.LoadLocation(tz)
			if err != nil || tz == "" {
				d.errorf(f.val, "%s.timezone: unknown time zone %q; use an IANA name such as Europe/Rome or America/New_York", where, tz)
			} else {
				b.Location = loc
			}
		case "holidays":
			for i, s := range d.list(f.val, where+".holidays") {
				if _, err := time.Parse(time.DateOnly, s); err != nil {
					d.errorf(f.val, "%s.holidays[%d]: %q is not a date; write YYYY-MM-DD", where, i, s)
					continue
				}
				b.Holidays[s] = true
			}
		default:
			days, ok := flows.ParseDays(k)
			if !ok {
				known := append([]string{"timezone", "holidays", "mon-fri", "sat-sun"}, flows.Weekdays[:]...)
				msg := fmt.Sprintf("%s: %q is not a day or range of days; write mon, tue... sun or a range such as mon-fri", where, k)
				if s := flows.Suggest(k, known); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				d.report(dsl.Error, d.pos(f.key), msg)
				continue
			}
			hasDays = true
			spans := d.spans(f.val, where+"."+k)
			for _, day := range days {
				if b.Week[day] != nil {
					d.errorf(f.key, "%s: %s is given twice", where, flows.Weekdays[day])
				}
				b.Week[day] = append([]flows.Span{}, spans...)
			}
		}
	}
	if !hasDays {
		d.errorf(n, "%s needs the open hours per day, such as mon-fri: 09:00-18:00", where)
	}
	if !hasTZ {
		d.errorf(n, "%s needs timezone: (an IANA name such as Europe/Rome or America/New_York)", where)
	}
	return b
}

// spans reads "09:00-18:00", a list of them, or "closed".
func (d *decoder) spans(n *yaml.Node, where string) []flows.Span {
	out := []flows.Span{}
	for _, s := range d.list(n, where) {
		if strings.EqualFold(s, "closed") {
			continue
		}
		for _, part := range strings.Split(s, ",") {
			sp, err := flows.ParseSpan(part)
			if err != nil {
				d.errorf(n, "%s: %v", where, err)
				continue
			}
			out = append(out, sp)
		}
	}
	return out
}

var cfgPriorities = []string{string(flows.PriorityLow), string(flows.PriorityNormal), string(flows.PriorityHigh), string(flows.PriorityUrgent)}

func (d *decoder) priorityName(n *yaml.Node, s, where string) flows.Priority {
	if d.oneOf(n, s, where, cfgPriorities...) {
		return flows.Priority(s)
	}
	return ""
}
